package storage

import (
	"encoding/json"
	"errors"

	"go.etcd.io/bbolt"
)

// callerError carries the caller's own error out of the read transaction, so
// it comes back unwrapped.
type callerError struct{ err error }

func (e callerError) Error() string { return e.err.Error() }

// ForEachLearner calls fn for every stored learner, in id order, inside one
// read transaction: a consistent view, even while the bot writes. It stops at
// the first error of fn and returns it as is. A record that cannot be decoded
// is skipped, with a warning in the log.
//
// fn must not write to the database: a write waiting for this read to end
// while the read waits for the write would never finish. It is meant for
// look-ups that have no index (find a learner by external id), at about a
// microsecond per learner.
func (db *DB) ForEachLearner(fn func(Learner) error) error {
	err := db.view("list learners", func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketLearners).ForEach(func(k, v []byte) error {
			var l Learner
			if err := json.Unmarshal(v, &l); err != nil {
				// One damaged record must not stop a sweep over everyone
				// (retention, look-ups): it is skipped and said, without
				// its id (a learner's) at this level.
				db.log.Warn().Err(err).Int("bytes", len(v)).Msg("storage: a learner record cannot be read; skipped (check the file with bbolt check)")
				return nil
			}
			if err := fn(l); err != nil {
				return callerError{err}
			}
			return nil
		})
	})
	if ce := (callerError{}); errors.As(err, &ce) {
		return ce.err
	}
	return err
}
