package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

func TestCommitTurnStoresEverything(t *testing.T) {
	c := newClock()
	db := openTest(t, withClock(c.Now))
	l := Learner{ID: "telegram:5551234", Channel: "telegram", ChatID: "5551234", FirstName: "Yanis", Lang: "fr", Campaign: "qwerty789"}
	u := mustPut(t, db, update("telegram:8812734", l.ID))
	notify := msg("slack", "#ml-lille", "notify_finished")
	notify.About = l.ID
	mustCommit(t, db, Turn{
		Update: &u, Learner: &l, Session: json.RawMessage(`{"state":"asking","engine":{"theta":[0.1]}}`),
		Answers: []Answer{answer("c1.1-q1", true), {Item: "c1.1-q2", Skipped: true}},
		Outbox:  []Message{msg("telegram", l.ID, "question"), notify},
	})

	got, ok, err := db.Learner(l.ID)
	if err != nil || !ok {
		t.Fatalf("Learner: %v %v", ok, err)
	}
	if got.Campaign != "QWERTY789" || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) || got.FirstName != "Yanis" {
		t.Errorf("learner = %+v", got)
	}
	answers, err := db.Answers(l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 2 {
		t.Fatalf("answers = %+v", answers)
	}
	for i, a := range answers {
		if a.LearnerID != l.ID || a.UpdateKey != u.Key || a.Seq == 0 || (i > 0 && a.Seq <= answers[i-1].Seq) {
			t.Errorf("answer %d = %+v", i, a)
		}
	}
	if !answers[0].Correct || answers[0].Response != "B" || !answers[0].At.Equal(t0) {
		t.Errorf("first answer = %+v", answers[0])
	}
	if !answers[1].Skipped || !answers[1].At.Equal(t0) {
		t.Errorf("skipped answer = %+v (a zero At takes now)", answers[1])
	}
	tg, _ := db.PendingOutbox("telegram", t0, 0, nil)
	sl, _ := db.PendingOutbox("slack", t0, 0, nil)
	if len(tg) != 1 || len(sl) != 1 || tg[0].ID >= sl[0].ID || !tg[0].CreatedAt.Equal(t0) || sl[0].About != l.ID {
		t.Errorf("outbox: telegram %+v, slack %+v", tg, sl)
	}
	if ids, _ := db.CampaignLearners("QWERTY789"); fmt.Sprint(ids) != "[telegram:5551234]" {
		t.Errorf("campaign index = %v", ids)
	}

	// Second turn: the learner changes campaign and the record is upserted.
	c.Set(t0.Add(time.Hour))
	l2 := l
	l2.Campaign, l2.CreatedAt, l2.ExternalID = "OTHER1", time.Time{}, "FT-123"
	mustCommit(t, db, Turn{Update: &Update{Key: "telegram:8812735", LearnerID: l.ID}, Learner: &l2, Answers: []Answer{answer("c1.1-q3", false)}})
	got, _, _ = db.Learner(l.ID)
	if !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) || got.ExternalID != "FT-123" {
		t.Errorf("upserted learner = %+v: CreatedAt must survive, UpdatedAt must move", got)
	}
	if ids, _ := db.CampaignLearners("QWERTY789"); len(ids) != 0 {
		t.Errorf("old campaign still lists %v", ids)
	}
	if ids, _ := db.CampaignLearners("other1"); fmt.Sprint(ids) != "[telegram:5551234]" {
		t.Errorf("new campaign lists %v", ids)
	}
	if s, _, _ := db.Session(l.ID); string(s) != `{"state":"asking","engine":{"theta":[0.1]}}` {
		t.Errorf("a turn without Session changed it: %s", s)
	}
	if a, _ := db.Answers(l.ID); len(a) != 3 || a[2].UpdateKey != "telegram:8812735" {
		t.Errorf("answers = %+v", a)
	}
}

