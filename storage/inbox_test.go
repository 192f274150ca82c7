package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestPutInbox(t *testing.T) {
	db := openTest(t)
	first := mustPut(t, db, update("telegram:100", "telegram:1"))
	handled := mustPut(t, db, update("telegram:101", "telegram:1"))
	mustCommit(t, db, Turn{Update: &handled})

	tests := []struct {
		name      string
		u         Update
		wantAdded bool
		wantSeq   uint64 // for duplicates of a waiting update: its Seq
		wantErr   error
	}{
		{name: "new update", u: update("telegram:102", "telegram:1"), wantAdded: true},
		{name: "duplicate while waiting in the inbox", u: update("telegram:100", "telegram:1"), wantSeq: first.Seq},
		{name: "replay after it was handled", u: update("telegram:101", "telegram:1")},
		{name: "same id on another channel is another update", u: update("console:100", "console:local"), wantAdded: true},
		{name: "empty key", u: update("", "telegram:1"), wantErr: ErrInvalid},
		{name: "payload not JSON", u: Update{Key: "telegram:103", Payload: json.RawMessage(`{"text":`)}, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, added, err := db.PutInbox(tt.u)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if added != tt.wantAdded {
				t.Errorf("added = %v, want %v", added, tt.wantAdded)
			}
			if tt.wantAdded && got.Seq == 0 {
				t.Error("added update got no Seq")
			}
			if tt.wantSeq != 0 && got.Seq != tt.wantSeq {
				t.Errorf("duplicate returned Seq %d, want the waiting one's %d", got.Seq, tt.wantSeq)
			}
		})
	}
	in, err := db.Inbox(0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, u := range in {
		keys = append(keys, u.Key)
	}
	if fmt.Sprint(keys) != "[telegram:100 telegram:102 console:100]" {
		t.Errorf("inbox = %v", keys)
	}
}

func TestPutInboxFillsReceivedAt(t *testing.T) {
	c := newClock()
	db := openTest(t, withClock(c.Now))
	u, _, err := db.PutInbox(Update{Key: "console:1", LearnerID: "console:local"})
	if err != nil {
		t.Fatal(err)
	}
	if !u.ReceivedAt.Equal(t0) {
		t.Errorf("ReceivedAt = %v, want the clock's %v", u.ReceivedAt, t0)
	}
	in, _ := db.Inbox(0)
	if len(in) != 1 || in[0].Payload != nil {
		t.Errorf("an update without payload came back as %+v", in)
	}
}

func TestPutInboxBatch(t *testing.T) {
	db := openTest(t)
	mustPut(t, db, update("telegram:1", "telegram:9"))
	handled := mustPut(t, db, update("telegram:2", "telegram:9"))
	mustCommit(t, db, Turn{Update: &handled})

	added, err := db.PutInboxBatch([]Update{
		update("telegram:1", "telegram:9"), // waiting already
		update("telegram:2", "telegram:9"), // handled already
		update("telegram:3", "telegram:9"),
		update("telegram:3", "telegram:9"), // twice in the same batch
		update("telegram:4", "telegram:8"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 2 || added[0].Key != "telegram:3" || added[1].Key != "telegram:4" || added[0].Seq >= added[1].Seq {
		t.Errorf("added = %+v", added)
	}
	// One invalid update refuses the whole batch: the poller must not move its offset.
	if _, err := db.PutInboxBatch([]Update{update("telegram:5", "x"), update("", "x")}); !errors.Is(err, ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
	if in, _ := db.Inbox(0); len(in) != 3 {
		t.Errorf("inbox has %d updates, want 3", len(in))
	}
	if added, err := db.PutInboxBatch(nil); err != nil || len(added) != 0 {
		t.Errorf("empty batch: %v %v", added, err)
	}
}

func TestInboxOrderAndLimit(t *testing.T) {
	db := openTest(t)
	for i := range 10 {
		mustPut(t, db, update(fmt.Sprintf("telegram:%d", 100-i), fmt.Sprintf("telegram:%d", i%3)))
	}
	tests := []struct {
		limit, want int
	}{{0, 10}, {-1, 10}, {3, 3}, {10, 10}, {50, 10}}
	for _, tt := range tests {
		t.Run(fmt.Sprint("limit ", tt.limit), func(t *testing.T) {
			in, err := db.Inbox(tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(in) != tt.want {
				t.Fatalf("%d updates, want %d", len(in), tt.want)
			}
			for i, u := range in {
				if want := fmt.Sprintf("telegram:%d", 100-i); u.Key != want {
					t.Errorf("inbox[%d] = %s, want %s (arrival order, not key order)", i, u.Key, want)
				}
			}
		})
	}
}

func TestPruneSeen(t *testing.T) {
	c := newClock()
	db := openTest(t, withClock(c.Now))
	for i := range 5 {
		c.Set(t0.Add(time.Duration(i) * time.Hour))
		u := mustPut(t, db, update(fmt.Sprintf("telegram:%d", i), "telegram:1"))
		mustCommit(t, db, Turn{Update: &u})
	}
	tests := []struct {
		before time.Time
		want   int
	}{
		{t0, 0},                    // nothing handled before t0
		{t0.Add(2 * time.Hour), 2}, // keys handled at +0h and +1h
		{t0.Add(2 * time.Hour), 0}, // already pruned
		{t0.Add(24 * time.Hour), 3},
	}
	for _, tt := range tests {
		n, err := db.PruneSeen(tt.before)
		if err != nil {
			t.Fatal(err)
		}
		if n != tt.want {
			t.Errorf("PruneSeen(%v) = %d, want %d", tt.before, n, tt.want)
		}
	}
	// A pruned key is accepted again: the channel will not replay it any more.
	if _, added, _ := db.PutInbox(update("telegram:0", "telegram:1")); !added {
		t.Error("a pruned key was still refused")
	}
}

func TestReplayIsANoOp(t *testing.T) {
	db := openTest(t)
	l := Learner{ID: "telegram:7", Channel: "telegram", Lang: "fr"}
	u := mustPut(t, db, update("telegram:500", l.ID))
	turn := Turn{Update: &u, Learner: &l, Session: json.RawMessage(`{"n":1}`),
		Answers: []Answer{answer("q1", true)}, Outbox: []Message{msg("telegram", l.ID, "text")}}
	mustCommit(t, db, turn)

	// The channel delivers the same update again (restart before its ack).
	if _, added, err := db.PutInbox(u); err != nil || added {
		t.Fatalf("replayed update: added=%v err=%v", added, err)
	}
	// And a worker that had it in memory commits it again.
	turn.Session = json.RawMessage(`{"n":2}`)
	applied, err := db.CommitTurn(turn)
	if err != nil || applied {
		t.Fatalf("second commit: applied=%v err=%v", applied, err)
	}
	if a, _ := db.Answers(l.ID); len(a) != 1 {
		t.Errorf("%d answers, want 1", len(a))
	}
	if n, _ := db.OutboxDepth("telegram"); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	if s, _, _ := db.Session(l.ID); string(s) != `{"n":1}` {
		t.Errorf("session = %s, the replay overwrote it", s)
	}
	if in, _ := db.Inbox(0); len(in) != 0 {
		t.Errorf("inbox = %+v", in)
	}
}
