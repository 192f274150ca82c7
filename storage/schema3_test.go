package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// rawFile writes a bbolt file at path by hand, one transaction per
// function: a file laid out as an older diagbot wrote it.
func rawFile(t testing.TB, path string, updates ...func(*bbolt.Tx) error) {
	t.Helper()
	b, err := bbolt.Open(path, fileMode, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range updates {
		if err := b.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

// schema2 starts a schema 2 file: its version, and the buckets named.
func schema2(buckets ...[]byte) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error {
		for _, name := range append([][]byte{bucketMeta}, buckets...) {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("2"))
	}
}

// writeSchema2 lays out a file as schema 2 wrote it: `learners` learners who
// took the diagnostic at the same time, so their answers' seqs interleave
// (learner i's answer j has seq j*learners+i+1), each with a session.
func writeSchema2(t testing.TB, path string, learners, answers int) {
	t.Helper()
	type rec struct {
		Seq uint64 `json:"q"`
		U   string `json:"u"`
		I   string `json:"i"`
		C   bool   `json:"c,omitempty"`
		T   int64  `json:"t"`
	}
	const per = 500
	updates := []func(*bbolt.Tx) error{schema2(bucketSessions, []byte("answers"))}
	for lo := 0; lo < learners; lo += per {
		updates = append(updates, func(tx *bbolt.Tx) error {
			old := tx.Bucket([]byte("answers"))
			sess := tx.Bucket(bucketSessions)
			for i := lo; i < min(lo+per, learners); i++ {
				id := fmt.Sprintf("telegram:%d", 5550000+i)
				var rs []rec
				for j := 0; j < answers; j++ {
					seq := uint64(j*learners + i + 1)
					rs = append(rs, rec{Seq: seq, U: "telegram:" + strconv.FormatUint(900000000+seq, 10), I: fmt.Sprintf("c%d-item-%d", j%5, j), C: j%2 == 0, T: 1763888400000 + int64(seq)})
				}
				v, _ := json.Marshal(rs)
				if err := old.Put(seqKey(id, rs[0].Seq), v); err != nil {
					return err
				}
				if err := sess.Put([]byte(id), []byte(`{"state":"results"}`)); err != nil {
					return err
				}
			}
			return old.SetSequence(uint64(learners * answers))
		})
	}
	rawFile(t, path, updates...)
}

// TestSchema3MigratesInterleavedLearners: learners who took the diagnostic
// at the same time, as in every real file, so their seqs interleave.
func TestSchema3MigratesInterleavedLearners(t *testing.T) {
	const learners, answers = 300, 32
	path := filepath.Join(t.TempDir(), "v2.db")
	writeSchema2(t, path, learners, answers)
	db := openAt(t, path, WithNoSync(true))
	for i := range learners {
		id := fmt.Sprintf("telegram:%d", 5550000+i)
		as, err := db.Answers(id)
		if err != nil || len(as) != answers {
			t.Fatalf("%s: %d answers (%v)", id, len(as), err)
		}
		for j, a := range as {
			if a.Seq != uint64(j*learners+i+1) || a.Item != fmt.Sprintf("c%d-item-%d", j%5, j) || a.LearnerID != id {
				t.Fatalf("%s answer %d: %+v", id, j, a)
			}
		}
	}
	mustCommit(t, db, Turn{LearnerID: "telegram:5550000", Answers: []Answer{answer("next", true)}})
	if as, _ := db.Answers("telegram:5550000"); as[answers].Seq != learners*answers+1 {
		t.Errorf("the log goes on at %d, want %d", as[answers].Seq, learners*answers+1)
	}
}

// BenchmarkSchema3Migration opens schema 2 files of interleaved learners.
// Records are put in seq order: all the Puts of the one migration
// transaction land in one in-memory node until the commit splits it, and
// out of order each would shift the rest (0.1 s for 500 learners, 3.1 s for
// 2,000, hours for 100,000, before the fix).
func BenchmarkSchema3Migration(b *testing.B) {
	for _, learners := range []int{500, 2000} {
		b.Run(fmt.Sprintf("learners=%d", learners), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "v2.db")
				writeSchema2(b, path, learners, 32)
				b.StartTimer()
				db, err := Open(path, WithNoSync(true))
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				_ = db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*learners*32), "µs/answer")
		})
	}
}

