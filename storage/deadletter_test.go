package storage

import (
	"errors"
	"testing"
	"time"
)

func TestDeadLetter(t *testing.T) {
	db := openTest(t)
	waiting := mustPut(t, db, update("telegram:1", "telegram:5"))
	other := mustPut(t, db, update("telegram:2", "telegram:6"))

	tests := []struct {
		name    string
		u       Update
		at      time.Time
		wantErr error
	}{
		{name: "update waiting in the inbox", u: Update{Key: waiting.Key}, at: t0.Add(time.Minute)},
		{name: "update never stored", u: update("console:9", "console:local"), at: t0},
		{name: "same update again replaces the record", u: Update{Key: waiting.Key}, at: t0.Add(2 * time.Minute)},
		{name: "no key", u: Update{}, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.DeadLetter(tt.u, "panic: index out of range", tt.at); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
	in, _ := db.Inbox(0)
	if len(in) != 1 || in[0].Key != other.Key {
		t.Errorf("inbox = %+v, want only %s", in, other.Key)
	}
	if _, added, _ := db.PutInbox(waiting); added {
		t.Error("a dead-lettered update came back on replay")
	}
	if applied, err := db.CommitTurn(Turn{Update: &waiting}); applied || err != nil {
		t.Errorf("a dead-lettered update was committed: %v %v", applied, err)
	}
	dl, err := db.DeadLetters()
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 2 || dl[0].Update.Key != "console:9" || dl[1].Update.Key != waiting.Key {
		t.Fatalf("dead letters = %+v", dl)
	}
	// The inbox copy (with Seq and LearnerID) is what is kept.
	if got := dl[1].Update; got.Seq != waiting.Seq || got.LearnerID != "telegram:5" || string(got.Payload) != string(waiting.Payload) || dl[1].Reason == "" {
		t.Errorf("dead letter = %+v", dl[1])
	}
}
