package storage

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// fakeSession builds a session of about size bytes that looks like the real
// one (dialog state + engine estimates + items asked), with numbers that
// differ from learner to learner so nothing compresses by accident.
func fakeSession(r *rand.Rand, step, size int) json.RawMessage {
	var b strings.Builder
	fmt.Fprintf(&b, `{"v":1,"state":"asking","lang":"fr","step":%d,"engine":{"theta":[`, step)
	for i := range 16 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%.4f", r.NormFloat64())
	}
	b.WriteString(`],"se":[`)
	for i := range 16 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%.4f", 0.3+r.Float64())
	}
	b.WriteString(`],"asked":[`)
	for i := 0; b.Len() < size-40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"i":"c%d.%d-n%d-q%02d","r":%d,"t":%d}`, 1+r.IntN(5), 1+r.IntN(4), 1+r.IntN(6), r.IntN(40), r.IntN(2), r.IntN(90000))
	}
	b.WriteString(`]}}`)
	return json.RawMessage(b.String())
}

// footprint is what the file costs per learner.
type footprint struct {
	inUse, highWater, compacted float64 // bytes per learner
}

// simulateLearners runs n learners through a full diagnostic of `answers`
// questions, active concurrently by groups (as in a collective session), one
// turn per answer: inbox, CommitTurn (session rewritten, answer appended, a
// message queued), delivery. Turns of a round share a transaction as Batch
// makes them share one under load. Then the daily pruning forgets update keys
// and delivery records, which are not part of a finished learner.
func simulateLearners(t testing.TB, n, answers, active, sessionSize int) footprint {
	c := newClock()
	db := openTest(t, WithNoSync(true), withClock(c.Now))
	r := rand.New(rand.NewPCG(1, 2))
	if err := db.CreateCampaign(Campaign{Code: "SIZE01", Name: "size"}); err != nil {
		t.Fatal(err)
	}
	// A pool of sessions: building one per turn would dominate the test's time.
	sessions := make([]json.RawMessage, 257)
	for i := range sessions {
		sessions[i] = fakeSession(r, i, sessionSize)
	}
	key := 1_000_000
	ids := make(map[string]bool, n)
	for start := 0; start < n; start += active {
		group := make([]string, 0, active)
		for len(group) < min(active, n-start) {
			// Telegram user ids: random order of arrival, as in real life.
			id := fmt.Sprintf("telegram:%d", 100_000_000+r.IntN(900_000_000))
			if !ids[id] {
				ids[id] = true
				group = append(group, id)
			}
		}
		for step := 0; step <= answers; step++ {
			var turns []*preparedTurn
			for _, id := range group {
				key++
				turn := Turn{
					Update:  &Update{Key: fmt.Sprintf("telegram:%d", key), LearnerID: id},
					Session: sessions[r.IntN(len(sessions))],
					Outbox:  []Message{msg("telegram", id, "question")},
				}
				if step == 0 {
					turn.Learner = &Learner{ID: id, Channel: "telegram", ChatID: id[9:], FirstName: "Prénom", Lang: "fr", Campaign: "SIZE01"}
				} else {
					turn.LearnerID = id
					turn.Answers = []Answer{{Item: fmt.Sprintf("c%d.%d-n%d-q%02d", 1+r.IntN(5), 1+r.IntN(4), 1+r.IntN(6), r.IntN(40)),
						Correct: r.IntN(2) == 0, Response: fmt.Sprint(1 + r.IntN(4)), At: c.Now()}}
				}
				p, err := prepareTurn(turn, c.Now())
				if err != nil {
					t.Fatal(err)
				}
				turns = append(turns, p)
			}
			// The dispatcher delivers what the previous step queued; its
			// writes share the transaction to keep the test fast.
			pending, err := db.PendingOutbox("telegram", c.Now(), 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.bolt.Update(func(tx *bbolt.Tx) error {
				for _, m := range pending {
					if _, err := markSent(tx, m); err != nil {
						return err
					}
				}
				for _, p := range turns {
					if err := p.apply(tx); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			c.Set(c.Now().Add(20 * time.Second))
		}
	}
	// Deliver the last step's messages.
	pending, err := db.PendingOutbox("telegram", c.Now(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range pending {
		if err := db.MarkSent(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.PruneSeen(c.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// One more commit so the pages freed by pruning are counted as free, not pending.
	mustCommit(t, db, Turn{Learner: &Learner{ID: "telegram:1", Lang: "fr"}})

	st, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Buckets["learners"] != n+1 || st.Buckets["sessions"] != n || st.Buckets["answer_log"] != n*answers {
		t.Fatalf("simulation stored %v", st.Buckets)
	}
	_ = db.bolt.View(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			bs := tx.Bucket(name).Stats()
			if bs.KeyN == 0 {
				continue
			}
			t.Logf("bucket %-17s %6d keys, per learner: %5.0f bytes of leaf pages (%5.0f used), %4.0f of branch pages",
				name, bs.KeyN, float64(bs.LeafAlloc)/float64(n), float64(bs.LeafInuse)/float64(n), float64(bs.BranchAlloc)/float64(n))
		}
		return nil
	})
	compactPath := filepath.Join(t.TempDir(), "compact.db")
	dst, err := bbolt.Open(compactPath, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bbolt.Compact(dst, db.bolt, 64<<20); err != nil {
		t.Fatal(err)
	}
	var compacted int64
	_ = dst.View(func(tx *bbolt.Tx) error { compacted = tx.Size(); return nil })
	_ = dst.Close()

	per := func(b int64) float64 { return float64(b) / float64(n) }
	return footprint{inUse: per(st.DataSize - st.FreeSize), highWater: per(st.DataSize), compacted: per(compacted)}
}

// TestFootprintPerLearner checks the budget: a finished learner (learner
// record, ~3 KB session, 32 answers, campaign index) costs less than 8 KB of
// file. 2,000 learners go through 33 turns each, 40 at a time.
func TestFootprintPerLearner(t *testing.T) {
	const learners, budget = 2000, 8 << 10
	n := learners
	if testing.Short() {
		n = 200
	}
	f := simulateLearners(t, n, 32, 40, 3000)
	// inUse is what the learners occupy; the high-water mark adds free pages
	// left by rewrites and by pruning "seen", which later writes reuse;
	// bbolt compact packs pages full, which costs more room on large values.
	t.Logf("%d learners: %.0f bytes/learner in live pages, %.0f up to the high-water mark, %.0f after bbolt compact",
		n, f.inUse, f.highWater, f.compacted)
	if f.inUse > budget {
		t.Errorf("a finished learner costs %.0f bytes of file, budget %d", f.inUse, budget)
	}
}
