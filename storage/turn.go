package storage

import (
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Learner is a person taking the diagnostic through one channel.
type Learner struct {
	ID          string    `json:"id"` // "telegram:5551234", "console:local"
	Channel     string    `json:"channel"`
	ChatID      string    `json:"chat_id"`
	FirstName   string    `json:"first_name,omitempty"`
	Lang        string    `json:"lang"`
	Campaign    string    `json:"campaign,omitempty"` // campaign code, stored upper case
	ExternalID  string    `json:"external_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Unreachable bool      `json:"unreachable,omitempty"` // e.g. blocked the bot (Telegram 403)
}

// Answer is one entry of the append-only answer log.
type Answer struct {
	LearnerID string    `json:"learner_id"`
	Seq       uint64    `json:"seq"`        // assigned by storage: global append order
	UpdateKey string    `json:"update_key"` // the update that produced it, for audits of exactly-once
	Item      string    `json:"item"`
	Correct   bool      `json:"correct"`
	Skipped   bool      `json:"skipped,omitempty"`
	Response  string    `json:"response,omitempty"`
	At        time.Time `json:"at"` // stored to the millisecond
}

// answerRecord is how an Answer is stored. The log is the bulk of the file, so
// the learner id and seq live only in the key, field names are one letter and
// the time is unix milliseconds: about 80 bytes instead of 170.
type answerRecord struct {
	UpdateKey string `json:"u,omitempty"`
	Item      string `json:"i"`
	Correct   bool   `json:"c,omitempty"`
	Skipped   bool   `json:"s,omitempty"`
	Response  string `json:"r,omitempty"`
	At        int64  `json:"t"`
}

func decodeAnswer(k, v []byte) (Answer, error) {
	var r answerRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return Answer{}, err
	}
	id, seq := splitSeqKey(k)
	return Answer{
		LearnerID: id, Seq: seq, UpdateKey: r.UpdateKey, Item: r.Item, Correct: r.Correct,
		Skipped: r.Skipped, Response: r.Response, At: time.UnixMilli(r.At).UTC(),
	}, nil
}

// splitSeqKey splits "owner \x00 seq(8)".
func splitSeqKey(k []byte) (string, uint64) {
	if len(k) < 9 {
		return "", 0
	}
	return string(k[:len(k)-9]), fromU64(k[len(k)-8:])
}

// Turn is everything that follows from handling one update, committed at once.
type Turn struct {
	// Update is the inbox entry handled: it leaves the inbox and its Key is
	// recorded as seen. Nil for turns the scheduler starts; those are not
	// deduplicated, the caller must not commit them twice.
	Update *Update
	// Learner is upserted when non-nil. A zero CreatedAt keeps the stored one
	// (or takes now for a new learner); a zero UpdatedAt takes now. The
	// campaign index follows a change of Campaign.
	Learner *Learner
	// Session is the learner's new session state (dialog + engine JSON),
	// stored when non-nil.
	Session json.RawMessage
	// LearnerID names the learner of Session and Answers. If empty it is taken
	// from Learner, then from Update.
	LearnerID string
	Answers   []Answer  // appended to the log; Seq assigned, LearnerID and UpdateKey filled in
	Outbox    []Message // enqueued; ID assigned, CreatedAt set to now if zero
}

// CommitTurn stores everything of t in one transaction: either all of it is on
// disk when it returns nil, or none of it is.
//
// It goes through bbolt's DB.Batch, so concurrent workers share one commit and
// one fsync. Batch may run the function more than once (when another call of
// the batch fails, the whole transaction is rolled back and replayed), so the
// function touches nothing but the transaction and checks "seen" every run.
//
// applied is false, with a nil error, when t.Update was already handled: a
// replayed update changes nothing.
func (db *DB) CommitTurn(t Turn) (applied bool, err error) {
	now := db.now()
	learnerID, err := t.check()
	if err != nil {
		return false, err
	}
	var learner Learner
	if t.Learner != nil {
		learner = *t.Learner
		learner.Campaign = normCode(learner.Campaign)
	}
	updateKey := ""
	if t.Update != nil {
		updateKey = t.Update.Key
	}
	// Encode what does not depend on the transaction once, outside it: Batch
	// may call the function twice and we keep the transaction short.
	answers := make([][]byte, len(t.Answers))
	for i, a := range t.Answers {
		if a.At.IsZero() {
			a.At = now
		}
		if a.UpdateKey == "" {
			a.UpdateKey = updateKey
		}
		answers[i], err = json.Marshal(answerRecord{UpdateKey: a.UpdateKey, Item: a.Item, Correct: a.Correct,
			Skipped: a.Skipped, Response: a.Response, At: a.At.UnixMilli()})
		if err != nil {
			return false, fmt.Errorf("storage: cannot encode answer %q of learner %q: %w", a.Item, learnerID, err)
		}
	}

	err = db.bolt.Batch(func(tx *bbolt.Tx) error {
		applied = false
		if t.Update != nil {
			if tx.Bucket(bucketSeen).Get([]byte(t.Update.Key)) != nil {
				return nil // already handled: a replay
			}
			if err := removeInbox(tx, t.Update.Key, now); err != nil {
				return err
			}
		}
		if t.Learner != nil {
			if err := putLearner(tx, learner, now); err != nil {
				return err
			}
		}
		if t.Session != nil {
			if err := tx.Bucket(bucketSessions).Put([]byte(learnerID), t.Session); err != nil {
				return err
			}
		}
		if len(answers) > 0 {
			b := tx.Bucket(bucketAnswers)
			for _, v := range answers {
				seq, err := b.NextSequence()
				if err != nil {
					return err
				}
				if err := b.Put(seqKey(learnerID, seq), v); err != nil {
					return err
				}
			}
		}
		for _, m := range t.Outbox {
			if _, err := enqueue(tx, m, now); err != nil {
				return err
			}
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, db.wrap(fmt.Sprintf("commit the turn of learner %q (update %q); nothing of it was stored", learnerID, updateKey), err)
	}
	return applied, nil
}

// check validates t before any transaction and returns the learner id.
func (t *Turn) check() (string, error) {
	id := t.LearnerID
	if id == "" && t.Learner != nil {
		id = t.Learner.ID
	}
	if id == "" && t.Update != nil {
		id = t.Update.LearnerID
	}
	if t.Update != nil {
		if err := checkID("update key", t.Update.Key); err != nil {
			return "", err
		}
	}
	if t.Learner != nil {
		if err := checkID("learner id", t.Learner.ID); err != nil {
			return "", err
		}
		if t.Learner.ID != id {
			return "", fmt.Errorf("storage: turn for learner %q carries learner record %q: %w", id, t.Learner.ID, ErrInvalid)
		}
	}
	if t.Session != nil || len(t.Answers) > 0 {
		if err := checkID("learner id of the turn", id); err != nil {
			return "", err
		}
	}
	if t.Session != nil && !json.Valid(t.Session) {
		return "", fmt.Errorf("storage: session of learner %q is not valid JSON: %w", id, ErrInvalid)
	}
	for _, a := range t.Answers {
		if a.LearnerID != "" && a.LearnerID != id {
			return "", fmt.Errorf("storage: turn for learner %q carries an answer of learner %q: %w", id, a.LearnerID, ErrInvalid)
		}
	}
	for i := range t.Outbox {
		if err := t.Outbox[i].check(); err != nil {
			return "", err
		}
	}
	return id, nil
}

// putLearner upserts l and keeps the campaign index in step.
func putLearner(tx *bbolt.Tx, l Learner, now time.Time) error {
	b := tx.Bucket(bucketLearners)
	idx := tx.Bucket(bucketCampaignLearners)
	var old Learner
	exists := false
	if v := b.Get([]byte(l.ID)); v != nil {
		if err := json.Unmarshal(v, &old); err != nil {
			return fmt.Errorf("decode learner %q: %w", l.ID, err)
		}
		exists = true
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now
		if exists {
			l.CreatedAt = old.CreatedAt
		}
	}
	if l.UpdatedAt.IsZero() {
		l.UpdatedAt = now
	}
	if exists && old.Campaign != "" && old.Campaign != l.Campaign {
		if err := idx.Delete(pairKey(old.Campaign, l.ID)); err != nil {
			return err
		}
	}
	if l.Campaign != "" {
		if err := idx.Put(pairKey(l.Campaign, l.ID), nil); err != nil {
			return err
		}
	}
	v, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return b.Put([]byte(l.ID), v)
}

// Learner returns the learner with id; ok is false if there is none.
func (db *DB) Learner(id string) (Learner, bool, error) {
	var (
		l  Learner
		ok bool
	)
	err := db.view(fmt.Sprintf("read learner %q", id), func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketLearners).Get([]byte(id))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &l)
	})
	return l, ok, err
}

// Session returns the stored session state of the learner; ok is false if
// there is none (a new learner).
func (db *DB) Session(learnerID string) (json.RawMessage, bool, error) {
	var s json.RawMessage
	err := db.view(fmt.Sprintf("read the session of learner %q", learnerID), func(tx *bbolt.Tx) error {
		s = clone(tx.Bucket(bucketSessions).Get([]byte(learnerID)))
		return nil
	})
	return s, s != nil, err
}

// Answers returns the learner's answer log in Seq order.
func (db *DB) Answers(learnerID string) ([]Answer, error) {
	var out []Answer
	err := db.view(fmt.Sprintf("read the answers of learner %q", learnerID), func(tx *bbolt.Tx) error {
		var err error
		out, err = answersOf(tx, learnerID)
		return err
	})
	return out, err
}

func answersOf(tx *bbolt.Tx, learnerID string) ([]Answer, error) {
	var out []Answer
	err := forPrefix(tx.Bucket(bucketAnswers), prefix(learnerID), func(k, v []byte) error {
		a, err := decodeAnswer(k, v)
		if err != nil {
			return fmt.Errorf("decode answer %x: %w", k, err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// MarkUnreachable records that the learner can (v=false) or cannot (v=true) be
// reached, e.g. after Telegram answered 403 because they blocked the bot.
func (db *DB) MarkUnreachable(learnerID string, v bool) error {
	now := db.now()
	return db.update(fmt.Sprintf("mark learner %q unreachable=%t", learnerID, v), func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLearners)
		raw := b.Get([]byte(learnerID))
		if raw == nil {
			return fail("storage: cannot mark learner %q unreachable in %s: there is no such learner: %w", learnerID, db.path, ErrNotFound)
		}
		var l Learner
		if err := json.Unmarshal(raw, &l); err != nil {
			return err
		}
		if l.Unreachable == v {
			return nil
		}
		l.Unreachable, l.UpdatedAt = v, now
		out, err := json.Marshal(l)
		if err != nil {
			return err
		}
		return b.Put([]byte(learnerID), out)
	})
}

// CountLearners returns the number of learners stored.
func (db *DB) CountLearners() (int, error) {
	var n int
	err := db.view("count learners", func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketLearners).Stats().KeyN
		return nil
	})
	return n, err
}
