package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/bbolt"
)

// LearnerExport is everything stored about one learner. Handled update keys
// ("seen") are not included: they hold no personal data.
type LearnerExport struct {
	LearnerID   string           `json:"learner_id"`
	Learner     *Learner         `json:"learner,omitempty"`
	Session     json.RawMessage  `json:"session,omitempty"`
	Answers     []Answer         `json:"answers"`
	Inbox       []Update         `json:"inbox"`        // received, not handled yet
	Outbox      []Message        `json:"outbox"`       // to or about them, not sent yet
	Dropped     []DroppedMessage `json:"dropped"`      // to or about them, never sent
	DeadLetters []DeadLetter     `json:"dead_letters"` // their updates that failed
	// Attestations issued to them, each with its signed credential.
	Attestations []Attestation `json:"attestations"`
}

// Export returns everything stored about the learner as one indented JSON
// document, for the learner's own request (/mesdonnees). It fails with
// ErrNotFound when nothing at all is stored about them.
func (db *DB) Export(learnerID string) ([]byte, error) {
	if err := checkID("learner id", learnerID); err != nil {
		return nil, err
	}
	e := LearnerExport{LearnerID: learnerID, Answers: []Answer{}, Inbox: []Update{}, Outbox: []Message{},
		Dropped: []DroppedMessage{}, DeadLetters: []DeadLetter{}}
	err := db.view(fmt.Sprintf("export the data of learner %q", learnerID), func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketLearners).Get([]byte(learnerID)); v != nil {
			e.Learner = new(Learner)
			if err := json.Unmarshal(v, e.Learner); err != nil {
				return err
			}
		}
		v, err := getSessionValue(tx, learnerID)
		if err != nil {
			return err
		}
		e.Session = clone(v.session)
		if e.Answers, err = answersOf(tx, learnerID); err != nil {
			return err
		}
		if e.Answers == nil {
			e.Answers = []Answer{}
		}
		if e.Attestations, err = exportAttestations(tx, learnerID); err != nil {
			return err
		}
		return scanPersonal(tx, learnerID, func(bucket []byte, _ []byte, rec any) {
			switch r := rec.(type) {
			case Update:
				e.Inbox = append(e.Inbox, r)
			case Message:
				e.Outbox = append(e.Outbox, r)
			case DroppedMessage:
				e.Dropped = append(e.Dropped, r)
			case DeadLetter:
				e.DeadLetters = append(e.DeadLetters, r)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	if e.Learner == nil && e.Session == nil && len(e.Answers)+len(e.Inbox)+len(e.Outbox)+len(e.Dropped)+len(e.DeadLetters)+len(e.Attestations) == 0 {
		return nil, fmt.Errorf("storage: nothing is stored about learner %q in %s: %w", learnerID, db.path, ErrNotFound)
	}
	return json.MarshalIndent(e, "", "  ")
}

// scanPersonal calls fn for every record of the learner in the buckets that
// are not keyed by learner id (inbox, outbox, dropped, deadletter): these are
// scanned in full, which is fine for a request a person makes by hand.
func scanPersonal(tx *bbolt.Tx, learnerID string, fn func(bucket, key []byte, rec any)) error {
	scan := func(bucket []byte, decode func(v []byte) (any, bool, error)) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			rec, mine, err := decode(v)
			if err != nil {
				return fmt.Errorf("decode %s entry %x: %w", bucket, k, err)
			}
			if mine {
				fn(bucket, k, rec)
			}
			return nil
		})
	}
	err := scan(bucketInbox, func(v []byte) (any, bool, error) {
		var u Update
		err := json.Unmarshal(v, &u)
		return u, u.LearnerID == learnerID, err
	})
	if err != nil {
		return err
	}
	err = scan(bucketOutbox, func(v []byte) (any, bool, error) {
		var m Message
		err := json.Unmarshal(v, &m)
		return m, m.concerns(learnerID), err
	})
	if err != nil {
		return err
	}
	err = scan(bucketDropped, func(v []byte) (any, bool, error) {
		var d DroppedMessage
		err := json.Unmarshal(v, &d)
		return d, d.Message.concerns(learnerID), err
	})
	if err != nil {
		return err
	}
	return scan(bucketDeadLetter, func(v []byte) (any, bool, error) {
		var d DeadLetter
		err := json.Unmarshal(v, &d)
		return d, d.Update.LearnerID == learnerID, err
	})
}

