package storage

import "errors"

// Errors returned (wrapped) by this package. Test them with errors.Is; the
// wrapping message names the file and says what to do.
var (
	// ErrLocked means another process (most likely another diagbot) holds the
	// database file: bbolt allows a single writer process per file.
	ErrLocked = errors.New("database file is locked by another process")

	// ErrNewerSchema means the file was written by a newer diagbot whose layout
	// this build does not know; opening it could corrupt it.
	ErrNewerSchema = errors.New("database file was written by a newer diagbot")

	// ErrNotFound means the record asked for does not exist.
	ErrNotFound = errors.New("not found")

	// ErrExists means a record with the same key already exists.
	ErrExists = errors.New("already exists")

	// ErrInvalid means the caller passed a record that cannot be stored as is
	// (empty key, NUL byte in an id, invalid JSON payload, …). It is a bug in
	// the caller, not a problem with the file.
	ErrInvalid = errors.New("invalid record")
)
