package storage

import (
	"encoding/binary"
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
	At        time.Time `json:"at"`              // stored to the millisecond
	Order     string    `json:"order,omitempty"` // the choices' indexes in the order shown ("2,0,1")
	// Lang is the language the question was shown in ("fr", "en"): the
	// calibration compares how an item behaves in each.
	Lang string `json:"lang,omitempty"`
}

// The answer log is append-only and in global order: key seq(8), value a
// short record naming the learner. Every turn of a commit appends to
// its last page, which they share, so an answer costs about 100 bytes of a
// page instead of a page of its own. A learner's answers are found through
// the index in their sessions value (sessions.go), which the turn rewrites
// anyway.
//
// Schema 2 kept a learner's answers together instead (key learner \x00 seq
// of the first, value a JSON array up to 4 KB). Each turn then rewrote that
// chunk and a branch above it, somewhere in the middle of the tree: about 2
// of the 10 pages a turn wrote (BenchmarkAnswerLatency, pages/turn).

// answerRecord is an answer as the log stores it; its seq is the key.
type answerRecord struct {
	Learner, UpdateKey, Item string
	Correct, Skipped         bool
	Response                 string
	At                       int64  // unix milliseconds
	Order                    string // the order the choices were shown in; "" in records before it was kept
	Lang                     string // the language the question was shown in; "" in records before it was kept
}

func (r answerRecord) answer(seq uint64) Answer {
	return Answer{LearnerID: r.Learner, Seq: seq, UpdateKey: r.UpdateKey, Item: r.Item, Correct: r.Correct,
		Skipped: r.Skipped, Response: r.Response, At: time.UnixMilli(r.At).UTC(), Order: r.Order, Lang: r.Lang}
}

// A record is binary, about 60 bytes for a learner id, an update key and an
// item id of about 18 characters each (JSON with one-letter names took 100,
// and the log is the bulk of the file):
//
//	0x01  learner  update key  item  flags  response  at  [order]  [lang]
//
// where each string is a uvarint length and its bytes, flags is a byte (1:
// correct, 2: skipped, 4: the order follows, 8: the language follows) and
// at is a varint of unix milliseconds. The order shown and the language came
// later: records without them (flags 4 and 8 unset) are the older ones and
// read as before.
const (
	answerFormat  = 0x01
	flagCorrect   = 1
	flagSkipped   = 2
	flagOrder     = 4
	flagLang      = 8
	answerFlagAll = flagCorrect | flagSkipped | flagOrder | flagLang
)

// answerHead is how every record of learnerID starts: the format byte, then
// the learner (Erase finds records by it when the index is unreadable).
func answerHead(learnerID string, capacity int) []byte {
	out := make([]byte, 0, max(capacity, 1+binary.MaxVarintLen64+len(learnerID)))
	out = binary.AppendUvarint(append(out, answerFormat), uint64(len(learnerID)))
	return append(out, learnerID...)
}

func (r answerRecord) encode() []byte {
	out := answerHead(r.Learner, 16+len(r.Learner)+len(r.UpdateKey)+len(r.Item)+len(r.Response)+len(r.Order)+len(r.Lang))
	str := func(s string) { out = append(binary.AppendUvarint(out, uint64(len(s))), s...) }
	str(r.UpdateKey)
	str(r.Item)
	var flags byte
	if r.Correct {
		flags |= flagCorrect
	}
	if r.Skipped {
		flags |= flagSkipped
	}
	if r.Order != "" {
		flags |= flagOrder
	}
	if r.Lang != "" {
		flags |= flagLang
	}
	out = append(out, flags)
	str(r.Response)
	out = binary.AppendVarint(out, r.At)
	if r.Order != "" {
		str(r.Order)
	}
	if r.Lang != "" {
		str(r.Lang)
	}
	return out
}

func decodeAnswer(raw []byte) (answerRecord, error) {
	var r answerRecord
	if len(raw) == 0 || raw[0] != answerFormat {
		return r, fmt.Errorf("unknown format (first byte %#x, want %#x)", firstByte(raw), answerFormat)
	}
	rest := raw[1:]
	str := func(what string) (string, error) {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return "", fmt.Errorf("its %s is cut short", what)
		}
		s := string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
		return s, nil
	}
	var err error
	if r.Learner, err = str("learner"); err != nil {
		return r, err
	}
	if r.UpdateKey, err = str("update key"); err != nil {
		return r, err
	}
	if r.Item, err = str("item"); err != nil {
		return r, err
	}
	if len(rest) == 0 || rest[0]&^answerFlagAll != 0 {
		return r, fmt.Errorf("its flags are missing or unknown")
	}
	r.Correct, r.Skipped = rest[0]&flagCorrect != 0, rest[0]&flagSkipped != 0
	order, lang := rest[0]&flagOrder != 0, rest[0]&flagLang != 0
	rest = rest[1:]
	if r.Response, err = str("response"); err != nil {
		return r, err
	}
	at, k := binary.Varint(rest)
	if k <= 0 || !order && !lang && k != len(rest) {
		return r, fmt.Errorf("its time is unreadable")
	}
	r.At, rest = at, rest[k:]
	if order {
		if r.Order, err = str("order"); err != nil {
			return r, err
		}
		if r.Order == "" || !lang && len(rest) != 0 {
			return r, fmt.Errorf("its order is unreadable")
		}
	}
	if lang {
		if r.Lang, err = str("language"); err != nil {
			return r, err
		}
		if r.Lang == "" || len(rest) != 0 {
			return r, fmt.Errorf("its language is unreadable")
		}
	}
	return r, nil
}

// appendAnswers adds the encoded records to the end of the log and returns
// their seqs.
func appendAnswers(tx *bbolt.Tx, recs [][]byte) ([]uint64, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	b := tx.Bucket(bucketAnswerLog)
	b.FillPercent = 1 // seqs only grow: full pages
	seqs := make([]uint64, 0, len(recs))
	for _, v := range recs {
		seq, err := b.NextSequence()
		if err != nil {
			return nil, err
		}
		if err := b.Put(u64(seq), v); err != nil {
			return nil, err
		}
		seqs = append(seqs, seq)
	}
	return seqs, nil
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

// answersOf reads the learner's answers through the index of their
// sessions value.
func answersOf(tx *bbolt.Tx, learnerID string) ([]Answer, error) {
	v, err := getSessionValue(tx, learnerID)
	if err != nil || len(v.seqs) == 0 {
		return nil, err
	}
	log := tx.Bucket(bucketAnswerLog)
	out := make([]Answer, 0, len(v.seqs))
	for _, seq := range v.seqs {
		raw := log.Get(u64(seq))
		if raw == nil {
			return nil, fmt.Errorf("answer %d of learner %q is missing from the answer log: restore a backup", seq, learnerID)
		}
		r, err := decodeAnswer(raw)
		if err != nil {
			return nil, fmt.Errorf("answer %d of learner %q in the answer log is corrupt (%v): restore a backup", seq, learnerID, err)
		}
		if r.Learner != learnerID {
			return nil, fmt.Errorf("answer %d indexed for learner %q is %q's: restore a backup", seq, learnerID, r.Learner)
		}
		out = append(out, r.answer(seq))
	}
	return out, nil
}
