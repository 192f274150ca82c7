package storage

import (
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/bbolt"
)

func TestForEachLearner(t *testing.T) {
	db := openTest(t)
	if err := db.ForEachLearner(func(Learner) error { t.Error("called on an empty file"); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := 3; i >= 1; i-- {
		l := &Learner{ID: fmt.Sprintf("test:%d", i), Channel: "test", ExternalID: fmt.Sprintf("X%d", i), Campaign: "qwerty789"}
		if _, err := db.CommitTurn(Turn{Learner: l}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	err := db.ForEachLearner(func(l Learner) error {
		ids = append(ids, l.ID+"/"+l.ExternalID+"/"+l.Campaign)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != "[test:1/X1/QWERTY789 test:2/X2/QWERTY789 test:3/X3/QWERTY789]" {
		t.Errorf("learners %v", ids)
	}

	found := errors.New("found")
	n := 0
	err = db.ForEachLearner(func(l Learner) error {
		n++
		if l.ID == "test:2" {
			return found
		}
		return nil
	})
	if err != found || n != 2 {
		t.Errorf("stop: err %v (want the caller's own error, unwrapped) after %d learners", err, n)
	}

	// A damaged record is skipped; the others are still visited.
	if err := db.bolt.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketLearners).Put([]byte("test:15"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	ids = nil
	if err := db.ForEachLearner(func(l Learner) error { ids = append(ids, l.ID); return nil }); err != nil {
		t.Fatalf("a damaged record stopped the sweep: %v", err)
	}
	if fmt.Sprint(ids) != "[test:1 test:2 test:3]" {
		t.Errorf("learners around a damaged record: %v", ids)
	}
}
