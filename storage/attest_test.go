package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// issue reserves a slot and stores an attestation for the learner in a turn.
func issue(t *testing.T, db *DB, learner, key, name string) AttestationSlot {
	t.Helper()
	s, err := db.ReserveAttestation()
	if err != nil {
		t.Fatal(err)
	}
	u := mustPut(t, db, update(key, learner))
	l := Learner{ID: learner, Channel: "telegram", FirstName: name, Lang: "fr"}
	mustCommit(t, db, Turn{Update: &u, Learner: &l, Session: json.RawMessage(`{}`),
		Attestation: &IssuedAttestation{Slot: s, Subject: "urn:uuid:" + learner[9:], JWT: "eyJ." + name + ".sig", IssuedAt: t0}})
	return s
}

func TestReserveAttestationDrawsFreeCodesAndIndexes(t *testing.T) {
	db := openTest(t, WithNoSync(true))
	codes, slots := map[string]bool{}, map[[2]uint32]bool{}
	for range 500 {
		s, err := db.ReserveAttestation()
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Code) != CodeLength || strings.Trim(s.Code, CodeAlphabet) != "" {
			t.Fatalf("code %q: want %d characters of %s", s.Code, CodeLength, CodeAlphabet)
		}
		if codes[s.Code] || slots[[2]uint32{s.List, s.Index}] {
			t.Fatalf("slot %+v given twice", s)
		}
		if s.List != 1 || s.Index >= StatusListEntries {
			t.Fatalf("slot %+v outside list 1", s)
		}
		codes[s.Code], slots[[2]uint32{s.List, s.Index}] = true, true
	}
	// Random, not sequential: 500 indexes over 131,072 spread wide.
	var lo, hi uint32 = StatusListEntries, 0
	for s := range slots {
		lo, hi = min(lo, s[1]), max(hi, s[1])
	}
	if hi-lo < StatusListEntries/2 {
		t.Errorf("indexes span %d..%d: not drawn at random over the list", lo, hi)
	}
	a, ok, err := db.Attestation(func() string {
		for c := range codes {
			return c
		}
		return ""
	}())
	if err != nil || !ok || a.Issued() {
		t.Errorf("a reservation reads as %+v ok=%v err=%v, want reserved, not issued", a, ok, err)
	}
}

func TestStatusListRollsOverWhenHalfTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("65,536 reservations")
	}
	db := openTest(t, WithNoSync(true))
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if err := putU32(m, keyStatusList, 1); err != nil {
			return err
		}
		return putU32(m, keyStatusUsed, StatusListEntries/2-1)
	})
	if err != nil {
		t.Fatal(err)
	}
	for want := range []uint32{1, 2} {
		s, err := db.ReserveAttestation()
		if err != nil {
			t.Fatal(err)
		}
		if s.List != uint32(want+1) {
			t.Errorf("reservation %d went to list %d, want %d", want+1, s.List, want+1)
		}
	}
	if _, ok, _ := db.StatusList(2); !ok {
		t.Error("list 2 is not served once started")
	}
	if _, ok, _ := db.StatusList(3); ok {
		t.Error("list 3 is served before it started")
	}
}

func TestAttestationIssuedInTheTurn(t *testing.T) {
	db := openTest(t)
	const learner = "telegram:5551234"
	s1 := issue(t, db, learner, "telegram:1", "Yanis Benali")
	s2 := issue(t, db, learner, "telegram:2", "Yanis B.")
	a, ok, err := db.Attestation(s1.Code)
	if err != nil || !ok || !a.Issued() || a.LearnerID != learner || a.JWT != "eyJ.Yanis Benali.sig" || !a.IssuedAt.Equal(t0) {
		t.Fatalf("attestation %+v ok=%v err=%v", a, ok, err)
	}
	if sub, ok, _ := db.AttestationSubject(learner); !ok || sub != "urn:uuid:5551234" {
		t.Errorf("subject %q ok=%v", sub, ok)
	}
	doc, err := db.Export(learner)
	if err != nil {
		t.Fatal(err)
	}
	var e LearnerExport
	if err := json.Unmarshal(doc, &e); err != nil || len(e.Attestations) != 2 || e.Attestations[1].Code != s2.Code {
		t.Errorf("export lists attestations %+v (err %v), want both", e.Attestations, err)
	}
	// A slot is filled once; an unknown code was never reserved.
	u := mustPut(t, db, update("telegram:3", learner))
	for _, tc := range []struct {
		slot AttestationSlot
		want error
	}{{s1, ErrExists}, {AttestationSlot{Code: "ZZZZZZZZZZ", List: 1}, ErrInvalid}} {
		_, err := db.CommitTurn(Turn{Update: &u, LearnerID: learner, Attestation: &IssuedAttestation{Slot: tc.slot, JWT: "x"}})
		if !errors.Is(err, tc.want) {
			t.Errorf("slot %+v: err = %v, want %v", tc.slot, err, tc.want)
		}
	}
}

