package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func TestEachLearnerAnswers(t *testing.T) {
	db := openTest(t, withClock(newClock().Now))
	for i, id := range []string{"telegram:2", "telegram:1", "telegram:3"} {
		l := Learner{ID: id, Channel: "telegram", ChatID: id[9:], Lang: "fr"}
		for k := 0; k <= i; k++ {
			u := mustPut(t, db, update(fmt.Sprintf("telegram:%d%d", i, k), l.ID))
			mustCommit(t, db, Turn{Update: &u, Learner: &l, Session: json.RawMessage(`{}`),
				Answers: []Answer{answer(fmt.Sprintf("q%d", k), k%2 == 0)}})
		}
	}
	var got []string
	err := db.EachLearnerAnswers(func(id string, answers []Answer) error {
		s := id + ":"
		for _, a := range answers {
			s += fmt.Sprintf(" %s/%v", a.Item, a.Correct)
		}
		got = append(got, s)
		return nil
	})
	want := "[telegram:1: q0/true q1/false telegram:2: q0/true telegram:3: q0/true q1/false q2/true]"
	if err != nil || fmt.Sprint(got) != want {
		t.Errorf("got %v, %v\nwant %s", got, err, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := db.EachLearnerAnswers(func(string, []Answer) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("an error from fn: %v after %d calls", err, n)
	}
}
