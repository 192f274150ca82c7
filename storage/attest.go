package storage

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Attestations (bot/attest): each one has a verification code, printed on
// it, and an entry in a W3C Bitstring Status List, at an index drawn at
// random so that an index tells nothing of who or when. An erasure revokes
// the learner's attestations in its own transaction: the bit is set, the
// credential and the link to the learner go, and only code → revoked stays.

// StatusListEntries is the size of one status list: 16 KiB of bits, the
// least W3C Bitstring Status List allows. A new list starts once half of
// the current one is taken, so a random free index is found in two draws at
// most on average.
const StatusListEntries = 131072

// CodeLength is the length of a verification code, from CodeAlphabet:
// 31^10 ≈ 8·10^14 codes, not guessable one by one.
const CodeLength = 10

// CodeAlphabet has no 0/O, 1/I/L: a code is read aloud and typed from paper.
const CodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

var (
	keyStatusList = []byte("status_list") // meta: the list new attestations go to (uint32)
	keyStatusUsed = []byte("status_used") // meta: indexes taken in it (uint32)
)

// Attestation is an issued attestation as stored. Once revoked only Code,
// List, Index and RevokedAt are left.
type Attestation struct {
	Code      string     `json:"code"`
	LearnerID string     `json:"learner,omitempty"`
	List      uint32     `json:"list"`
	Index     uint32     `json:"index"`
	IssuedAt  time.Time  `json:"issued_at,omitzero"`
	JWT       string     `json:"jwt,omitempty"` // the signed credential
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Issued tells whether the attestation was issued (not only reserved).
func (a Attestation) Issued() bool { return a.JWT != "" || a.RevokedAt != nil }

// learnerAttestations is what links a learner to their attestations.
type learnerAttestations struct {
	Subject string   `json:"subject"` // urn:uuid:… the credentials name them by
	Codes   []string `json:"codes"`
}

// AttestationSlot is a code and a status index reserved for a credential
// about to be signed.
type AttestationSlot struct {
	Code  string
	List  uint32
	Index uint32
}

// ReserveAttestation draws a free verification code and a free status
// index, and records them, so the credential can be signed with them before
// the turn that stores it commits. A reservation the turn never fills (a
// crash in between) holds nothing personal; its index is simply never used.
func (db *DB) ReserveAttestation() (AttestationSlot, error) {
	var s AttestationSlot
	err := db.update("reserve an attestation code", func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		list, used := getU32(meta, keyStatusList), getU32(meta, keyStatusUsed)
		if list == 0 || used >= StatusListEntries/2 {
			list, used = list+1, 0
		}
		recs, slots := tx.Bucket(bucketAttestations), tx.Bucket(bucketStatusSlots)
		for {
			code, err := randomCode()
			if err != nil {
				return err
			}
			if recs.Get([]byte(code)) == nil {
				s.Code = code
				break
			}
		}
		for {
			var b [4]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			idx := binary.BigEndian.Uint32(b[:]) % StatusListEntries
			if slots.Get(slotKey(list, idx)) == nil {
				s.List, s.Index = list, idx
				break
			}
		}
		if err := slots.Put(slotKey(s.List, s.Index), []byte(s.Code)); err != nil {
			return err
		}
		v, err := json.Marshal(Attestation{Code: s.Code, List: s.List, Index: s.Index})
		if err != nil {
			return err
		}
		if err := recs.Put([]byte(s.Code), v); err != nil {
			return err
		}
		if err := putU32(meta, keyStatusList, list); err != nil {
			return err
		}
		return putU32(meta, keyStatusUsed, used+1)
	})
	return s, err
}

func randomCode() (string, error) {
	b := make([]byte, CodeLength)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		// 256 % 31 = 8: the first 8 letters come out a little more often
		// (9/256 instead of 8/256), which costs 0.1 bit of the code's 49.
		b[i] = CodeAlphabet[int(b[i])%len(CodeAlphabet)]
	}
	return string(b), nil
}

func slotKey(list, index uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, list), index)
}

