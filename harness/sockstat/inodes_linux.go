package sockstat

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Inodes returns the inodes of the sockets that process pid holds open,
// read from its file descriptors in /proc/<pid>/fd (which only the
// process's owner, or root, may read). Compare them with Socket.Inode.
func Inodes(pid int) ([]uint64, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	fds, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sockstat: %w", err)
	}
	var out []uint64
	for _, fd := range fds {
		link, _ := os.Readlink(filepath.Join(dir, fd.Name())) // closed meanwhile: ""
		if s, ok := strings.CutPrefix(link, "socket:["); ok {
			if inode, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64); err == nil {
				out = append(out, inode)
			}
		}
	}
	return out, nil
}
