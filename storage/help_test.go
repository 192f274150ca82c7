package storage

import (
	"testing"
	"time"
)

func TestOpenHelpFollowsTurns(t *testing.T) {
	c := newClock()
	db := openTest(t, withClock(c.Now))
	open := func(want ...string) []HelpOpen {
		t.Helper()
		hs, err := db.OpenHelp()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hs {
			got = append(got, h.LearnerID)
		}
		if len(got) != len(want) {
			t.Fatalf("open help requests %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("open help requests %v, want %v", got, want)
			}
		}
		if n, err := db.OpenHelpCount(); err != nil || n != len(want) {
			t.Fatalf("OpenHelpCount = %d, %v; want %d", n, err, len(want))
		}
		return hs
	}
	open()

	u1 := mustPut(t, db, update("u1", "telegram:1"))
	mustCommit(t, db, Turn{Update: &u1, Help: &HelpOpen{Campaign: "QWERTY789"}})
	c.Set(t0.Add(time.Hour))
	u2 := mustPut(t, db, update("u2", "telegram:2"))
	mustCommit(t, db, Turn{Update: &u2, Help: &HelpOpen{}})
	hs := open("telegram:1", "telegram:2")
	if !hs[0].Since.Equal(t0) || hs[0].Campaign != "QWERTY789" || !hs[1].Since.Equal(t0.Add(time.Hour)) {
		t.Errorf("open help requests %+v", hs)
	}

	// A claim keeps the time the learner asked.
	c.Set(t0.Add(2 * time.Hour))
	mustCommit(t, db, Turn{LearnerID: "telegram:1", Help: &HelpOpen{Campaign: "QWERTY789", ClaimedBy: "UADV"}})
	hs = open("telegram:1", "telegram:2")
	if !hs[0].Since.Equal(t0) || hs[0].ClaimedBy != "UADV" {
		t.Errorf("after the claim: %+v", hs[0])
	}

	// A replayed update changes nothing; closing removes it; erasing too.
	if applied, err := db.CommitTurn(Turn{Update: &u1, CloseHelp: true}); err != nil || applied {
		t.Fatalf("replay: applied %v, %v", applied, err)
	}
	open("telegram:1", "telegram:2")
	mustCommit(t, db, Turn{LearnerID: "telegram:1", CloseHelp: true})
	open("telegram:2")
	if err := db.Erase("telegram:2"); err != nil {
		t.Fatal(err)
	}
	open()
	db = reopen(t, db)
	if n, err := db.OpenHelpCount(); err != nil || n != 0 {
		t.Errorf("after reopen: %d, %v", n, err)
	}
}
