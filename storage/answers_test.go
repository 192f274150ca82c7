package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

func TestAnswerLog(t *testing.T) {
	db := openTest(t)
	const id = "telegram:31"
	want, turns := 0, 0
	for turn := 0; want < 150; turn++ {
		turns++
		var as []Answer
		for range 1 + turn%5 {
			as = append(as, Answer{Item: fmt.Sprintf("q%03d", want), Correct: want%2 == 0, Response: "2"})
			want++
		}
		// Another learner answers in between: the log interleaves them.
		mustCommit(t, db, Turn{LearnerID: "telegram:3", Answers: []Answer{answer("other", true)}, Session: json.RawMessage(`{"n":1}`)})
		mustCommit(t, db, Turn{LearnerID: id, Update: &Update{Key: fmt.Sprintf("k%d", turn)}, Answers: as,
			Session: json.RawMessage(fmt.Sprintf(`{"turn":%d}`, turn))})
	}
	// A long typed answer is a record like any other.
	mustCommit(t, db, Turn{LearnerID: id, Answers: []Answer{{Item: fmt.Sprintf("q%03d", want), Response: strings.Repeat("x", 5000)}}})
	want++

	got, err := db.Answers(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != want {
		t.Fatalf("%d answers, want %d", len(got), want)
	}
	for i, a := range got {
		if a.Item != fmt.Sprintf("q%03d", i) || a.LearnerID != id || (i > 0 && a.Seq <= got[i-1].Seq) {
			t.Fatalf("answer %d = %+v", i, a)
		}
	}
	if got[0].UpdateKey != "k0" || got[len(got)-1].Response != strings.Repeat("x", 5000) {
		t.Errorf("first %+v, last response of %d bytes", got[0], len(got[len(got)-1].Response))
	}
	if other, _ := db.Answers("telegram:3"); len(other) != turns {
		t.Errorf("the other learner has %d answers, want %d", len(other), turns)
	}
	// The log holds every answer once, in append order, each naming its
	// learner; its keys are the seqs 1, 2, 3…
	var seq uint64
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketAnswerLog).ForEach(func(k, v []byte) error {
			seq++
			r, err := decodeAnswer(v)
			if err != nil {
				return err
			}
			if fromU64(k) != seq || (r.Learner != id && r.Learner != "telegram:3") {
				t.Errorf("log entry %d: key %d, learner %q", seq, fromU64(k), r.Learner)
			}
			return nil
		})
	})
	if err != nil || seq != uint64(want+turns) {
		t.Errorf("%d entries in the log (%v), want %d", seq, err, want+turns)
	}
	// The session is the last one written, whatever the answers.
	if s, ok, _ := db.Session(id); !ok || string(s) != fmt.Sprintf(`{"turn":%d}`, turns-1) {
		t.Errorf("session %s, %t", s, ok)
	}
}

// Answers may come without a session (and a session without answers): each
// keeps the other.
func TestAnswersAndSessionKeepEachOther(t *testing.T) {
	db := openTest(t)
	const id = "telegram:5"
	mustCommit(t, db, Turn{LearnerID: id, Answers: []Answer{answer("a", true)}})
	if _, ok, err := db.Session(id); ok || err != nil {
		t.Fatalf("a session after answers alone (%v)", err)
	}
	mustCommit(t, db, Turn{LearnerID: id, Session: json.RawMessage(`{"state":"question"}`)})
	mustCommit(t, db, Turn{LearnerID: id, Answers: []Answer{answer("b", false)}})
	mustCommit(t, db, Turn{LearnerID: id, Session: json.RawMessage(`{"state":"results"}`)})
	as, err := db.Answers(id)
	if err != nil || len(as) != 2 || as[0].Item != "a" || as[1].Item != "b" {
		t.Fatalf("answers %+v (%v)", as, err)
	}
	if s, ok, _ := db.Session(id); !ok || string(s) != `{"state":"results"}` {
		t.Errorf("session %s", s)
	}
	exp, err := db.Export(id)
	if err != nil || !bytes.Contains(exp, []byte(`"state": "results"`)) || !bytes.Contains(exp, []byte(`"item": "b"`)) {
		t.Errorf("export %s (%v)", exp, err)
	}
}

func TestSessionValueRoundTrip(t *testing.T) {
	for _, v := range []sessionValue{
		{},
		{session: []byte(`{}`)},
		{seqs: []uint64{1}},
		{seqs: []uint64{3, 4, 900, 1 << 40}, session: []byte(`{"state":"question"}`)},
	} {
		got, err := decodeSessionValue(v.encode())
		if err != nil || !slices.Equal(got.seqs, v.seqs) || !bytes.Equal(got.session, v.session) {
			t.Errorf("%+v came back as %+v (%v)", v, got, err)
		}
	}
	for name, raw := range map[string][]byte{
		"empty":            nil,
		"schema 2 JSON":    []byte(`{"state":"question"}`),
		"count cut":        {sessionFormat, 0x80},
		"fewer seqs":       {sessionFormat, 3, 1, 1},
		"a seq repeated":   {sessionFormat, 2, 5, 0},
		"an absurd count":  append([]byte{sessionFormat}, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"a delta overflow": append([]byte{sessionFormat, 2, 1}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
	} {
		if v, err := decodeSessionValue(raw); err == nil {
			t.Errorf("%s: decoded as %+v", name, v)
		}
	}
}

// A corrupt value is an error naming the learner, not a panic or a silent
// empty session.
func TestCorruptSessionValue(t *testing.T) {
	db := openTest(t)
	mustCommit(t, db, Turn{LearnerID: "telegram:9", Session: json.RawMessage(`{}`), Answers: []Answer{answer("a", true)}})
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSessions).Put([]byte("telegram:9"), []byte{sessionFormat, 9})
	})
	if err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"Session": func() error { _, _, err := db.Session("telegram:9"); return err }(),
		"Answers": func() error { _, err := db.Answers("telegram:9"); return err }(),
		"turn": func() error {
			_, err := db.CommitTurn(Turn{LearnerID: "telegram:9", Session: json.RawMessage(`{}`)})
			return err
		}(),
	} {
		if err == nil || !strings.Contains(err.Error(), `learner "telegram:9" is corrupt`) {
			t.Errorf("%s: %v", what, err)
		}
	}
}

