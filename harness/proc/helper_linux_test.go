package proc

import (
	"os"
	"path/filepath"
)

// leftOf lists the live processes carrying p's marker. Tests run in
// parallel, so Stray, which sees every role's, is checked in TestMain.
func leftOf(p *Process) []int {
	var left []int
	for _, pid := range Stray() {
		if hasMarker(pid, p.marker) {
			left = append(left, pid)
		}
	}
	return left
}

// leftoverCgroups lists the pids cgroups of this process's roles that are
// still there: Stop removes each.
func leftoverCgroups() []string {
	root := pidsRoot()
	if root == "" {
		return nil
	}
	var left []string
	markers.Range(func(m, _ any) bool {
		dir := filepath.Join(root, "socklab-"+m.(string))
		if _, err := os.Stat(dir); err == nil {
			left = append(left, dir)
		}
		return true
	})
	return left
}