func getU32(b *bbolt.Bucket, k []byte) uint32 {
	v := b.Get(k)
	if len(v) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

func putU32(b *bbolt.Bucket, k []byte, v uint32) error {
	return b.Put(k, binary.BigEndian.AppendUint32(nil, v))
}

// IssuedAttestation is what a turn stores of an attestation it issued.
type IssuedAttestation struct {
	Slot     AttestationSlot
	Subject  string // the learner's urn:uuid (kept for their next attestations)
	JWT      string
	IssuedAt time.Time
}

// putAttestation fills a reserved slot with the credential and links it to
// the learner, in the turn's transaction.
func putAttestation(tx *bbolt.Tx, learnerID string, a IssuedAttestation) error {
	recs := tx.Bucket(bucketAttestations)
	raw := recs.Get([]byte(a.Slot.Code))
	if raw == nil {
		return fmt.Errorf("storage: attestation %s was not reserved (ReserveAttestation first): %w", a.Slot.Code, ErrInvalid)
	}
	var rec Attestation
	if err := json.Unmarshal(raw, &rec); err != nil {
		return fmt.Errorf("decode attestation %s: %w", a.Slot.Code, err)
	}
	if rec.Issued() || rec.List != a.Slot.List || rec.Index != a.Slot.Index {
		return fmt.Errorf("storage: attestation %s is already issued, or reserved with another status index: %w", a.Slot.Code, ErrExists)
	}
	rec.LearnerID, rec.IssuedAt, rec.JWT = learnerID, a.IssuedAt, a.JWT
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := recs.Put([]byte(rec.Code), v); err != nil {
		return err
	}
	of := tx.Bucket(bucketAttestOf)
	var la learnerAttestations
	if raw := of.Get([]byte(learnerID)); raw != nil {
		if err := json.Unmarshal(raw, &la); err != nil {
			return fmt.Errorf("decode the attestations of learner %q: %w", learnerID, err)
		}
	}
	if la.Subject == "" {
		la.Subject = a.Subject
	}
	la.Codes = append(la.Codes, rec.Code)
	v, err = json.Marshal(la)
	if err != nil {
		return err
	}
	return of.Put([]byte(learnerID), v)
}

// AttestationSubject returns the urn:uuid the learner's attestations name
// them by; ok is false before their first.
func (db *DB) AttestationSubject(learnerID string) (subject string, ok bool, err error) {
	err = db.view("read the attestation subject of a learner", func(tx *bbolt.Tx) error {
		la, found, err := attestationsOf(tx, learnerID)
		subject, ok = la.Subject, found && la.Subject != ""
		return err
	})
	return subject, ok, err
}

func attestationsOf(tx *bbolt.Tx, learnerID string) (learnerAttestations, bool, error) {
	var la learnerAttestations
	raw := tx.Bucket(bucketAttestOf).Get([]byte(learnerID))
	if raw == nil {
		return la, false, nil
	}
	if err := json.Unmarshal(raw, &la); err != nil {
		return la, false, fmt.Errorf("decode the attestations of learner %q: %w", learnerID, err)
	}
	return la, true, nil
}

// Attestation returns the attestation with a verification code.
func (db *DB) Attestation(code string) (Attestation, bool, error) {
	var (
		a  Attestation
		ok bool
	)
	err := db.view("read an attestation", func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketAttestations).Get([]byte(code))
		if raw == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(raw, &a)
	})
	return a, ok, err
}

// StatusList returns the bits of status list n (StatusListEntries bits,
// most significant first); ok is false for a list not started yet.
func (db *DB) StatusList(list uint32) (bits []byte, ok bool, err error) {
	err = db.view("read a status list", func(tx *bbolt.Tx) error {
		if list == 0 || list > getU32(tx.Bucket(bucketMeta), keyStatusList) {
			return nil
		}
		ok = true
		bits = statusBits(tx, list)
		return nil
	})
	return bits, ok, err
}

func statusBits(tx *bbolt.Tx, list uint32) []byte {
	bits := make([]byte, StatusListEntries/8)
	copy(bits, tx.Bucket(bucketStatusLists).Get(binary.BigEndian.AppendUint32(nil, list)))
	return bits
}

// revokeTx revokes every attestation of the learner (see the top of this
// file) and returns how many records it changed.
func revokeTx(tx *bbolt.Tx, learnerID string, now time.Time) (int, error) {
	la, found, err := attestationsOf(tx, learnerID)
	if err != nil || !found {
		return 0, err
	}
	recs := tx.Bucket(bucketAttestations)
	lists := map[uint32][]byte{}
	for _, code := range la.Codes {
		raw := recs.Get([]byte(code))
		if raw == nil {
			continue
		}
		var a Attestation
		if err := json.Unmarshal(raw, &a); err != nil {
			return 0, fmt.Errorf("decode attestation %s: %w", code, err)
		}
		if lists[a.List] == nil {
			lists[a.List] = statusBits(tx, a.List)
		}
		bits := lists[a.List]
		bits[a.Index/8] |= 0x80 >> (a.Index % 8)
		at := now
		if a.RevokedAt != nil {
			at = *a.RevokedAt
		}
		v, err := json.Marshal(Attestation{Code: a.Code, List: a.List, Index: a.Index, RevokedAt: &at})
		if err != nil {
			return 0, err
		}
		if err := recs.Put([]byte(code), v); err != nil {
			return 0, err
		}
	}
	for list, bits := range lists {
		if err := tx.Bucket(bucketStatusLists).Put(binary.BigEndian.AppendUint32(nil, list), bits); err != nil {
			return 0, err
		}
	}
	return len(la.Codes) + 1, tx.Bucket(bucketAttestOf).Delete([]byte(learnerID))
}

// exportAttestations lists the learner's attestations for their export.
func exportAttestations(tx *bbolt.Tx, learnerID string) ([]Attestation, error) {
	la, _, err := attestationsOf(tx, learnerID)
	if err != nil {
		return nil, err
	}
	out := []Attestation{}
	for _, code := range la.Codes {
		if raw := tx.Bucket(bucketAttestations).Get([]byte(code)); raw != nil {
			var a Attestation
			if err := json.Unmarshal(raw, &a); err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	return out, nil
}
