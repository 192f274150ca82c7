package storage

import (
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Update is one input received from a channel, stored in the inbox before the
// channel acknowledges it.
type Update struct {
	// Key is unique within the channel ("telegram:8812734"): storing the same
	// key again, before or after it was handled, is a no-op.
	Key       string `json:"key"`
	Channel   string `json:"channel"`    // "telegram", "console", "slack"
	LearnerID string `json:"learner_id"` // "telegram:5551234": the worker shard key
	// Seq is assigned by PutInbox: the global arrival order, replayed in order
	// after a restart.
	Seq        uint64          `json:"seq"`
	ReceivedAt time.Time       `json:"received_at"`
	Payload    json.RawMessage `json:"payload,omitempty"` // channel-neutral input, opaque to storage
}

func (u *Update) check() error {
	if err := checkID("update key", u.Key); err != nil {
		return err
	}
	if len(u.Payload) > 0 && !json.Valid(u.Payload) {
		return fmt.Errorf("storage: update %q has a payload that is not valid JSON: %w", u.Key, ErrInvalid)
	}
	return nil
}

// PutInbox stores u unless its Key is already in the inbox or was already
// handled. It returns the stored update (with Seq) and added=false for a
// duplicate (then the update is the one already waiting, or u itself if it was
// handled). Concurrent callers (webhook handlers) share transactions.
func (db *DB) PutInbox(u Update) (Update, bool, error) {
	if err := u.check(); err != nil {
		return u, false, err
	}
	if u.ReceivedAt.IsZero() {
		u.ReceivedAt = db.now()
	}
	var (
		stored Update
		added  bool
	)
	err := db.group.do(func(tx *bbolt.Tx) error {
		// A group commit may run this twice; every run overwrites the results.
		var err error
		stored, added, err = putInbox(tx, u)
		return err
	})
	if err != nil {
		return u, false, db.wrap(fmt.Sprintf("store update %q in the inbox", u.Key), err)
	}
	return stored, added, nil
}

// PutInboxBatch stores many updates in one transaction (one fsync): Telegram
// polling moves its offset only after this returns. It returns the updates
// that were added, with their Seq; duplicates are left out.
func (db *DB) PutInboxBatch(us []Update) ([]Update, error) {
	now := db.now()
	for i := range us {
		if err := us[i].check(); err != nil {
			return nil, err
		}
	}
	var added []Update
	err := db.update("store a batch of updates in the inbox", func(tx *bbolt.Tx) error {
		added = added[:0]
		for _, u := range us {
			var err error
			if added, err = addToInbox(tx, u, now, added); err != nil {
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

// addToInbox stores u, received now unless it says when, and appends it to
// added if it was new.
func addToInbox(tx *bbolt.Tx, u Update, now time.Time, added []Update) ([]Update, error) {
	if u.ReceivedAt.IsZero() {
		u.ReceivedAt = now
	}
	s, ok, err := putInbox(tx, u)
	if err != nil || !ok {
		return added, err
	}
	return append(added, s), nil
}

func putInbox(tx *bbolt.Tx, u Update) (Update, bool, error) {
	keys := tx.Bucket(bucketInboxKeys)
	if seq := keys.Get([]byte(u.Key)); seq != nil {
		var prev Update
		if err := json.Unmarshal(tx.Bucket(bucketInbox).Get(seq), &prev); err != nil {
			return u, false, fmt.Errorf("decode inbox entry %q: %w", u.Key, err)
		}
		return prev, false, nil
	}
	if tx.Bucket(bucketSeen).Get([]byte(u.Key)) != nil {
		return u, false, nil
	}
	inbox := tx.Bucket(bucketInbox)
	seq, err := inbox.NextSequence()
	if err != nil {
		return u, false, err
	}
	u.Seq = seq
	v, err := json.Marshal(u)
	if err != nil {
		return u, false, err
	}
	inbox.FillPercent = 1 // keys only grow: fill pages instead of splitting them in half
	if err := inbox.Put(u64(seq), v); err != nil {
		return u, false, err
	}
	if err := keys.Put([]byte(u.Key), u64(seq)); err != nil {
		return u, false, err
	}
	return u, true, nil
}

// removeInbox deletes the inbox entry of key if any and records the key as
// seen at t, so a replay of the update is a no-op from now on.
func removeInbox(tx *bbolt.Tx, key string, t time.Time) error {
	keys := tx.Bucket(bucketInboxKeys)
	if seq := keys.Get([]byte(key)); seq != nil {
		if err := tx.Bucket(bucketInbox).Delete(clone(seq)); err != nil {
			return err
		}
		if err := keys.Delete([]byte(key)); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketSeen).Put([]byte(key), timeBytes(t))
}

// Inbox returns the pending updates in arrival (Seq) order, at most limit of
// them (0 means all): what a restarted bot must handle first.
func (db *DB) Inbox(limit int) ([]Update, error) {
	var out []Update
	err := db.view("read the inbox", func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketInbox).Cursor()
		for k, v := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
			var u Update
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("decode inbox entry %d: %w", fromU64(k), err)
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// PruneSeen forgets the keys of updates handled before t and returns how many.
// Channels replay only recent updates (Telegram: 24 hours), so older keys only
// cost space. The bot calls it daily.
func (db *DB) PruneSeen(before time.Time) (int, error) {
	var n int
	err := db.update("prune handled update keys", func(tx *bbolt.Tx) (err error) {
		n, err = pruneBucket(tx, bucketSeen, func(_, v []byte) (bool, error) { return bytesTime(v).Before(before), nil })
		return err
	})
	if err != nil {
		return 0, err
	}
	db.log.Debug().Int("pruned", n).Time("before", before).Msg("storage pruned seen update keys")
	return n, nil
}
