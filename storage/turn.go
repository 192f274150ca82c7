package storage

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rs/zerolog"
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
	// Due reschedules the learner's follow-up: nil leaves it as it is, a
	// zero time clears it, any other time replaces it.
	Due *time.Time
	// Attestation, when non-nil, stores an attestation the turn issued in a
	// slot ReserveAttestation gave, and links it to the learner.
	Attestation *IssuedAttestation
	// Erase removes every trace of the learner (see DB.Erase) in the same
	// transaction, before Outbox is enqueued: the goodbye and the advisor's
	// notice are stored with the erasure or not at all. An erasing turn
	// carries no Learner, Session, Answers or Due.
	Erase bool
	// KeepIfWaiting makes an erasing turn conditional: if an update of the
	// learner from another channel than Update's (a message of theirs) is
	// waiting in the inbox, nothing is erased and nothing enqueued; only
	// Update is marked handled. The erasure would otherwise record that
	// message as handled without its turn. Checked in the transaction, so a
	// message stored before the erasure commits is always seen. Needs Erase
	// and Update.
	KeepIfWaiting bool
	// Help records the learner's open help request (a zero Since keeps the
	// stored one); CloseHelp removes it. Both nil/false leave it as it is.
	Help      *HelpOpen
	CloseHelp bool
}

// CommitTurn stores everything of t in one transaction: either all of it is on
// disk when it returns nil, or none of it is.
//
// Concurrent turns share one commit and its fsyncs (group commit, group.go);
// a turn alone is committed at once. The function may run more than once
// (when another call of the batch fails, the whole transaction is rolled back
// and replayed), so it touches nothing but the transaction and checks "seen"
// every run.
//
// applied is false, with a nil error, when t.Update was already handled: a
// replayed update changes nothing.
func (db *DB) CommitTurn(t Turn) (applied bool, err error) {
	p, err := prepareTurn(t, db.now())
	if err != nil {
		return false, err
	}
	p.log = db.log
	if err = db.group.do(p.apply); err != nil {
		return false, db.wrap(fmt.Sprintf("commit the turn of learner %q (update %q); nothing of it was stored", p.learnerID, p.updateKey), err)
	}
	switch {
	case p.applied && p.kept:
		db.log.Info().Msg("storage kept a learner whose erasure was asked: a message of theirs is waiting")
	case p.applied && t.Erase:
		db.log.Info().Int("records", p.erased).Msg("storage erased a learner")
	}
	return p.applied, nil
}

// preparedTurn is a validated Turn with everything that does not depend on
// the transaction already encoded, so apply is short and cannot fail on
// input. A group commit may run apply several times: each run starts from scratch.
type preparedTurn struct {
	t         Turn
	now       time.Time
	learnerID string
	updateKey string
	learner   Learner
	answers   [][]byte         // encoded answerRecords; seqs assigned at apply time
	outbox    []encodedMessage // IDs assigned at apply time
	applied   bool             // result of the last run of apply, the one that committed
	erased    int              // records an erasing turn removed (last run)
	kept      bool             // KeepIfWaiting found a waiting update (last run)
	log       zerolog.Logger
}

func prepareTurn(t Turn, now time.Time) (*preparedTurn, error) {
	id, err := t.check()
	if err != nil {
		return nil, err
	}
	p := &preparedTurn{t: t, now: now, learnerID: id}
	if t.Learner != nil {
		p.learner = *t.Learner
		p.learner.Campaign = normCode(p.learner.Campaign)
	}
	if t.Update != nil {
		p.updateKey = t.Update.Key
	}
	for _, m := range t.Outbox {
		e, err := encodeMessage(m, now)
		if err != nil {
			return nil, err
		}
		p.outbox = append(p.outbox, e)
	}
	for _, a := range t.Answers {
		if a.At.IsZero() {
			a.At = now
		}
		if a.UpdateKey == "" {
			a.UpdateKey = p.updateKey
		}
		p.answers = append(p.answers, answerRecord{Learner: id, UpdateKey: a.UpdateKey, Item: a.Item, Correct: a.Correct, Order: a.Order, Lang: a.Lang,
			Skipped: a.Skipped, Response: a.Response, At: a.At.UnixMilli()}.encode())
	}
	return p, nil
}