// Erase removes the learner from every bucket and index: learner, session,
// answers, campaign index, inbox entries, outbox and dropped messages to or
// about them, dead letters of their updates. Their attestations are revoked
// (attest.go): only each code and its status bit, set, stay. Their pending updates are
// recorded as handled. Handled update keys ("seen") stay,
// so a replay of one of their updates after the erasure is still a no-op.
//
// bbolt does not zero the pages it frees: until they are reused, the erased
// bytes remain in the file's free pages (and in backups taken before). Compact
// the file (bbolt compact) or rotate backups where that matters.
func (db *DB) Erase(learnerID string) error {
	if err := checkID("learner id", learnerID); err != nil {
		return err
	}
	now := db.now()
	n := 0
	err := db.update(fmt.Sprintf("erase learner %q", learnerID), func(tx *bbolt.Tx) error {
		var err error
		n, err = eraseTx(tx, learnerID, now, db.log)
		return err
	})
	if err != nil {
		return err
	}
	db.log.Info().Int("records", n).Msg("storage erased a learner")
	return nil
}

// eraseTx removes every trace of the learner in tx (see Erase) and returns
// how many records went. It runs again from scratch if a group commit
// replays it.
func eraseTx(tx *bbolt.Tx, learnerID string, now time.Time, log zerolog.Logger) (n int, err error) {
	id := []byte(learnerID)
	// Their answers, found through the index in their sessions value;
	// if that is unreadable, by reading the whole log: an erasure must
	// not depend on the value it erases.
	v, err := getSessionValue(tx, learnerID)
	seqs := v.seqs
	if err != nil {
		log.Warn().Err(err).Msg("storage: erasing a learner whose answer index is unreadable: scanning the answer log")
		if seqs, err = answerSeqsInLog(tx, learnerID); err != nil {
			return n, err
		}
	}
	for _, seq := range seqs {
		if err := tx.Bucket(bucketAnswerLog).Delete(u64(seq)); err != nil {
			return n, err
		}
	}
	n += len(seqs)
	for _, b := range [][]byte{bucketLearners, bucketSessions} {
		if tx.Bucket(b).Get(id) != nil {
			n++
		}
		if err := tx.Bucket(b).Delete(id); err != nil {
			return n, err
		}
	}

	// The campaign index is keyed CODE \x00 id: scan it all rather than trust
	// the learner record, so an index entry left by an old bug goes too.
	suffix := append([]byte{0}, id...)
	var index [][]byte
	err = tx.Bucket(bucketCampaignLearners).ForEach(func(k, _ []byte) error {
		if bytes.HasSuffix(k, suffix) {
			index = append(index, clone(k))
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if err := deleteKeys(tx.Bucket(bucketCampaignLearners), index); err != nil {
		return n, err
	}
	n += len(index)

	k, err := eraseSchedule(tx, learnerID)
	if err != nil {
		return n, err
	}
	n += k
	if k, err = eraseRefs(tx, learnerID); err != nil {
		return n, err
	}
	n += k
	if k, err = revokeTx(tx, learnerID, now); err != nil {
		return n, err
	}
	n += k

	type doomed struct {
		bucket, key []byte
		rec         any
	}
	var found []doomed
	err = scanPersonal(tx, learnerID, func(bucket, key []byte, rec any) {
		found = append(found, doomed{bucket, clone(key), rec})
	})
	if err != nil {
		return n, err
	}
	for _, d := range found {
		switch r := d.rec.(type) {
		case Update:
			// Erased unhandled updates count as handled: a replay must
			// not bring the learner back.
			if err := tx.Bucket(bucketInboxKeys).Delete([]byte(r.Key)); err != nil {
				return n, err
			}
			if err := tx.Bucket(bucketSeen).Put([]byte(r.Key), timeBytes(now)); err != nil {
				return n, err
			}
		case Message:
			if err := tx.Bucket(bucketOutboxChan).Delete(seqKey(r.Channel, r.ID)); err != nil {
				return n, err
			}
		}
		if err := tx.Bucket(d.bucket).Delete(d.key); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// answerSeqsInLog finds the learner's answers by reading the whole log: a
// record names its learner first (answers.go), so even a record corrupt
// further on is found.
func answerSeqsInLog(tx *bbolt.Tx, learnerID string) ([]uint64, error) {
	head := answerHead(learnerID, 0)
	var seqs []uint64
	err := tx.Bucket(bucketAnswerLog).ForEach(func(k, v []byte) error {
		if bytes.HasPrefix(v, head) {
			seqs = append(seqs, fromU64(k))
		}
		return nil
	})
	return seqs, err
}
