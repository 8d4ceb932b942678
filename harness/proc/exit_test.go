package proc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestExitStatus(t *testing.T) {
	t.Parallel()
	p := start(t, helper("exit", "3", "listening...\n", "server: reading config\nserver: fatal: no zone file\n"))
	e := waitExit(t, p)
	if e.Code != 3 || e.Signal != 0 || e.Stopped || e.Limit != "" || e.Success() {
		t.Errorf("Exit = %+v, want status 3 and nothing else", e)
	}
	// stderr is quoted, not stdout: that is where errors go.
	want := regexp.MustCompile(`^your server exited with status 3 after \d+\.\d s; its last output:\n` +
		`    server: reading config\n    server: fatal: no zone file$`)
	if got := p.Describe(); !want.MatchString(got) {
		t.Errorf("Describe() = %q, want it to match %q", got, want)
	}
}

func TestExitStatusQuotesStdoutWithoutStderr(t *testing.T) {
	t.Parallel()
	p := start(t, helper("exit", "1", "usage: server -port P\n", ""))
	waitExit(t, p)
	if got, want := p.Describe(), "; its last output:\n    usage: server -port P"; !strings.HasSuffix(got, want) {
		t.Errorf("Describe() = %q, want it to end %q", got, want)
	}
}

func TestExitSuccess(t *testing.T) {
	t.Parallel()
	p := start(t, helper("exit", "0", "", ""))
	e := waitExit(t, p)
	if !e.Success() {
		t.Errorf("Exit = %v, want success", e)
	}
	if got, want := p.Describe(), "your server exited with status 0 after"; !strings.HasPrefix(got, want) {
		t.Errorf("Describe() = %q, want it to start %q", got, want)
	}
	if !strings.HasSuffix(p.Describe(), " s") {
		t.Errorf("Describe() = %q: a program that printed nothing has no last output", p.Describe())
	}
}

func TestExitSignal(t *testing.T) {
	t.Parallel()
	p := start(t, script(t, "echo 'about to crash' >&2\nkill -SEGV $$\n"))
	e := waitExit(t, p)
	if e.Signal != syscall.SIGSEGV || e.Code != -1 || e.Limit != "" {
		t.Errorf("Exit = %+v, want death by SIGSEGV", e)
	}
	want := regexp.MustCompile(`^your server was killed by signal SIGSEGV \(segmentation fault\) after \d+\.\d s; its last output:\n    about to crash$`)
	if got := p.Describe(); !want.MatchString(got) {
		t.Errorf("Describe() = %q, want it to match %q", got, want)
	}
}

func TestExitStopped(t *testing.T) {
	t.Parallel()
	p := start(t, helper("sleep"))
	waitPrinted(t, p, "ready")
	if p.Exit() != nil || p.Describe() != "" {
		t.Fatalf("a running program has Exit %v, Describe %q", p.Exit(), p.Describe())
	}
	e := p.Stop()
	if !e.Stopped || e.Signal != syscall.SIGTERM {
		t.Errorf("Exit = %+v, want Stopped by SIGTERM", e)
	}
	if !strings.HasPrefix(e.String(), "was stopped by the grader after") {
		t.Errorf("String() = %q", e)
	}
	if d := p.Describe(); d != "" {
		t.Errorf("Describe() = %q for a program the grader stopped, want \"\"", d)
	}
}