// TestSchema3MigrationWithoutSessionsBucket: a schema 2 file whose answers
// have no sessions bucket beside them. The migration moved the answers into
// the log, then returned early ("a new file") and dropped the index it had
// built: the answers were in the file, unreachable by Answers and Erase.
func TestSchema3MigrationWithoutSessionsBucket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	rawFile(t, path, schema2([]byte("answers")), func(tx *bbolt.Tx) error {
		old := tx.Bucket([]byte("answers"))
		_ = old.SetSequence(1)
		return old.Put(seqKey("telegram:1", 1), []byte(`[{"q":1,"u":"u1","i":"c11-a","c":true,"t":1763888400000}]`))
	})
	db := openAt(t, path)
	if as, err := db.Answers("telegram:1"); err != nil || len(as) != 1 {
		t.Errorf("after the migration: %d answers (%v), want 1", len(as), err)
	}
	if err := db.Erase("telegram:1"); err != nil {
		t.Fatal(err)
	}
	_ = db.bolt.View(func(tx *bbolt.Tx) error {
		if n := tx.Bucket(bucketAnswerLog).Stats().KeyN; n != 0 {
			t.Errorf("%d answers of the erased learner left in the log", n)
		}
		return nil
	})
}

// TestAnswerIndexUnderGroupCommitReplays: turns of one learner, each sent
// twice, share commits with turns that fail (a corrupt session value), so
// the committer rolls back and replays batches. Every answer must be in the
// log once and indexed once, and nothing else in the log.
func TestAnswerIndexUnderGroupCommitReplays(t *testing.T) {
	db := openTest(t, WithNoSync(true))
	mustCommit(t, db, Turn{LearnerID: "telegram:bad", Session: json.RawMessage(`{}`)})
	if err := db.bolt.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSessions).Put([]byte("telegram:bad"), []byte{sessionFormat, 9})
	}); err != nil {
		t.Fatal(err)
	}
	const workers, turns = 8, 40
	var wg sync.WaitGroup
	var applied atomic.Int64
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range turns {
				k := fmt.Sprintf("u%d-%d", w, i)
				for range 2 {
					ok, err := db.CommitTurn(Turn{Update: &Update{Key: k, LearnerID: "telegram:1"}, LearnerID: "telegram:1",
						Answers: []Answer{answer(k+"a", true), answer(k+"b", false)}, Session: json.RawMessage(`{"k":"` + k + `"}`)})
					if err != nil {
						t.Error(err)
					}
					if ok {
						applied.Add(1)
					}
				}
				if _, err := db.CommitTurn(Turn{LearnerID: "telegram:bad", Answers: []Answer{answer("x", true)}}); err == nil {
					t.Error("a turn of the corrupt learner succeeded")
				}
			}
		}()
	}
	wg.Wait()
	if applied.Load() != workers*turns {
		t.Fatalf("%d turns applied, want %d", applied.Load(), workers*turns)
	}
	as, err := db.Answers("telegram:1")
	if err != nil || len(as) != 2*workers*turns {
		t.Fatalf("%d answers (%v), want %d", len(as), err, 2*workers*turns)
	}
	items := map[string]bool{}
	for _, a := range as {
		if items[a.Item] {
			t.Errorf("answer %s twice", a.Item)
		}
		items[a.Item] = true
	}
	_ = db.bolt.View(func(tx *bbolt.Tx) error {
		if n := tx.Bucket(bucketAnswerLog).Stats().KeyN; n != len(as) {
			t.Errorf("%d records in the log, %d indexed", n, len(as))
		}
		return nil
	})
}

// TestEraseWithCorruptSessionValue: Erase used to delete the learner's keys
// without reading them; now it reads their answers' index from the sessions
// value, so a corrupt value makes the erasure fail as a whole: the learner
// record, their answers, outbox… all stay, and /supprimer keeps failing.
func TestEraseWithCorruptSessionValue(t *testing.T) {
	db := openTest(t)
	const id = "telegram:9"
	mustCommit(t, db, Turn{Learner: &Learner{ID: id, Lang: "fr"}, Session: json.RawMessage(`{}`),
		Answers: []Answer{answer("a", true), answer("b", true)}, Outbox: []Message{msg("telegram", id, "text")}})
	mustCommit(t, db, Turn{LearnerID: "telegram:10", Answers: []Answer{answer("c", true)}})
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSessions).Put([]byte(id), []byte{sessionFormat, 9})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Erase(id); err != nil {
		t.Fatalf("Erase: %v", err)
	}
	_ = db.bolt.View(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			_ = tx.Bucket(name).ForEach(func(k, v []byte) error {
				if strings.Contains(string(k), id+"\x00") || string(k) == id || strings.Contains(string(v), `"`+id+`"`) || strings.Contains(string(v), "\x0a"+id) {
					t.Errorf("bucket %s still holds the learner: %q", name, k)
				}
				return nil
			})
		}
		return nil
	})
	if as, err := db.Answers("telegram:10"); err != nil || len(as) != 1 {
		t.Errorf("the other learner: %d answers (%v)", len(as), err)
	}
}