// apply writes the turn into tx unless its update was already handled.
func (p *preparedTurn) apply(tx *bbolt.Tx) error {
	p.applied, p.kept = false, false
	t := p.t
	if t.Update != nil {
		if tx.Bucket(bucketSeen).Get([]byte(p.updateKey)) != nil {
			return nil // already handled: a replay
		}
		if err := removeInbox(tx, p.updateKey, p.now); err != nil {
			return err
		}
	}
	if t.Erase && t.KeepIfWaiting {
		waiting, err := waitingFrom(tx, p.learnerID, t.Update.Channel)
		if err != nil {
			return err
		}
		if waiting {
			p.kept, p.applied = true, true
			return nil
		}
	}
	if t.Erase {
		n, err := eraseTx(tx, p.learnerID, p.now, p.log)
		if err != nil {
			return err
		}
		p.erased = n
	}
	if t.Learner != nil {
		if err := putLearner(tx, p.learner, p.now); err != nil {
			return err
		}
	}
	if t.Session != nil || len(p.answers) > 0 {
		// The learner's value holds the index of their answers: read it,
		// extend it, and write it back with the new session.
		v, err := getSessionValue(tx, p.learnerID)
		if err != nil {
			return err
		}
		seqs, err := appendAnswers(tx, p.answers)
		if err != nil {
			return err
		}
		v.seqs = append(v.seqs[:len(v.seqs):len(v.seqs)], seqs...)
		if t.Session != nil {
			v.session = t.Session
		}
		if err := putSessionValue(tx, p.learnerID, v); err != nil {
			return err
		}
	}
	for _, e := range p.outbox {
		if _, err := e.enqueue(tx); err != nil {
			return err
		}
	}
	if t.Due != nil {
		if err := setDue(tx, p.learnerID, *t.Due); err != nil {
			return err
		}
	}
	switch {
	case t.Help != nil:
		if err := putHelp(tx, p.learnerID, *t.Help, p.now); err != nil {
			return err
		}
	case t.CloseHelp:
		if _, err := eraseHelp(tx, p.learnerID); err != nil {
			return err
		}
	}
	if t.Attestation != nil {
		if err := putAttestation(tx, p.learnerID, *t.Attestation); err != nil {
			return err
		}
	}
	p.applied = true
	return nil
}

// waitingFrom tells whether an update of the learner from a channel other
// than except is in the inbox.
func waitingFrom(tx *bbolt.Tx, learnerID, except string) (bool, error) {
	err := tx.Bucket(bucketInbox).ForEach(func(k, v []byte) error {
		var u Update
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("decode inbox entry %d: %w", fromU64(k), err)
		}
		if u.LearnerID == learnerID && u.Channel != except {
			return errStop
		}
		return nil
	})
	if err == errStop {
		return true, nil
	}
	return false, err
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
	if t.KeepIfWaiting && (!t.Erase || t.Update == nil) {
		return "", fmt.Errorf("storage: the turn of learner %q keeps them if a message waits, but erases nothing or handles no update: %w", id, ErrInvalid)
	}
	if t.Erase && (t.Learner != nil || t.Session != nil || len(t.Answers) > 0 || t.Due != nil || t.Help != nil || t.CloseHelp || t.Attestation != nil) {
		return "", fmt.Errorf("storage: a turn that erases learner %q cannot also store their record, session, answers, schedule, help request or an attestation: %w", id, ErrInvalid)
	}
	if t.Help != nil && t.CloseHelp {
		return "", fmt.Errorf("storage: the turn of learner %q both records and closes their help request: %w", id, ErrInvalid)
	}
	if t.Session != nil || len(t.Answers) > 0 || t.Due != nil || t.Erase || t.Help != nil || t.CloseHelp || t.Attestation != nil {
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
		v, err := getSessionValue(tx, learnerID)
		s = clone(v.session)
		return err
	})
	return s, s != nil, err
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
		if v { // nothing more is scheduled for someone we cannot reach
			if err := setDue(tx, learnerID, time.Time{}); err != nil {
				return err
			}
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
