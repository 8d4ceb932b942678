//go:build !linux

package sandbox

func inside() Status { return Status{Reason: "network namespaces are Linux's"} }
func reexec() Status { return Status{Reason: "network namespaces are Linux's"} }