// TestEraseRevokesAttestations: both erasures revoke in their transaction:
// the bit is set in the status list, the record keeps only code → revoked,
// and nothing of the learner is left in the attestation buckets.
func TestEraseRevokesAttestations(t *testing.T) {
	const victim, other = "telegram:5551234", "telegram:7770001"
	for _, tc := range []struct {
		name  string
		erase func(t *testing.T, db *DB)
	}{
		{"DB.Erase", func(t *testing.T, db *DB) {
			if err := db.Erase(victim); err != nil {
				t.Fatal(err)
			}
		}},
		{"erasing turn", func(t *testing.T, db *DB) {
			u := mustPut(t, db, update("telegram:99", victim))
			mustCommit(t, db, Turn{Update: &u, LearnerID: victim, Erase: true})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			db := openTest(t, withClock(clk.Now))
			s1 := issue(t, db, victim, "telegram:1", "Yanis Benali")
			s2 := issue(t, db, victim, "telegram:2", "Yanis Benali")
			kept := issue(t, db, other, "telegram:3", "Chloé Martin")
			clk.Set(t0.Add(time.Hour))
			tc.erase(t, db)

			bits, ok, err := db.StatusList(1)
			if err != nil || !ok || len(bits) != StatusListEntries/8 {
				t.Fatalf("status list: %d bytes ok=%v err=%v", len(bits), ok, err)
			}
			bit := func(i uint32) bool { return bits[i/8]&(0x80>>(i%8)) != 0 }
			if !bit(s1.Index) || !bit(s2.Index) || bit(kept.Index) {
				t.Errorf("bits: revoked %v %v, other %v; want true true false", bit(s1.Index), bit(s2.Index), bit(kept.Index))
			}
			ones := 0
			for _, b := range bits {
				for ; b != 0; b &= b - 1 {
					ones++
				}
			}
			if ones != 2 {
				t.Errorf("%d bits set, want 2", ones)
			}
			a, ok, _ := db.Attestation(s1.Code)
			want := Attestation{Code: s1.Code, List: s1.List, Index: s1.Index}
			if !ok || a.RevokedAt == nil || !a.RevokedAt.Equal(t0.Add(time.Hour)) || a.JWT != "" || a.LearnerID != "" || !a.IssuedAt.IsZero() {
				t.Errorf("revoked record %+v, want only %+v and the revocation time", a, want)
			}
			if o, _, _ := db.Attestation(kept.Code); o.RevokedAt != nil || o.JWT == "" {
				t.Errorf("the other learner's attestation changed: %+v", o)
			}
			if _, ok, _ := db.AttestationSubject(victim); ok {
				t.Error("the learner's subject id survived the erasure")
			}
			err = db.bolt.View(func(tx *bbolt.Tx) error {
				for _, b := range [][]byte{bucketAttestations, bucketAttestOf, bucketStatusSlots, bucketStatusLists} {
					err := tx.Bucket(b).ForEach(func(k, v []byte) error {
						for _, needle := range []string{victim, "5551234", "Yanis"} {
							if bytes.Contains(k, []byte(needle)) || bytes.Contains(v, []byte(needle)) {
								t.Errorf("bucket %s still holds %q", b, needle)
							}
						}
						return nil
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// Erasing again (a retention sweep after /supprimer) changes nothing.
			if err := db.Erase(victim); err != nil {
				t.Fatal(err)
			}
			if a2, _, _ := db.Attestation(s1.Code); !a2.RevokedAt.Equal(*a.RevokedAt) {
				t.Errorf("a second erasure moved the revocation time")
			}
		})
	}
}
