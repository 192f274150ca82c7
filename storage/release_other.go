//go:build !linux

package storage

// dropMapping does nothing off Linux: there the mapped pages simply count in
// the process's resident size until the kernel reclaims them.
func dropMapping(uintptr, int64) error { return nil }
