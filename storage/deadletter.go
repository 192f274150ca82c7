package storage

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.etcd.io/bbolt"
)

// DeadLetter is an update whose handling panicked or failed: it is taken out
// of the inbox so it cannot block the learner's worker (or crash the bot again
// at every restart), and kept here for a person to look at.
type DeadLetter struct {
	Update Update    `json:"update"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// DeadLetter removes u from the inbox, marks its key seen (a replay of it is a
// no-op) and stores it with the reason in "deadletter". Dead-lettering the same
// update again replaces the reason and time, keeping the update first stored.
func (db *DB) DeadLetter(u Update, reason string, at time.Time) error {
	if err := checkID("update key", u.Key); err != nil {
		return err
	}
	if at.IsZero() {
		at = db.now()
	}
	return db.update(fmt.Sprintf("dead-letter update %q", u.Key), func(tx *bbolt.Tx) error {
		// Keep the stored copy if there is one (the inbox entry, or the update
		// of an earlier dead letter): it carries Seq, ReceivedAt and payload,
		// which the caller may not have at hand any more.
		if seq := tx.Bucket(bucketInboxKeys).Get([]byte(u.Key)); seq != nil {
			var stored Update
			if err := json.Unmarshal(tx.Bucket(bucketInbox).Get(seq), &stored); err == nil {
				u = stored
			}
		} else if v := tx.Bucket(bucketDeadLetter).Get([]byte(u.Key)); v != nil {
			var prev DeadLetter
			if err := json.Unmarshal(v, &prev); err == nil {
				u = prev.Update
			}
		}
		if err := removeInbox(tx, u.Key, at); err != nil {
			return err
		}
		v, err := json.Marshal(DeadLetter{Update: u, Reason: reason, At: at})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketDeadLetter).Put([]byte(u.Key), v)
	})
}

// DeadLetters returns the dead letters, oldest first.
func (db *DB) DeadLetters() ([]DeadLetter, error) {
	var out []DeadLetter
	err := db.view("read dead letters", func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketDeadLetter).ForEach(func(k, v []byte) error {
			var d DeadLetter
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode dead letter %q: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].Update.Seq < out[j].Update.Seq
	})
	return out, err
}
