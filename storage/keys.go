package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// Bucket names. Every bucket is created on Open, so reads never have to deal
// with a missing bucket.
var (
	bucketMeta             = []byte("meta")
	bucketInbox            = []byte("inbox")      // seq(8) -> Update JSON
	bucketInboxKeys        = []byte("inbox_keys") // update key -> seq(8)
	bucketSeen             = []byte("seen")       // update key -> handled time (unix ns, 8 bytes)
	bucketLearners         = []byte("learners")   // learner id -> Learner JSON
	bucketSessions         = []byte("sessions")   // learner id -> index of their answers + session JSON (sessions.go)
	bucketAnswerLog        = []byte("answer_log") // seq(8) -> binary answerRecord (answers.go), in append order
	bucketCampaigns        = []byte("campaigns")  // CODE -> Campaign JSON
	bucketCampaignLearners = []byte("campaign_learners")
	bucketOutbox           = []byte("outbox")        // id(8) -> Message JSON
	bucketOutboxChan       = []byte("outbox_chan")   // channel \x00 id(8) -> To
	bucketDropped          = []byte("dropped")       // id(8) -> DroppedMessage JSON
	bucketDeadLetter       = []byte("deadletter")    // update key -> DeadLetter JSON
	bucketDue              = []byte("due")           // time(8) learner id -> nothing: the follow-up schedule, in time order
	bucketDueOf            = []byte("due_of")        // learner id -> time(8): the learner's entry in "due"
	bucketThreads          = []byte("help_threads")  // help notification ref -> learner id
	bucketThreadOf         = []byte("thread_of")     // learner id -> their latest help notification ref
	bucketOnce             = []byte("once")          // key -> time(8): things done once (weekly digests)
	bucketRefs             = []byte("refs")          // learner id \x00 name -> refRecord JSON: what channels remember of sent messages
	bucketHelpOpen         = []byte("help_open")     // learner id -> HelpOpen JSON: help requests no advisor closed yet
	bucketAttestations     = []byte("attestations")  // verification code -> Attestation JSON (attest.go)
	bucketAttestOf         = []byte("attest_of")     // learner id -> their subject and codes
	bucketStatusSlots      = []byte("status_slots")  // list(4) index(4) -> code: status indexes taken, never reused
	bucketStatusLists      = []byte("status_lists")  // list(4) -> the list's bits, once one is revoked
	bucketPlaces           = []byte("places")        // import source \x00 place id -> place JSON (lieux.go)
	bucketPlaceSources     = []byte("place_sources") // import source -> PlaceSource JSON
	bucketLocalPlaces      = []byte("places_local")  // place id -> LocalPlace JSON: added by advisors, never touched by imports
)

// allBuckets lists every bucket of the current schema; Stats reports them in
// this order and the privacy test scans them all.
var allBuckets = [][]byte{
	bucketMeta, bucketInbox, bucketInboxKeys, bucketSeen, bucketLearners,
	bucketSessions, bucketAnswerLog, bucketCampaigns, bucketCampaignLearners,
	bucketOutbox, bucketOutboxChan, bucketDropped, bucketDeadLetter,
	bucketDue, bucketDueOf, bucketThreads, bucketThreadOf, bucketOnce, bucketRefs,
	bucketHelpOpen,
	bucketAttestations, bucketAttestOf, bucketStatusSlots, bucketStatusLists,
	bucketPlaces, bucketPlaceSources, bucketLocalPlaces,
}

var keySchema = []byte("schema")

// u64 encodes v big-endian so that bbolt's byte order is numeric order.
func u64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}

func fromU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// prefix returns s followed by the NUL separator of composite keys.
func prefix(s string) []byte {
	p := make([]byte, 0, len(s)+1)
	p = append(p, s...)
	return append(p, 0)
}

// seqKey is s \x00 seq(8): one owner's rows, in sequence order.
func seqKey(s string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(prefix(s), seq)
}

// pairKey is a \x00 b.
func pairKey(a, b string) []byte {
	return append(prefix(a), b...)
}

// timeBytes stores a time as 8 bytes of unix nanoseconds: the "seen" bucket
// holds one per handled update, so it is kept smaller than JSON.
func timeBytes(t time.Time) []byte { return u64(uint64(t.UnixNano())) }

func bytesTime(b []byte) time.Time { return time.Unix(0, int64(fromU64(b))) }

// forPrefix calls fn for every key of b starting with p, in key order.
// fn must not modify the bucket: collect keys and delete afterwards, because a
// bbolt cursor can skip entries when the bucket changes under it.
func forPrefix(b *bbolt.Bucket, p []byte, fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// deleteKeys deletes the collected keys from b.
func deleteKeys(b *bbolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// clone copies a byte slice that bbolt owns (valid only inside the transaction).
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// checkID rejects ids that would break composite keys or mean nothing.
func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("storage: %s is empty: %w", what, ErrInvalid)
	}
	if strings.IndexByte(id, 0) >= 0 {
		return fmt.Errorf("storage: %s %q contains a NUL byte, which composite keys use as separator: %w", what, id, ErrInvalid)
	}
	return nil
}

// normCode is the stored form of a campaign code: codes are typed by people
// from a sheet of paper, so "qwerty789" and "QWERTY789" are the same campaign.
func normCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// pruneBucket deletes the entries of bucket name that old says are old, and
// counts them. Keys are collected first: bbolt forbids deleting while
// iterating.
func pruneBucket(tx *bbolt.Tx, name []byte, old func(k, v []byte) (bool, error)) (int, error) {
	b := tx.Bucket(name)
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		o, err := old(k, v)
		if o {
			keys = append(keys, clone(k))
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return len(keys), deleteKeys(b, keys)
}