func FuzzDecodeSessionValue(f *testing.F) {
	f.Add([]byte{})
	f.Add(sessionValue{seqs: []uint64{1, 2, 70000}, session: []byte(`{"a":1}`)}.encode())
	f.Add([]byte(`{"state":"question"}`))
	f.Add([]byte{sessionFormat, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := decodeSessionValue(raw)
		if err != nil {
			return
		}
		for i := 1; i < len(v.seqs); i++ {
			if v.seqs[i] <= v.seqs[i-1] {
				t.Fatalf("seqs not increasing: %v", v.seqs)
			}
		}
		again, err := decodeSessionValue(v.encode())
		if err != nil || !slices.Equal(again.seqs, v.seqs) || !bytes.Equal(again.session, v.session) {
			t.Fatalf("%+v does not survive encoding: %+v (%v)", v, again, err)
		}
	})
}

func TestAnswerRecordRoundTrip(t *testing.T) {
	for _, r := range []answerRecord{
		{},
		{Learner: "telegram:5551234", UpdateKey: "telegram:901234567", Item: "c41-mdp-2", Correct: true, At: 1763888400000},
		{Learner: "console:local", Item: "c13-lire-1", Skipped: true, Response: "Je ne sais pas", At: -5},
		{Learner: "l", Item: "i", Response: strings.Repeat("é", 3000), At: 1 << 50},
	} {
		got, err := decodeAnswer(r.encode())
		if err != nil || got != r {
			t.Errorf("%+v came back as %+v (%v)", r, got, err)
		}
	}
	good := answerRecord{Learner: "telegram:1", UpdateKey: "u", Item: "c11-a", Correct: true, At: 99}.encode()
	if n := len(answerRecord{Learner: "telegram:5551234", UpdateKey: "telegram:901234567", Item: "c41-mdp-2", At: 1763888400000}.encode()); n > 64 {
		t.Errorf("a typical record takes %d bytes", n)
	}
	for name, raw := range map[string][]byte{
		"empty":          nil,
		"JSON":           []byte(`{"l":"telegram:1"}`),
		"cut":            good[:len(good)-1],
		"trailing bytes": append(slices.Clone(good), 0),
		"long string":    {answerFormat, 200, 'a'},
		"unknown flag":   {answerFormat, 0, 0, 0, 4, 0, 0},
	} {
		if r, err := decodeAnswer(raw); err == nil {
			t.Errorf("%s: decoded as %+v", name, r)
		}
	}
}

func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte{})
	f.Add(answerRecord{Learner: "telegram:1", UpdateKey: "telegram:2", Item: "c11-a", Skipped: true, Response: "2", At: 1763888400000}.encode())
	f.Add([]byte{answerFormat, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := decodeAnswer(raw)
		if err != nil {
			return
		}
		if again, err := decodeAnswer(r.encode()); err != nil || again != r {
			t.Fatalf("%+v does not survive encoding: %+v (%v)", r, again, err)
		}
	})
}

// TestSchema3MovesAnswersToTheLog opens a file laid out as schema 2 wrote it:
// answers in per-learner chunks, sessions as bare JSON.
func TestSchema3MovesAnswersToTheLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	b, err := bbolt.Open(path, fileMode, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bbolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		_ = meta.Put(keySchema, []byte("2"))
		sessions, _ := tx.CreateBucket(bucketSessions)
		_ = sessions.Put([]byte("telegram:1"), []byte(`{"state":"question","question":4}`))
		_ = sessions.Put([]byte("telegram:2"), []byte(`{"state":"consent"}`))
		old, _ := tx.CreateBucket([]byte("answers"))
		_ = old.SetSequence(5)
		// Learner 1: two chunks; learner 3 answered but has no session.
		_ = old.Put(seqKey("telegram:1", 1), []byte(`[{"q":1,"u":"u1","i":"c11-a","c":true,"t":1763888400000},{"q":3,"u":"u3","i":"c12-b","s":true,"t":1763888460000}]`))
		_ = old.Put(seqKey("telegram:1", 5), []byte(`[{"q":5,"u":"u5","i":"c13-c","r":"42","t":1763888520000}]`))
		_ = old.Put(seqKey("telegram:3", 2), []byte(`[{"q":2,"u":"u2","i":"c11-a","t":1763888430000},{"q":4,"u":"u4","i":"c11-b","c":true,"t":1763888490000}]`))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

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
