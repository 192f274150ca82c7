package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// TestRetention: the privacy notice promises twelve months. A learner silent
// for longer is erased by the daily housekeeping, through their worker; one
// who spoke within the year, or whose learner record is old but who spoke
// since, is kept; a learner who writes after the sweep queued them, before
// their worker got to it, is kept too. Nothing of the erased is left in
// the file, the handled keys of the bot's own updates included.
func TestRetention(t *testing.T) {
	clock := &simClock{now: time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "b.db")
	h := start(t, path, func(c *Config) { c.Now = clock.Now; c.TickEvery = time.Hour })

	// Day 0: three learners take a few questions.
	for _, l := range []string{"test:101", "test:102", "test:103"} {
		h.send(l, "/start")
		h.send(l, "oui")
		h.send(l, "je ne sais pas")
	}
	h.waitIdle()
	// Two months later test:102 comes back (their learner record does not
	// change: only their session's time does).
	clock.Add(60 * 24 * time.Hour)
	h.send("test:102", "je ne sais pas")
	h.waitIdle()

	// Thirteen months after day 0: test:101 and test:103 are past the year.
	clock.Add(335 * 24 * time.Hour)
	if err := h.bot.Tick(); err != nil {
		t.Fatal(err)
	}
	h.waitIdle()
	for _, c := range []struct {
		id   string
		kept bool
	}{{"test:101", false}, {"test:102", true}, {"test:103", false}} {
		_, ok, _ := h.db.Learner(c.id)
		answers, _ := h.db.Answers(c.id)
		if ok != c.kept || (len(answers) > 0) != c.kept {
			t.Errorf("%s: learner kept %v with %d answers, want kept %v", c.id, ok, len(answers), c.kept)
		}
	}
	// The sweep runs once a day, not at every tick.
	if err := h.bot.Tick(); err != nil {
		t.Fatal(err)
	}

	// The worker checks again: an erasure queued while the learner writes
	// keeps them. Queued by hand here, as the sweep would.
	clock.Add(400 * 24 * time.Hour)
	h.send("test:102", "/resultats")
	if _, _, err := h.db.PutInbox(storage.Update{Key: botKey("expire"), Channel: ScheduleChannel, LearnerID: "test:102",
		Payload: []byte(`{"kind":"expire"}`)}); err != nil {
		t.Fatal(err)
	}
	h.close()
	h = start(t, path, func(c *Config) { c.Now = clock.Now; c.TickEvery = time.Hour })
	h.waitIdle()
	if _, ok, _ := h.db.Learner("test:102"); !ok {
		t.Error("test:102 wrote before their erasure was handled, and was erased anyway")
	}
	h.close()

	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(bucket []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				for _, gone := range []string{"test:101", "test:103"} {
					if bytes.Contains(k, []byte(gone)) || bytes.Contains(v, []byte(gone)) {
						t.Errorf("bucket %s still holds %s: %q", bucket, gone, k)
					}
				}
				return nil
			})
		})
	})
}

