package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

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
		{Learner: "telegram:1", UpdateKey: "u", Item: "c11-a", Correct: true, Response: "2", At: 99, Order: "2,0,1,3"},
		{Learner: "telegram:1", UpdateKey: "u", Item: "c11-a", Response: "0", At: 99, Order: "1,0", Lang: "en"},
		{Learner: "telegram:1", Item: "c11-v", Correct: true, Response: "oui", At: 99, Lang: "fr"},
	} {
		got, err := decodeAnswer(r.encode())
		if err != nil || got != r {
			t.Errorf("%+v came back as %+v (%v)", r, got, err)
		}
	}
	good := answerRecord{Learner: "telegram:1", UpdateKey: "u", Item: "c11-a", Correct: true, At: 99}.encode()
	// A record of the version before the order was kept, byte for byte:
	// it still reads, with no order.
	old := []byte{answerFormat, 10, 't', 'e', 'l', 'e', 'g', 'r', 'a', 'm', ':', '1', 1, 'u', 5, 'c', '1', '1', '-', 'a', flagCorrect, 0, 198, 1}
	if r, err := decodeAnswer(old); err != nil || r.Order != "" || r.Item != "c11-a" || !r.Correct || r.At != 99 {
		t.Errorf("an old record reads as %+v (%v)", r, err)
	}
	if !slices.Equal(old, good) {
		t.Errorf("a record without an order is no longer written as before: %v, was %v", good, old)
	}
	if n := len(answerRecord{Learner: "telegram:5551234", UpdateKey: "telegram:901234567", Item: "c41-mdp-2", At: 1763888400000}.encode()); n > 64 {
		t.Errorf("a typical record takes %d bytes", n)
	}
	for name, raw := range map[string][]byte{
		"empty":          nil,
		"JSON":           []byte(`{"l":"telegram:1"}`),
		"cut":            good[:len(good)-1],
		"trailing bytes": append(slices.Clone(good), 0),
		"long string":    {answerFormat, 200, 'a'},
		"unknown flag":   {answerFormat, 0, 0, 0, 16, 0, 0},
		"lang missing":   {answerFormat, 0, 0, 0, 8, 0, 0},
		"lang empty":     {answerFormat, 0, 0, 0, 8, 0, 0, 0},
		"order, no lang": {answerFormat, 0, 0, 0, 12, 0, 0, 1, '1'},
		"order missing":  {answerFormat, 0, 0, 0, 4, 0, 0},
		"order empty":    {answerFormat, 0, 0, 0, 4, 0, 0, 0},
	} {
		if r, err := decodeAnswer(raw); err == nil {
			t.Errorf("%s: decoded as %+v", name, r)
		}
	}
}

func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte{})
	f.Add(answerRecord{Learner: "telegram:1", UpdateKey: "telegram:2", Item: "c11-a", Skipped: true, Response: "2", At: 1763888400000}.encode())
	f.Add(answerRecord{Learner: "telegram:1", Item: "c11-a", At: 1, Order: "1,0", Lang: "en"}.encode())
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
