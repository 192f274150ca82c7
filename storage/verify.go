package storage

import (
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Verify opens the bbolt file at path read-only and runs bbolt's consistency
// check on every page: a backup is trusted only once it passes.
func Verify(path string) error {
	b, err := bbolt.Open(path, fileMode, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("the backup %s does not open: %w", path, err)
	}
	defer b.Close()
	return b.View(func(tx *bbolt.Tx) error {
		var first error
		for err := range tx.Check() { // drain: the checker stops when all is read
			if first == nil {
				first = fmt.Errorf("the backup %s is inconsistent: %w", path, err)
			}
		}
		return first
	})
}
