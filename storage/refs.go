package storage

import (
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Refs are what a channel must remember about messages it sent to a learner,
// across restarts: Telegram keeps the id and text of each question message so
// the answer can be shown in it later. Keyed by learner, so erasure finds them.

type refRecord struct {
	V  []byte `json:"v"`
	At int64  `json:"at"` // unix ms
}

func refKey(learnerID, name string) []byte { return append(prefix(learnerID), name...) }

// PutRef stores value under the learner's name; concurrent senders share
// commits (group commit: the function is idempotent). A learner who is not
// (or no longer) in the file gets nothing stored: a send that was under way
// when they erased everything must not write part of them back.
func (db *DB) PutRef(learnerID, name string, value []byte) error {
	if err := checkID("learner id", learnerID); err != nil {
		return err
	}
	v, err := json.Marshal(refRecord{V: value, At: db.now().UnixMilli()})
	if err != nil {
		return err
	}
	if err := db.group.do(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketLearners).Get([]byte(learnerID)) == nil {
			return nil
		}
		return tx.Bucket(bucketRefs).Put(refKey(learnerID, name), v)
	}); err != nil {
		return db.wrap(fmt.Sprintf("store a message reference of learner %q", learnerID), err)
	}
	return nil
}

// Ref returns what PutRef stored.
func (db *DB) Ref(learnerID, name string) ([]byte, bool, error) {
	var out []byte
	err := db.view("read a message reference", func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketRefs).Get(refKey(learnerID, name))
		if raw == nil {
			return nil
		}
		var r refRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		out = r.V
		return nil
	})
	return out, out != nil, err
}

// DeleteRef forgets a reference (the question was answered).
func (db *DB) DeleteRef(learnerID, name string) error {
	if err := db.group.do(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketRefs).Delete(refKey(learnerID, name))
	}); err != nil {
		return db.wrap("delete a message reference", err)
	}
	return nil
}

// PruneRefs forgets references stored before a time (questions never
// answered); it returns how many went.
func (db *DB) PruneRefs(before time.Time) (int, error) {
	n := 0
	err := db.update("prune message references", func(tx *bbolt.Tx) (err error) {
		// An unreadable reference is useless: it goes too.
		n, err = pruneBucket(tx, bucketRefs, func(_, v []byte) (bool, error) {
			var r refRecord
			return json.Unmarshal(v, &r) != nil || r.At < before.UnixMilli(), nil
		})
		return err
	})
	return n, err
}

func eraseRefs(tx *bbolt.Tx, learnerID string) (int, error) {
	var keys [][]byte
	b := tx.Bucket(bucketRefs)
	if err := forPrefix(b, prefix(learnerID), func(k, _ []byte) error {
		keys = append(keys, clone(k))
		return nil
	}); err != nil {
		return 0, err
	}
	return len(keys), deleteKeys(b, keys)
}