func TestCommitTurnLearnerIDComesFromTheTurn(t *testing.T) {
	tests := []struct {
		name string
		turn Turn
		want string
	}{
		{name: "explicit", turn: Turn{LearnerID: "a:1", Update: &Update{Key: "k1", LearnerID: "a:1"}}, want: "a:1"},
		{name: "from learner", turn: Turn{Learner: &Learner{ID: "a:2"}}, want: "a:2"},
		{name: "from update", turn: Turn{Update: &Update{Key: "k3", LearnerID: "a:3"}}, want: "a:3"},
	}
	db := openTest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.turn.Session = json.RawMessage(`{}`)
			tt.turn.Answers = []Answer{answer("q", true)}
			mustCommit(t, db, tt.turn)
			if _, ok, _ := db.Session(tt.want); !ok {
				t.Errorf("no session under %q", tt.want)
			}
			if a, _ := db.Answers(tt.want); len(a) != 1 {
				t.Errorf("answers under %q: %+v", tt.want, a)
			}
		})
	}
}

func TestCommitTurnRejectsInvalidTurns(t *testing.T) {
	tests := []struct {
		name string
		turn Turn
	}{
		{"session without learner", Turn{Session: json.RawMessage(`{}`)}},
		{"answers without learner", Turn{Answers: []Answer{answer("q", true)}}},
		{"session not JSON", Turn{LearnerID: "a:1", Session: json.RawMessage(`{`)}},
		{"learner id with NUL", Turn{Learner: &Learner{ID: "a\x001"}}},
		{"learner record of someone else", Turn{LearnerID: "a:1", Learner: &Learner{ID: "a:2"}}},
		{"answer of someone else", Turn{LearnerID: "a:1", Answers: []Answer{{LearnerID: "a:2", Item: "q"}}}},
		{"update without key", Turn{Update: &Update{LearnerID: "a:1"}}},
		{"message without recipient", Turn{Outbox: []Message{{Channel: "telegram", Kind: "text"}}}},
		{"message without channel", Turn{Outbox: []Message{{To: "a:1", Kind: "text"}}}},
		{"message payload not JSON", Turn{Outbox: []Message{{Channel: "telegram", To: "a:1", Payload: json.RawMessage(`nope`)}}}},
		{"erase without learner", Turn{Erase: true}},
		{"erase and store a session", Turn{LearnerID: "a:1", Erase: true, Session: json.RawMessage(`{}`)}},
		{"erase and store the learner", Turn{LearnerID: "a:1", Erase: true, Learner: &Learner{ID: "a:1"}}},
		{"erase and store answers", Turn{LearnerID: "a:1", Erase: true, Answers: []Answer{answer("q", true)}}},
		{"keep if waiting without erasing", Turn{Update: &Update{Key: "schedule:1", LearnerID: "a:1"}, LearnerID: "a:1", KeepIfWaiting: true}},
		{"keep if waiting without an update", Turn{LearnerID: "a:1", Erase: true, KeepIfWaiting: true}},
		{"help without learner", Turn{Help: &HelpOpen{}}},
		{"erase and open help", Turn{LearnerID: "a:1", Erase: true, Help: &HelpOpen{}}},
		{"open and close help", Turn{LearnerID: "a:1", Help: &HelpOpen{}, CloseHelp: true}},
	}
	db := openTest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			applied, err := db.CommitTurn(tt.turn)
			if !errors.Is(err, ErrInvalid) || applied {
				t.Errorf("applied=%v err=%v, want ErrInvalid", applied, err)
			}
		})
	}
	st, _ := db.Stats()
	for b, n := range st.Buckets {
		if b != "meta" && n != 0 {
			t.Errorf("an invalid turn wrote %d keys to %s", n, b)
		}
	}
}

