//go:build linux

package storage

import "syscall"

// dropMapping tells the kernel this process no longer needs its mapping of
// the first size bytes at addr (MADV_DONTNEED). For a shared mapping of a
// file the pages stay in the page cache: the next read maps them again from
// there, with the same content.
func dropMapping(addr uintptr, size int64) error {
	if size <= 0 {
		return nil
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(size), syscall.MADV_DONTNEED); errno != 0 {
		return errno
	}
	return nil
}