// TestBotKeysNameNobody: the keys of the bot's own updates (ticks) stay in
// "seen" after the learner is erased, so they must not name the learner.
func TestBotKeysNameNobody(t *testing.T) {
	clock := &simClock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	db, err := storage.Open(filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := prepare(t, db, func(c *Config) { c.Now = clock.Now; c.TickEvery = time.Hour })
	due := clock.Now().Add(-time.Minute)
	for _, id := range []string{"telegram:5551234", "telegram:5551235"} {
		if _, err := db.CommitTurn(storage.Turn{LearnerID: id, Due: &due}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.bot.Tick(); err != nil {
		t.Fatal(err)
	}
	in, _ := db.Inbox(0)
	if len(in) != 2 || in[0].Key == in[1].Key {
		t.Fatalf("inbox %+v, want two ticks with their own keys", in)
	}
	for _, u := range in {
		if bytes.Contains([]byte(u.Key), []byte("555123")) {
			t.Errorf("tick key %q names the learner", u.Key)
		}
	}
}

// TestExpireKeepsALearnerWhoseMessageWaits: the sweep queued the erasure of
// a learner silent for a year, and the learner writes before their worker
// gets to it. Their message is behind the erasure in their order, so the
// worker's check of the session alone still finds them silent: the erasure
// must see the message waiting, keep them, and let the message be answered
// (it was acknowledged: it must not be swallowed as "handled").
func TestExpireKeepsALearnerWhoseMessageWaits(t *testing.T) {
	clock := &simClock{now: time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "b.db")
	tweak := func(c *Config) { c.Now = clock.Now; c.TickEvery = time.Hour }
	h := start(t, path, tweak)
	h.send("test:301", "/start")
	h.send("test:301", "oui")
	h.send("test:301", "je ne sais pas")
	h.waitIdle()
	h.close()

	clock.Add(400 * 24 * time.Hour)
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h = prepare(t, db, tweak)
	// The erasure the sweep queued, then the learner's message, both in the
	// inbox before the worker handles either.
	if _, _, err := db.PutInbox(storage.Update{Key: botKey("expire"), Channel: ScheduleChannel, LearnerID: "test:301",
		Payload: []byte(`{"kind":"expire"}`)}); err != nil {
		t.Fatal(err)
	}
	p, _ := json.Marshal(dialog.ParseText("je ne sais pas"))
	if err := h.bot.Receive(storage.Update{Key: "test:301:late", Channel: "test", LearnerID: "test:301", Payload: p}); err != nil {
		t.Fatal(err)
	}
	h.run()
	h.waitIdle()
	if _, ok, _ := db.Learner("test:301"); !ok {
		t.Fatal("the learner wrote while their erasure was queued, and was erased anyway")
	}
	if answers, _ := db.Answers("test:301"); len(answers) != 2 {
		t.Errorf("%d answers, want 2: the message that came after the sweep was not handled", len(answers))
	}
	if h.rec.count("test:301") == 0 {
		t.Error("the learner's message got no answer")
	}
}

// TestTicksDoNotKeepALearner: the twelve months run from the learner's
// last message, not from the bot's own turns. A learner left at the erase
// question (or in a help request) with a path under way gets a tick every
// day, for ever; each tick must not make them look active.
func TestTicksDoNotKeepALearner(t *testing.T) {
	clock := &simClock{now: time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC)}
	h := start(t, filepath.Join(t.TempDir(), "b.db"), func(c *Config) { c.Now = clock.Now; c.TickEvery = time.Hour })
	h.send("test:302", "/start")
	h.send("test:302", "oui")
	h.send("test:302", "je ne sais pas")
	h.waitIdle()
	raw, _, _ := h.db.Session("test:302")
	var before dialog.Session
	json.Unmarshal(raw, &before)

	// Two hundred days later the scheduler's tick is handled.
	clock.Add(200 * 24 * time.Hour)
	due := clock.Now().Add(-time.Minute)
	if _, err := h.db.CommitTurn(storage.Turn{LearnerID: "test:302", Due: &due}); err != nil {
		t.Fatal(err)
	}
	if err := h.bot.Tick(); err != nil {
		t.Fatal(err)
	}
	h.waitIdle()
	eventually(t, 5*time.Second, func() bool { return h.bot.Metrics().Turns.Load() >= 4 },
		func() string { return "the tick was not handled" })
	raw, _, _ = h.db.Session("test:302")
	var after dialog.Session
	json.Unmarshal(raw, &after)
	if !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("a tick moved the learner's last activity from %v to %v", before.UpdatedAt, after.UpdatedAt)
	}

	// A year and five days after their last message: erased.
	clock.Add(170 * 24 * time.Hour)
	if err := h.bot.Tick(); err != nil {
		t.Fatal(err)
	}
	h.waitIdle()
	eventually(t, 5*time.Second, func() bool { _, ok, _ := h.db.Learner("test:302"); return !ok },
		func() string { return "a learner silent for more than a year is kept: the bot's own tick kept them" })
}

// TestExpireInBatches: the first sweep of a file older than a year finds
// most learners past their time at once. Each erasure scans the inbox and
// the campaign index in a write transaction, so queueing them all at once
// made the work quadratic and held every live turn behind it (and blocked
// Receive on full shard queues). The sweep queues at most expireBatch,
// oldest first, and takes the rest a few minutes later, not a day later.
func TestExpireInBatches(t *testing.T) {
	clock := &simClock{now: time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC)}
	db, err := storage.Open(filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := prepare(t, db, func(c *Config) { c.Now = clock.Now; c.TickEvery = time.Hour })
	h.bot.expireBatch = 2
	h.run()
	ids := []string{"test:401", "test:402", "test:403", "test:404", "test:405"}
	for _, id := range ids {
		h.send(id, "/start")
		h.waitIdle()
		clock.Add(time.Minute) // test:401 is the oldest
	}
	kept := func() (n int) {
		for _, id := range ids {
			if _, ok, _ := db.Learner(id); ok {
				n++
			}
		}
		return n
	}
	clock.Add(400 * 24 * time.Hour)
	for i, want := range []int{3, 3, 1, 0} {
		if err := h.bot.Tick(); err != nil {
			t.Fatal(err)
		}
		h.waitIdle()
		eventually(t, 5*time.Second, func() bool { return kept() == want },
			func() string { return fmt.Sprintf("sweep %d: %d learners kept, want %d", i, kept(), want) })
		if i == 0 {
			if _, ok, _ := db.Learner("test:401"); ok {
				t.Error("the oldest learner was not among the first erased")
			}
			clock.Add(time.Minute) // too soon for the next batch
		} else {
			clock.Add(expireRetry)
		}
	}
}

// TestExpireAnUnreadableSession: the sweep counts a learner whose session
// cannot be read as silent (their learner record is old), and the erasure
// does not depend on the value it erases; the worker must not fail on it
// first, or the learner is parked in the dead letters every day and never
// erased.
func TestExpireAnUnreadableSession(t *testing.T) {
	clock := &simClock{now: time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC)}
	h := start(t, filepath.Join(t.TempDir(), "b.db"), func(c *Config) { c.Now = clock.Now; c.TickEvery = time.Hour })
	const id = "test:501"
	if _, err := h.db.CommitTurn(storage.Turn{Learner: &storage.Learner{ID: id, Channel: "test", Lang: "fr", UpdatedAt: clock.Now()},
		Session: json.RawMessage(`"not a session"`)}); err != nil {
		t.Fatal(err)
	}
	clock.Add(400 * 24 * time.Hour)
	if err := h.bot.Tick(); err != nil {
		t.Fatal(err)
	}
	h.waitIdle()
	if dl, _ := h.db.DeadLetters(); len(dl) != 0 {
		t.Errorf("the erasure was parked: %+v", dl)
	}
	if _, ok, _ := h.db.Learner(id); ok {
		t.Error("a learner silent for more than a year, with an unreadable session, is kept")
	}
}
