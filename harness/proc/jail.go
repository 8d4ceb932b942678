package proc

// A Jail keeps a role away from the grader's files and from other
// submissions': the role runs as a user of its own (UID and GID, no
// supplementary groups), so it can write only its own files and what the
// machine lets everyone write, and read nothing of another user's kept
// private; and in a mount namespace of its own in which each directory of
// Hide is covered by an empty, read-only one, so that files everyone may
// read (the kit's source, with its hidden checks, or a class's other
// submissions) are not there for it to read.
//
// Jailing takes CAP_SYS_ADMIN: root's, or the sandbox's user namespace's
// (see CanJail); Start ignores a Jail otherwise. Only root can give the
// role a user of its own (CanChangeUser): with UID 0 the role keeps the
// grader's user and is only hidden from. The user's ID needs no entry in
// /etc/passwd; HOME should point somewhere it may write.
//
// The jail has a /tmp, /var/tmp and /dev/shm of its own, empty, so that
// what a role leaves there goes when it ends and no other role sees it.
// Keep names the directories under /tmp that it must still see (its
// scratch copy); they are mounted back in at the same paths. Show names
// directories mounted back in read-only, hidden or not: the submission
// itself, so that a program that names its own files by absolute path
// (a script a Makefile wrote with $(PWD) in it) finds them, and cannot
// change them.
type Jail struct {
	UID, GID int
	Hide     []string // absolute paths of directories
	Keep     []string // absolute paths of directories under /tmp
	Show     []string // absolute paths of directories
}
