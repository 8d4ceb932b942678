//go:build !linux

package proc

// cgroup is Linux's; elsewhere a role has none.
type cgroup struct{}

func newCgroup(name string, maxPids int) *cgroup { return nil }
func (c *cgroup) procsFile() string              { return "" }
func (c *cgroup) pids() []int                    { return nil }
func (c *cgroup) remove()                        {}
