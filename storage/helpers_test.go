package storage

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2025, 11, 23, 9, 0, 0, 0, time.UTC)

// clock is a settable clock for withClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// openTest opens a fresh database file in t.TempDir, closed at cleanup.
func openTest(t testing.TB, opts ...Option) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "diagbot.db"), opts...)
}

func openAt(t testing.TB, path string, opts ...Option) *DB {
	t.Helper()
	db, err := Open(path, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// reopen closes db and opens its file again.
func reopen(t testing.TB, db *DB, opts ...Option) *DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openAt(t, db.Path(), opts...)
}

func update(key, learner string) Update {
	return Update{Key: key, Channel: "telegram", LearnerID: learner, ReceivedAt: t0,
		Payload: json.RawMessage(`{"text":"B"}`)}
}

func msg(channel, to, kind string) Message {
	return Message{Channel: channel, To: to, Kind: kind, Payload: json.RawMessage(`{"text":"Bonjour"}`)}
}

func answer(item string, correct bool) Answer {
	return Answer{Item: item, Correct: correct, Response: "B", At: t0}
}

func mustCommit(t testing.TB, db *DB, turn Turn) {
	t.Helper()
	applied, err := db.CommitTurn(turn)
	if err != nil {
		t.Fatalf("CommitTurn: %v", err)
	}
	if !applied {
		t.Fatalf("CommitTurn: not applied")
	}
}

func mustPut(t testing.TB, db *DB, u Update) Update {
	t.Helper()
	s, added, err := db.PutInbox(u)
	if err != nil {
		t.Fatalf("PutInbox(%s): %v", u.Key, err)
	}
	if !added {
		t.Fatalf("PutInbox(%s): not added", u.Key)
	}
	return s
}

func jsonEqual(t testing.TB, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want invalid JSON %s: %v", want, err)
	}
	if fmt.Sprint(g) != fmt.Sprint(w) {
		t.Fatalf("JSON differs:\n got %s\nwant %s", got, want)
	}
}
