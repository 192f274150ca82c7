package storage

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.etcd.io/bbolt"
)

// HelpOpen is a help request no advisor has closed yet. Turns keep it in
// step with the learner's session, in the same transaction; advisors' views
// (Slack's Home tab, /metrics) read it without loading every session.
type HelpOpen struct {
	LearnerID string    `json:"-"`
	Campaign  string    `json:"campaign,omitempty"`
	Since     time.Time `json:"since"`
	ClaimedBy string    `json:"claimed_by,omitempty"` // Slack user id of the advisor who took it
}

// putHelp records h; a zero Since keeps the stored one (a claim does not
// move the time the learner asked).
func putHelp(tx *bbolt.Tx, learnerID string, h HelpOpen, now time.Time) error {
	b := tx.Bucket(bucketHelpOpen)
	if h.Since.IsZero() {
		if old := b.Get([]byte(learnerID)); old != nil {
			var prev HelpOpen
			if json.Unmarshal(old, &prev) == nil {
				h.Since = prev.Since
			}
		}
		if h.Since.IsZero() {
			h.Since = now
		}
	}
	v, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return b.Put([]byte(learnerID), v)
}

// eraseHelp forgets the learner's open request, if any.
func eraseHelp(tx *bbolt.Tx, learnerID string) (int, error) {
	b := tx.Bucket(bucketHelpOpen)
	if b.Get([]byte(learnerID)) == nil {
		return 0, nil
	}
	return 1, b.Delete([]byte(learnerID))
}

// OpenHelp lists the open help requests, oldest first.
func (db *DB) OpenHelp() ([]HelpOpen, error) {
	var out []HelpOpen
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketHelpOpen).ForEach(func(k, v []byte) error {
			var h HelpOpen
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("decode the open help request of %q: %w", k, err)
			}
			h.LearnerID = string(k)
			out = append(out, h)
			return nil
		})
	})
	if err != nil {
		return nil, db.wrap("list the open help requests", err)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.Before(out[j].Since)
		}
		return out[i].LearnerID < out[j].LearnerID
	})
	return out, nil
}

// OpenHelpCount is how many help requests are open.
func (db *DB) OpenHelpCount() (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketHelpOpen).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, db.wrap("count the open help requests", err)
	}
	return n, nil
}
