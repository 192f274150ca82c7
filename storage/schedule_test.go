package storage

import (
	"fmt"
	"testing"
	"time"
)

func tickUpdate(id string, due time.Time) Update {
	return Update{Key: fmt.Sprintf("tick:%s:%d", id, due.UnixNano()), Channel: "schedule", LearnerID: id, Payload: []byte(`{"kind":"tick"}`)}
}

func TestScheduleTakeDue(t *testing.T) {
	db := openTest(t)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	set := func(id string, at time.Time) {
		t.Helper()
		if _, err := db.CommitTurn(Turn{LearnerID: id, Session: []byte(`{}`), Due: &at}); err != nil {
			t.Fatal(err)
		}
	}
	set("t:1", t0.Add(time.Hour))
	set("t:2", t0.Add(2*time.Hour))
	set("t:3", t0.Add(3*time.Hour))
	set("t:2", t0.Add(30*time.Minute)) // rescheduled: one entry per learner
	if next, ok, _ := db.NextDue(); !ok || !next.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("NextDue = %v %v", next, ok)
	}
	got, err := db.TakeDue(t0.Add(time.Hour), 10, tickUpdate)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].LearnerID != "t:2" || got[1].LearnerID != "t:1" {
		t.Fatalf("TakeDue: %+v", got)
	}
	in, _ := db.Inbox(10)
	if len(in) != 2 {
		t.Fatalf("inbox has %d updates, want 2", len(in))
	}
	if _, ok, _ := db.Due("t:1"); ok {
		t.Error("taken entries stay scheduled")
	}
	// Nothing more due yet; the limit holds.
	if got, _ := db.TakeDue(t0.Add(time.Hour), 10, tickUpdate); len(got) != 0 {
		t.Errorf("taken twice: %+v", got)
	}
	// A zero time clears; an unreachable learner is unscheduled.
	zero := time.Time{}
	db.CommitTurn(Turn{LearnerID: "t:3", Due: &zero})
	if _, ok, _ := db.NextDue(); ok {
		t.Error("cleared schedule still has an entry")
	}
	l := Learner{ID: "t:4", Channel: "t", ChatID: "4"}
	at := t0.Add(5 * time.Hour)
	db.CommitTurn(Turn{Learner: &l, Due: &at})
	if err := db.MarkUnreachable("t:4", true); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Due("t:4"); ok {
		t.Error("an unreachable learner stays scheduled")
	}
}

func TestHelpThreadsAndOnce(t *testing.T) {
	db := openTest(t)
	ms, err := db.Enqueue(Message{Channel: "slack", To: "C1", About: "t:1", Kind: "notify_help", Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSentHelp(ms[0], "C1:17.1"); err != nil {
		t.Fatal(err)
	}
	if ref, ok, _ := db.HelpThread("t:1"); !ok || ref != "C1:17.1" {
		t.Errorf("HelpThread = %q %v", ref, ok)
	}
	if id, ok, _ := db.ThreadLearner("C1:17.1"); !ok || id != "t:1" {
		t.Errorf("ThreadLearner = %q %v", id, ok)
	}
	m := Message{Channel: "slack", To: "C1", Kind: "notify_digest", Payload: []byte(`{}`)}
	for i, want := range []bool{true, false} {
		done, err := db.EnqueueOnce("digest:ABC:2026-W48", m)
		if err != nil || done != want {
			t.Errorf("EnqueueOnce #%d = %v %v", i, done, err)
		}
	}
	if n, _ := db.OutboxDepth("slack"); n != 1 {
		t.Errorf("outbox has %d digests", n)
	}
	if err := db.Erase("t:1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.ThreadLearner("C1:17.1"); ok {
		t.Error("erase left the help thread")
	}
}

func TestRefs(t *testing.T) {
	db := openTest(t)
	for _, id := range []string{"t:1", "t:2"} {
		mustCommit(t, db, Turn{Learner: &Learner{ID: id, Lang: "fr"}})
	}
	if err := db.PutRef("t:1", "q:7:1", []byte(`{"id":12}`)); err != nil {
		t.Fatal(err)
	}
	db.PutRef("t:2", "q:7:1", []byte(`{"id":13}`))
	if v, ok, _ := db.Ref("t:1", "q:7:1"); !ok || string(v) != `{"id":12}` {
		t.Errorf("Ref = %s %v", v, ok)
	}
	db.DeleteRef("t:1", "q:7:1")
	if _, ok, _ := db.Ref("t:1", "q:7:1"); ok {
		t.Error("deleted ref still there")
	}
	db.PutRef("t:1", "q:8:1", []byte(`1`))
	if err := db.Erase("t:1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Ref("t:1", "q:8:1"); ok {
		t.Error("erase left a ref")
	}
	if n, _ := db.PruneRefs(time.Now().Add(time.Hour)); n != 1 {
		t.Errorf("pruned %d refs, want 1 (t:2's)", n)
	}
	// A send under way when t:1 erased everything finishes after it.
	if err := db.PutRef("t:1", "q:9:1", []byte(`2`)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Ref("t:1", "q:9:1"); ok {
		t.Error("a reference of an erased learner was written back")
	}
}

// TestHelpThreadAfterErase: a help notification posted while its learner
// erased everything leaves no thread naming them.
func TestHelpThreadAfterErase(t *testing.T) {
	db := openTest(t)
	mustCommit(t, db, Turn{Learner: &Learner{ID: "t:1", Lang: "fr"}})
	ms, err := db.Enqueue(Message{Channel: "slack", To: "C1", About: "t:1", Kind: "notify_help", Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Erase("t:1"); err != nil { // while Slack was posting it
		t.Fatal(err)
	}
	if err := db.MarkSentHelp(ms[0], "C1:17.1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.ThreadLearner("C1:17.1"); ok {
		t.Error("the help thread of an erased learner was written back")
	}
	if _, ok, _ := db.HelpThread("t:1"); ok {
		t.Error("the erased learner has a help thread again")
	}
}