func TestCommitTurnTwiceWithTheSameUpdate(t *testing.T) {
	db := openTest(t)
	u := mustPut(t, db, update("telegram:1", "telegram:5"))
	turn := Turn{Update: &u, LearnerID: "telegram:5", Answers: []Answer{answer("q1", true)}, Outbox: []Message{msg("telegram", "telegram:5", "text")}}
	results := make([]bool, 2)
	for i := range results {
		applied, err := db.CommitTurn(turn)
		if err != nil {
			t.Fatal(err)
		}
		results[i] = applied
	}
	if !results[0] || results[1] {
		t.Errorf("applied = %v, want [true false]", results)
	}
	// And concurrently: 32 workers racing with the same update.
	u2 := mustPut(t, db, update("telegram:2", "telegram:5"))
	turn.Update = &u2
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied int
	)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := db.CommitTurn(turn)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				applied++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if applied != 1 {
		t.Errorf("the same update was applied %d times", applied)
	}
	if a, _ := db.Answers("telegram:5"); len(a) != 2 {
		t.Errorf("%d answers, want 2", len(a))
	}
	if n, _ := db.OutboxDepth("telegram"); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

func TestCommitTurnConcurrentWorkers(t *testing.T) {
	db := openTest(t)
	const workers, turns = 32, 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("telegram:%d", 1000+w%8) // 4 workers share each learner
			for i := range turns {
				key := fmt.Sprintf("telegram:w%d-t%d", w, i)
				u, _, err := db.PutInbox(Update{Key: key, LearnerID: id})
				if err != nil {
					t.Error(err)
					return
				}
				for range 2 { // every turn is committed twice: the second must be a no-op
					if _, err := db.CommitTurn(Turn{Update: &u, Learner: &Learner{ID: id, Lang: "fr"}, Session: json.RawMessage(`{}`),
						Answers: []Answer{{Item: key}}, Outbox: []Message{msg("telegram", id, key)}}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()

	seen := map[string]bool{}
	seqs := map[uint64]bool{}
	total := 0
	for l := range 8 {
		answers, err := db.Answers(fmt.Sprintf("telegram:%d", 1000+l))
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range answers {
			if seen[a.Item] || seqs[a.Seq] {
				t.Errorf("duplicate answer %+v", a)
			}
			if i > 0 && a.Seq <= answers[i-1].Seq {
				t.Errorf("answers out of order: %d after %d", a.Seq, answers[i-1].Seq)
			}
			if a.Item != a.UpdateKey {
				t.Errorf("answer %q tied to update %q", a.Item, a.UpdateKey)
			}
			seen[a.Item], seqs[a.Seq] = true, true
			total++
		}
	}
	if total != workers*turns {
		t.Errorf("%d answers, want exactly %d", total, workers*turns)
	}
	if n, _ := db.OutboxDepth("telegram"); n != workers*turns {
		t.Errorf("%d messages, want %d", n, workers*turns)
	}
	if in, _ := db.Inbox(0); len(in) != 0 {
		t.Errorf("%d updates left in the inbox", len(in))
	}
	if n, _ := db.CountLearners(); n != 8 {
		t.Errorf("%d learners, want 8", n)
	}
}

// TestTurnApplyIsIdempotent runs the transaction function the way a group commit may:
// rolled back and run again, or (defensively) twice in one transaction.
func TestTurnApplyIsIdempotent(t *testing.T) {
	db := openTest(t)
	u := mustPut(t, db, update("telegram:1", "telegram:5"))
	p, err := prepareTurn(Turn{Update: &u, LearnerID: "telegram:5", Answers: []Answer{answer("q1", true)},
		Outbox: []Message{msg("telegram", "telegram:5", "text")}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	// Run, then roll back as Batch does when another call of the batch fails.
	rollback := errors.New("another call failed")
	if err := db.bolt.Update(func(tx *bbolt.Tx) error {
		if err := p.apply(tx); err != nil || !p.applied {
			t.Fatalf("first run: %v %v", p.applied, err)
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	// The replay commits; running it twice in the same transaction applies once.
	if err := db.bolt.Update(func(tx *bbolt.Tx) error {
		if err := p.apply(tx); err != nil || !p.applied {
			t.Fatalf("replay: %v %v", p.applied, err)
		}
		if err := p.apply(tx); err != nil || p.applied {
			t.Fatalf("second run in the same tx: applied=%v %v", p.applied, err)
		}
		p.applied = true // the committed run was the one that applied
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a, _ := db.Answers("telegram:5")
	if len(a) != 1 || a[0].Seq != 1 {
		t.Errorf("answers = %+v: the rolled back run must leave no trace, not even a sequence number", a)
	}
	if m, _ := db.PendingOutbox("telegram", t0, 0, nil); len(m) != 1 || m[0].ID != 1 {
		t.Errorf("outbox = %+v", m)
	}
}

func TestSchedulerTurnWithoutUpdate(t *testing.T) {
	db := openTest(t)
	turn := Turn{LearnerID: "telegram:5", Outbox: []Message{msg("telegram", "telegram:5", "lesson")}}
	mustCommit(t, db, turn)
	mustCommit(t, db, turn) // no update key: nothing to deduplicate on, both are applied
	if n, _ := db.OutboxDepth("telegram"); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

func TestReadsOfMissingLearner(t *testing.T) {
	db := openTest(t)
	if _, ok, err := db.Learner("nobody"); ok || err != nil {
		t.Errorf("Learner: %v %v", ok, err)
	}
	if s, ok, err := db.Session("nobody"); ok || err != nil || s != nil {
		t.Errorf("Session: %s %v %v", s, ok, err)
	}
	if a, err := db.Answers("nobody"); len(a) != 0 || err != nil {
		t.Errorf("Answers: %v %v", a, err)
	}
}

func TestAnswersDoNotLeakAcrossPrefixes(t *testing.T) {
	db := openTest(t)
	// "telegram:1" is a prefix of "telegram:12": the NUL separator keeps them apart.
	for _, id := range []string{"telegram:1", "telegram:12", "telegram:1\xff"} {
		mustCommit(t, db, Turn{LearnerID: id, Answers: []Answer{answer("q-"+id, true)}})
	}
	a, _ := db.Answers("telegram:1")
	if len(a) != 1 || a[0].Item != "q-telegram:1" {
		t.Errorf("answers of telegram:1 = %+v", a)
	}
}

func TestMarkUnreachable(t *testing.T) {
	c := newClock()
	db := openTest(t, withClock(c.Now))
	mustCommit(t, db, Turn{Learner: &Learner{ID: "telegram:5", Lang: "fr"}})
	tests := []struct {
		name    string
		id      string
		v       bool
		wantErr error
	}{
		{"blocked the bot", "telegram:5", true, nil},
		{"again", "telegram:5", true, nil},
		{"came back", "telegram:5", false, nil},
		{"unknown learner", "telegram:6", true, ErrNotFound},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Set(t0.Add(time.Duration(i+1) * time.Minute))
			err := db.MarkUnreachable(tt.id, tt.v)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			l, _, _ := db.Learner(tt.id)
			if l.Unreachable != tt.v {
				t.Errorf("Unreachable = %v", l.Unreachable)
			}
		})
	}
	l, _, _ := db.Learner("telegram:5")
	if !l.UpdatedAt.Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("UpdatedAt = %v: a change must move it, a no-op must not", l.UpdatedAt)
	}
	db = reopen(t, db)
	if l, _, _ := db.Learner("telegram:5"); l.Unreachable {
		t.Error("reachability lost on reopen")
	}
}

func TestCountLearners(t *testing.T) {
	db := openTest(t)
	for i := range 3 {
		if n, err := db.CountLearners(); err != nil || n != i {
			t.Fatalf("CountLearners = %d %v, want %d", n, err, i)
		}
		mustCommit(t, db, Turn{Learner: &Learner{ID: fmt.Sprintf("console:%d", i)}})
	}
	mustCommit(t, db, Turn{Learner: &Learner{ID: "console:0", Lang: "en"}}) // an upsert is not a new learner
	if n, _ := db.CountLearners(); n != 3 {
		t.Errorf("CountLearners = %d, want 3", n)
	}
}
