package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

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

// The answer log is the bulk of the file, so its layout is chosen for size.
//
// A learner's answers are stored in chunks: key learnerID \x00 seq(8) of the
// chunk's first answer, value a JSON array of answerRecord. A turn appends to
// the learner's last chunk until it reaches answerChunkBytes, then starts a
// new one, so a whole diagnostic (about 32 answers) is one value that is
// rewritten as it grows, and no rewrite ever exceeds a few kilobytes.
//
// One key per answer (learnerID \x00 seq -> record) was measured first: with
// learners answering in parallel, every append lands in the middle of the
// B+tree, pages split half empty, and a finished learner cost about 10.5 KB
// of file instead of about 7 KB with chunks (TestFootprintPerLearner).
const answerChunkBytes = 4096

// answerRecord is how an Answer is stored inside a chunk: the learner id lives
// in the key, field names are one letter and the time is unix milliseconds,
// about 85 bytes instead of 170.
type answerRecord struct {
	Seq       uint64 `json:"q"`
	UpdateKey string `json:"u,omitempty"`
	Item      string `json:"i"`
	Correct   bool   `json:"c,omitempty"`
	Skipped   bool   `json:"s,omitempty"`
	Response  string `json:"r,omitempty"`
	At        int64  `json:"t"`
}

func (r answerRecord) answer(learnerID string) Answer {
	return Answer{LearnerID: learnerID, Seq: r.Seq, UpdateKey: r.UpdateKey, Item: r.Item, Correct: r.Correct,
		Skipped: r.Skipped, Response: r.Response, At: time.UnixMilli(r.At).UTC()}
}

// lastChunk returns the key and value of the learner's last chunk, if any.
func lastChunk(b *bbolt.Bucket, learnerID string) ([]byte, []byte) {
	p := prefix(learnerID)
	c := b.Cursor()
	// Seek past the learner's greatest possible key, then step back.
	k, v := c.Seek(append(bytes.Clone(p), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, p) || len(k) != len(p)+8 {
		return nil, nil
	}
	return k, v
}

// appendAnswers assigns each record a Seq from the bucket sequence and appends
// it to the learner's log.
func appendAnswers(tx *bbolt.Tx, learnerID string, recs []answerRecord) error {
	if len(recs) == 0 {
		return nil
	}
	b := tx.Bucket(bucketAnswers)
	key, chunk := lastChunk(b, learnerID)
	key, chunk = clone(key), clone(chunk)
	for _, r := range recs {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.Seq = seq
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if key == nil || len(chunk)+len(v) > answerChunkBytes {
			if key != nil {
				if err := b.Put(key, chunk); err != nil {
					return err
				}
			}
			key, chunk = seqKey(learnerID, seq), append(append([]byte{'['}, v...), ']')
			continue
		}
		// chunk is "[…]": append ",v]" without decoding it.
		chunk = append(append(append(chunk[:len(chunk)-1], ','), v...), ']')
	}
	return b.Put(key, chunk)
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
		if len(k) != len(learnerID)+9 {
			return nil // another learner whose id continues after a NUL: impossible, ids have none
		}
		var recs []answerRecord
		if err := json.Unmarshal(v, &recs); err != nil {
			return fmt.Errorf("decode the answers of learner %q (chunk %d): %w", learnerID, fromU64(k[len(k)-8:]), err)
		}
		for _, r := range recs {
			out = append(out, r.answer(learnerID))
		}
		return nil
	})
	return out, err
}
