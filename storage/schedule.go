package storage

import (
	"bytes"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// The follow-up schedule: at most one due time per learner, indexed by time so
// the scheduler reads only what is due. TakeDue moves due entries into the
// inbox in the same transaction that removes them, so a crash between the
// two cannot lose or double a lesson.

func dueKey(t time.Time, learnerID string) []byte {
	return append(timeBytes(t), learnerID...)
}

// setDue replaces the learner's due time; a zero t clears it.
func setDue(tx *bbolt.Tx, learnerID string, t time.Time) error {
	due, of := tx.Bucket(bucketDue), tx.Bucket(bucketDueOf)
	if old := of.Get([]byte(learnerID)); old != nil {
		if err := due.Delete(append(clone(old), learnerID...)); err != nil {
			return err
		}
		if err := of.Delete([]byte(learnerID)); err != nil {
			return err
		}
	}
	if t.IsZero() {
		return nil
	}
	if err := due.Put(dueKey(t, learnerID), nil); err != nil {
		return err
	}
	return of.Put([]byte(learnerID), timeBytes(t))
}

// Due returns the learner's scheduled follow-up time, if any.
func (db *DB) Due(learnerID string) (time.Time, bool, error) {
	var t time.Time
	var ok bool
	err := db.view("read a due time", func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketDueOf).Get([]byte(learnerID)); v != nil {
			t, ok = bytesTime(v), true
		}
		return nil
	})
	return t, ok, err
}

// NextDue returns the earliest scheduled time, if any.
func (db *DB) NextDue() (time.Time, bool, error) {
	var t time.Time
	var ok bool
	err := db.view("read the schedule", func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket(bucketDue).Cursor().First(); k != nil {
			t, ok = bytesTime(k[:8]), true
		}
		return nil
	})
	return t, ok, err
}

// TakeDue moves up to limit learners whose follow-up is due at now into the
// inbox, as the updates mk makes (their keys must be unique per learner and
// due time), and clears their schedule; all in one transaction. It returns the
// updates added. The turn handling each update sets the next due time.
func (db *DB) TakeDue(now time.Time, limit int, mk func(learnerID string, due time.Time) Update) ([]Update, error) {
	var added []Update
	err := db.update("move due follow-ups to the inbox", func(tx *bbolt.Tx) error {
		added = added[:0]
		due, of := tx.Bucket(bucketDue), tx.Bucket(bucketDueOf)
		end := timeBytes(now)
		var keys [][]byte
		c := due.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:8], end) <= 0 && len(keys) < limit; k, _ = c.Next() {
			keys = append(keys, clone(k))
		}
		for _, k := range keys {
			id := string(k[8:])
			u := mk(id, bytesTime(k[:8]))
			if err := u.check(); err != nil {
				return err
			}
			var err error
			if added, err = addToInbox(tx, u, now, added); err != nil {
				return err
			}
			if err := due.Delete(k); err != nil {
				return err
			}
			if err := of.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// MarkSentHelp is MarkSent for a help notification: ref (where it was posted)
// becomes the learner's help thread, in the same transaction; unless the
// notification left the outbox meanwhile (the learner was erased): then
// nothing of them is written back.
func (db *DB) MarkSentHelp(m Message, ref string) error {
	learnerID := m.About
	err := db.group.do(func(tx *bbolt.Tx) error {
		found, err := markSent(tx, m)
		if err != nil {
			return err
		}
		if !found || ref == "" || learnerID == "" {
			return nil
		}
		if err := tx.Bucket(bucketThreads).Put([]byte(ref), []byte(learnerID)); err != nil {
			return err
		}
		return tx.Bucket(bucketThreadOf).Put([]byte(learnerID), []byte(ref))
	})
	if err != nil {
		return db.wrap(fmt.Sprintf("mark help notification %d sent", m.ID), err)
	}
	return nil
}

// HelpThread returns the learner's latest help notification ref.
func (db *DB) HelpThread(learnerID string) (string, bool, error) {
	var ref string
	err := db.view("read a help thread", func(tx *bbolt.Tx) error {
		ref = string(tx.Bucket(bucketThreadOf).Get([]byte(learnerID)))
		return nil
	})
	return ref, ref != "", err
}

// ThreadLearner returns the learner a help notification ref belongs to.
func (db *DB) ThreadLearner(ref string) (string, bool, error) {
	var id string
	err := db.view("read a help thread", func(tx *bbolt.Tx) error {
		id = string(tx.Bucket(bucketThreads).Get([]byte(ref)))
		return nil
	})
	return id, id != "", err
}

// EnqueueOnce enqueues ms unless key was already done; both in one
// transaction. done is false when key was there.
func (db *DB) EnqueueOnce(key string, ms ...Message) (done bool, err error) {
	if err := checkID("once key", key); err != nil {
		return false, err
	}
	for i := range ms {
		if err := ms[i].check(); err != nil {
			return false, err
		}
	}
	now := db.now()
	err = db.update("enqueue "+key, func(tx *bbolt.Tx) error {
		done = false
		b := tx.Bucket(bucketOnce)
		if b.Get([]byte(key)) != nil {
			return nil
		}
		for _, m := range ms {
			if _, err := enqueue(tx, m, now); err != nil {
				return err
			}
		}
		done = true
		return b.Put([]byte(key), timeBytes(now))
	})
	return done, err
}

// eraseSchedule removes the learner from the schedule and the help threads.
func eraseSchedule(tx *bbolt.Tx, learnerID string) (int, error) {
	n := 0
	if tx.Bucket(bucketDueOf).Get([]byte(learnerID)) != nil {
		n++
	}
	if err := setDue(tx, learnerID, time.Time{}); err != nil {
		return n, err
	}
	var refs [][]byte
	err := tx.Bucket(bucketThreads).ForEach(func(k, v []byte) error {
		if string(v) == learnerID {
			refs = append(refs, clone(k))
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if err := deleteKeys(tx.Bucket(bucketThreads), refs); err != nil {
		return n, err
	}
	n += len(refs)
	if tx.Bucket(bucketThreadOf).Get([]byte(learnerID)) != nil {
		n++
	}
	if err := tx.Bucket(bucketThreadOf).Delete([]byte(learnerID)); err != nil {
		return n, err
	}
	h, err := eraseHelp(tx, learnerID)
	return n + h, err
}