func TestExitString(t *testing.T) {
	tests := []struct {
		e    Exit
		want string
	}{
		{Exit{Code: 2, Elapsed: 300 * time.Millisecond}, "exited with status 2 after 0.3 s"},
		{Exit{Code: -1, Signal: syscall.SIGABRT, Elapsed: 1200 * time.Millisecond}, "was killed by signal SIGABRT (aborted) after 1.2 s"},
		{Exit{Code: -1, Signal: syscall.Signal(40)}, "was killed by signal 40 (signal 40) after 0.0 s"},
		{Exit{Code: -1, Signal: syscall.SIGKILL, Stopped: true}, "was stopped by the grader after 0.0 s"},
		{Exit{Code: -1, Signal: syscall.SIGXCPU, Limit: "its CPU time limit (1s)"}, "ran into its CPU time limit (1s) and was killed after 0.0 s"},
		{Exit{Code: 153, Limit: "its file size limit (1 MiB)"},
			"exited with status 153 after 0.0 s: a program it ran (status 153 = 128 + signal SIGXFSZ) ran into its file size limit (1 MiB)"},
		{Exit{Code: -1, Limit: "could not be waited for: no child processes"}, "could not be waited for: no child processes after 0.0 s"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("%+v: String() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestCheckProgram(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plain"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "bin"), 0o755)
	tests := []struct {
		name, path, want string
	}{
		{"missing", "bin/server", "bin/server does not exist; `make build` must create it (or give -cmd server='...')"},
		{"directory", "bin", "bin is a directory, not a program"},
		{"not executable", "plain", "plain is not executable; run chmod +x on it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Start(Spec{Role: "server", Path: tt.path, Dir: dir})
			if err == nil {
				p.Stop()
				t.Fatal("Start succeeded")
			}
			if !errors.Is(err, ErrNoProgram) {
				t.Errorf("error %v is not ErrNoProgram", err)
			}
			// The path is the submission's, resolved where the role runs.
			if want := filepath.Join(dir, tt.want); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
	}
}

// TestRelativePath: a relative Path is found in Dir, as the student's
// Makefile put it there, wherever the grader runs from.
func TestRelativePath(t *testing.T) {
	t.Parallel()
	spec := script(t, "echo hello from $0\n")
	spec.Path = filepath.Base(spec.Path)
	p := start(t, spec)
	waitExit(t, p)
	if got, want := p.Output().String(), "hello from "+filepath.Join(spec.Dir, "prog")+"\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}

func TestExecErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
	}{
		{"no #! line", "echo hi\n", "it is not a program; a script needs a first line such as #!/bin/sh"},
		{"missing interpreter", "#!/usr/bin/python9 -u\nprint('hi')\n", "the interpreter on its #! line, /usr/bin/python9, does not exist"},
		{"windows line ends", "#!/bin/sh\r\necho hi\r\n", "carriage return (Windows line endings)"},
		{"binary garbage", "\x7fELF\x02\x01\x01garbage", "it is not a program"},
		{"missing loader", missingLoader(t), "it needs the dynamic loader /lib64/ld-nolix-x86-64.so.2, which this machine does not have"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.text == "" {
				t.Skip("no dynamically linked /bin/true to copy")
			}
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "server")
			if err := os.WriteFile(path, []byte(tt.text), 0o755); err != nil {
				t.Fatal(err)
			}
			p := start(t, Spec{Role: "server", Path: path})
			e := waitExit(t, p)
			if e.Code != exitLaunchFailed {
				t.Errorf("Exit = %v, want status %d", e, exitLaunchFailed)
			}
			if d := p.Describe(); !strings.Contains(d, tt.want) || !strings.Contains(d, "exited with status 127") {
				t.Errorf("Describe() = %q, want status 127 and %q", d, tt.want)
			}
		})
	}
}

// missingLoader is /bin/true asking for a dynamic loader that does not
// exist, as a program built elsewhere (with musl, say) does; "" if there is
// no /bin/true with the usual loader on this machine.
func missingLoader(t *testing.T) string {
	b, err := os.ReadFile("/bin/true")
	if err != nil || !strings.Contains(string(b), "/lib64/ld-linux-x86-64.so.2") {
		return ""
	}
	return strings.Replace(string(b), "/lib64/ld-linux-x86-64.so.2", "/lib64/ld-nolix-x86-64.so.2", 1)
}

// TestEnvironment: a role sees what it needs to run an interpreter and
// nothing else of the grader's environment, its secrets least of all.
func TestEnvironment(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "ghp_not_for_students")
	t.Setenv("SOCKLAB_TEST_SECRET", "nor this")
	t.Setenv("HOME", "/home/grader")
	spec := helper("env")
	spec.Env = append(spec.Env, "EXTRA=from the check", "LANG=en_US.UTF-8")
	p := start(t, spec)
	waitExit(t, p)
	env := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSpace(p.Output().String()), "\n") {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := env[k]; dup {
			t.Errorf("%s is in the environment twice", k)
		}
		env[k] = v
	}
	want := map[string]string{
		"PATH":             os.Getenv("PATH"),
		"HOME":             "/home/grader",
		"LANG":             "en_US.UTF-8", // Spec.Env wins
		"PYTHONUNBUFFERED": "1",
		"SOCKLAB_RUN":      p.marker,
		"EXTRA":            "from the check",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s=%q, want %q", k, env[k], v)
		}
	}
	allowed := []string{"TMPDIR", "USER", "GOCACHE", "GOPATH", "JAVA_HOME", helperEnv, "GORACE"}
	for k := range env {
		if _, ok := want[k]; !ok && !slices.Contains(allowed, k) {
			t.Errorf("the role sees %s=%q", k, env[k])
		}
	}
}