// TestDecodeSessionValueAbsurdCount: a count the value cannot hold (each seq
// takes at least a byte) is refused before allocating for it; a 4-byte
// corrupt value made the decoder allocate 8 MB.
func TestDecodeSessionValueAbsurdCount(t *testing.T) {
	raw := []byte{sessionFormat, 0x80, 0x80, 0x40} // count 1<<20, no seq
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodeSessionValue(raw)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("decoded")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<16 {
		t.Errorf("decoding %d bytes allocated %d", len(raw), n)
	}
}

// TestSchema3MovesAnswersToTheLog opens a file laid out as schema 2 wrote it:
// answers in per-learner chunks, sessions as bare JSON.
func TestSchema3MovesAnswersToTheLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	rawFile(t, path, schema2(bucketSessions, []byte("answers")), func(tx *bbolt.Tx) error {
		sessions := tx.Bucket(bucketSessions)
		_ = sessions.Put([]byte("telegram:1"), []byte(`{"state":"question","question":4}`))
		_ = sessions.Put([]byte("telegram:2"), []byte(`{"state":"consent"}`))
		old := tx.Bucket([]byte("answers"))
		_ = old.SetSequence(5)
		// Learner 1: two chunks; learner 3 answered but has no session.
		_ = old.Put(seqKey("telegram:1", 1), []byte(`[{"q":1,"u":"u1","i":"c11-a","c":true,"t":1763888400000},{"q":3,"u":"u3","i":"c12-b","s":true,"t":1763888460000}]`))
		_ = old.Put(seqKey("telegram:1", 5), []byte(`[{"q":5,"u":"u5","i":"c13-c","r":"42","t":1763888520000}]`))
		return old.Put(seqKey("telegram:3", 2), []byte(`[{"q":2,"u":"u2","i":"c11-a","t":1763888430000},{"q":4,"u":"u4","i":"c11-b","c":true,"t":1763888490000}]`))
	})

	db := openAt(t, path)
	if st, _ := db.Stats(); st.Schema != 3 {
		t.Fatalf("schema %d, want 3", st.Schema)
	}
	items := func(id string) (out []string) {
		as, err := db.Answers(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.LearnerID != id {
				t.Errorf("answer %d of %s names %s", a.Seq, id, a.LearnerID)
			}
			out = append(out, fmt.Sprintf("%d:%s:%t:%t:%s:%s", a.Seq, a.Item, a.Correct, a.Skipped, a.Response, a.UpdateKey))
		}
		return out
	}
	if got, want := items("telegram:1"), []string{"1:c11-a:true:false::u1", "3:c12-b:false:true::u3", "5:c13-c:false:false:42:u5"}; !slices.Equal(got, want) {
		t.Errorf("learner 1: %v, want %v", got, want)
	}
	if got, want := items("telegram:3"), []string{"2:c11-a:false:false::u2", "4:c11-b:true:false::u4"}; !slices.Equal(got, want) {
		t.Errorf("learner 3: %v, want %v", got, want)
	}
	if as, _ := db.Answers("telegram:1"); len(as) > 0 && !as[0].At.Equal(time.UnixMilli(1763888400000)) {
		t.Errorf("time %v", as[0].At)
	}
	for id, want := range map[string]string{"telegram:1": `{"state":"question","question":4}`, "telegram:2": `{"state":"consent"}`, "telegram:3": ""} {
		s, ok, err := db.Session(id)
		if err != nil || string(s) != want || ok != (want != "") {
			t.Errorf("session of %s: %s, %t (%v)", id, s, ok, err)
		}
	}
	_ = db.bolt.View(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte("answers")) != nil {
			t.Error("the answers bucket of schema 2 is still there")
		}
		return nil
	})
	// New answers continue the sequence.
	mustCommit(t, db, Turn{LearnerID: "telegram:1", Answers: []Answer{answer("c14-d", true)}})
	if got := items("telegram:1"); len(got) != 4 || !strings.HasPrefix(got[3], "6:c14-d") {
		t.Errorf("after the migration: %v", got)
	}
	// And erasing finds the moved answers.
	if err := db.Erase("telegram:3"); err != nil {
		t.Fatal(err)
	}
	_ = db.bolt.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketAnswerLog).ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte("telegram:3")) {
				t.Errorf("answer %d of the erased learner left: %s", fromU64(k), v)
			}
			return nil
		})
	})
}
