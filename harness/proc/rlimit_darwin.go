package proc

// rlimitNProc is RLIMIT_NPROC, which package syscall does not name.
const rlimitNProc = 7
