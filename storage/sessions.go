package storage

import (
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// The value of a learner in the sessions bucket is framed by storage:
//
//	0x01  uvarint n  n × uvarint (seq deltas)  session JSON (empty: none yet)
//
// The seqs are the keys of the learner's answers in the answer log, in
// order: the first as is, each next one as its difference from the last.
// They live here, in the value every turn rewrites anyway, so that appending
// an answer writes no page of the learner's own: the answers go to the end
// of the log, whose last page all the turns of a commit share (see
// answers.go).
const sessionFormat = 0x01

// maxSeqs bounds the index a value may declare, so a corrupt count cannot
// make the decoder allocate without end (a learner answers a few hundred
// questions in a year of follow-up).
const maxSeqs = 1 << 20

// sessionValue is a decoded value of the sessions bucket.
type sessionValue struct {
	seqs    []uint64 // the learner's answers in the log, increasing
	session []byte   // the session JSON, nil when there is none
}

// encode frames v.
func (v sessionValue) encode() []byte {
	out := make([]byte, 0, 1+binary.MaxVarintLen64*(1+len(v.seqs))+len(v.session))
	out = append(out, sessionFormat)
	out = binary.AppendUvarint(out, uint64(len(v.seqs)))
	var last uint64
	for _, s := range v.seqs {
		out = binary.AppendUvarint(out, s-last)
		last = s
	}
	return append(out, v.session...)
}

// decodeSessionValue reads a framed value; the session it returns aliases raw.
func decodeSessionValue(raw []byte) (sessionValue, error) {
	var v sessionValue
	if len(raw) == 0 || raw[0] != sessionFormat {
		return v, fmt.Errorf("unknown format (first byte %#x, want %#x)", firstByte(raw), sessionFormat)
	}
	rest := raw[1:]
	n, k := binary.Uvarint(rest)
	// Each seq takes a byte at least: a count the value cannot hold is
	// refused before anything is allocated for it.
	if k <= 0 || n > maxSeqs || n > uint64(len(rest)-k) {
		return v, fmt.Errorf("unreadable answer count")
	}
	rest = rest[k:]
	if n > 0 {
		v.seqs = make([]uint64, 0, n)
	}
	var last uint64
	for i := uint64(0); i < n; i++ {
		d, k := binary.Uvarint(rest)
		if k <= 0 || d == 0 || last+d < last {
			return v, fmt.Errorf("answer %d of %d of the index is unreadable", i+1, n)
		}
		last += d
		v.seqs = append(v.seqs, last)
		rest = rest[k:]
	}
	if len(rest) > 0 {
		v.session = rest
	}
	return v, nil
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// getSessionValue reads the learner's value; a learner without one gets the
// zero value. The result aliases bbolt's memory: valid in tx only.
func getSessionValue(tx *bbolt.Tx, learnerID string) (sessionValue, error) {
	raw := tx.Bucket(bucketSessions).Get([]byte(learnerID))
	if raw == nil {
		return sessionValue{}, nil
	}
	v, err := decodeSessionValue(raw)
	if err != nil {
		return v, fmt.Errorf("the stored session of learner %q is corrupt (%v): restore a backup", learnerID, err)
	}
	return v, nil
}

// putSessionValue stores v, or removes the learner's value when it holds
// nothing.
func putSessionValue(tx *bbolt.Tx, learnerID string, v sessionValue) error {
	if len(v.seqs) == 0 && len(v.session) == 0 {
		return tx.Bucket(bucketSessions).Delete([]byte(learnerID))
	}
	return tx.Bucket(bucketSessions).Put([]byte(learnerID), v.encode())
}