// TestEndedMemoryHints: a memory limit gives no signal of its own, so the
// report reads the signs.
func TestEndedMemoryHints(t *testing.T) {
	const limit = 128 << 20
	tests := []struct {
		name   string
		exit   Exit
		memory int64
		stderr string
		want   string // "" for no hint
	}{
		{"python", Exit{Code: 1}, limit, "Traceback...\nMemoryError\n", "; it ran out of memory (its limit is 128 MiB)"},
		{"go", Exit{Code: 2}, limit, "fatal error: runtime: out of memory\n", "; it ran out of memory (its limit is 128 MiB)"},
		{"c++", Exit{Code: -1, Signal: syscall.SIGABRT}, limit, "terminate called after throwing an instance of 'std::bad_alloc'\n", "; it ran out of memory"},
		{"near the limit", Exit{Code: -1, Signal: syscall.SIGSEGV, MaxRSS: 100 << 20}, limit, "",
			"; it had used 100 MiB of memory, near its limit of 128 MiB: it probably ran out of memory"},
		{"crash under a tight limit", Exit{Code: -1, Signal: syscall.SIGSEGV, MaxRSS: 20 << 20}, limit, "",
			"; it may have run out of memory (this check's limit is 128 MiB)"},
		{"go runtime crash under a tight limit", Exit{Code: 2}, limit, "SIGSEGV: segmentation violation\nPC=0x43919d m=4\n",
			"; it may have run out of memory"},
		{"crash, usual limit", Exit{Code: -1, Signal: syscall.SIGSEGV, MaxRSS: 20 << 20}, DefaultLimits.Memory, "", ""},
		{"go panic is no crash", Exit{Code: 2}, limit, "panic: runtime error: index out of range\n", ""},
		{"plain failure", Exit{Code: 1}, limit, "usage: server -port P\n", ""},
		{"success", Exit{Code: 0, MaxRSS: 120 << 20}, limit, "", ""},
		{"stopped", Exit{Code: -1, Signal: syscall.SIGKILL, Stopped: true, MaxRSS: 120 << 20}, limit, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Process{spec: Spec{Limits: Limits{Memory: tt.memory}}, stdout: newCapture(1000, 100), stderr: newCapture(1000, 100)}
			p.stderr.Write([]byte(tt.stderr))
			got := strings.TrimPrefix(p.ended(&tt.exit), tt.exit.String())
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Errorf("ended(%+v) adds %q, want %q", tt.exit, got, tt.want)
			}
		})
	}
}

// TestMaxRSSIsTheProgramsOwn: the launcher starts with vfork, sharing the
// grader's memory, and Linux keeps the peak across execve; a big grader
// must not make a small program look big ("it had used 1205 MiB, near its
// limit": a false hint once seen in CI), and a big program must still
// show.
func TestMaxRSSIsTheProgramsOwn(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("ru_maxrss across execve is Linux's")
	}
	spec := helper("big-grader")
	spec.Memory = 16 << 30 // the race detector's shadow memory too
	p := start(t, spec)
	waitExit(t, p)
	var rss, kept int64
	if _, err := fmt.Sscanf(p.Stdout().String(), "maxrss %d %d", &rss, &kept); err != nil {
		t.Fatalf("helper printed %q (stderr %q): %v", p.Stdout().String(), p.Stderr(), err)
	}
	if rss >= 64<<20 {
		t.Errorf("/bin/true started by a grader holding %d MiB: MaxRSS = %d MiB; want it small or 0", kept>>20, rss>>20)
	}

	big := start(t, helper("alloc"))
	if e := waitExit(t, big); e.MaxRSS < 1<<30 {
		t.Errorf("a program that touched 1 GiB: MaxRSS = %d MiB; want at least 1024", e.MaxRSS>>20)
	}
}
