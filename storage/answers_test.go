package storage

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
)

func TestAnswerLogChunks(t *testing.T) {
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
		// Another learner answers in between: their chunks sit next to ours.
		mustCommit(t, db, Turn{LearnerID: "telegram:3", Answers: []Answer{answer("other", true)}})
		mustCommit(t, db, Turn{LearnerID: id, Update: &Update{Key: fmt.Sprintf("k%d", turn)}, Answers: as})
	}
	// One answer larger than a chunk gets a chunk of its own.
	mustCommit(t, db, Turn{LearnerID: id, Answers: []Answer{{Item: fmt.Sprintf("q%03d", want), Response: strings.Repeat("x", answerChunkBytes)}}})
	want++
	mustCommit(t, db, Turn{LearnerID: id, Answers: []Answer{{Item: fmt.Sprintf("q%03d", want)}}})
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
	chunks := 0
	_ = db.bolt.View(func(tx *bbolt.Tx) error {
		return forPrefix(tx.Bucket(bucketAnswers), prefix(id), func(k, v []byte) error {
			chunks++
			var recs []answerRecord
			if err := json.Unmarshal(v, &recs); err != nil {
				t.Errorf("chunk %x: %v", k, err)
			}
			if len(v) > answerChunkBytes && len(recs) > 1 {
				t.Errorf("chunk of %d bytes holds %d answers", len(v), len(recs))
			}
			if _, seq := splitSeqKey(k); seq != recs[0].Seq {
				t.Errorf("chunk key seq %d, first answer %d", seq, recs[0].Seq)
			}
			return nil
		})
	})
	if chunks < 4 {
		t.Errorf("%d chunks for %d answers: chunking is not bounded", chunks, want)
	}
	if other, _ := db.Answers("telegram:3"); len(other) != turns {
		t.Errorf("the other learner has %d answers, want %d", len(other), turns)
	}
}
