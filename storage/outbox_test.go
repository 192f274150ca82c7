package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// enqueueAll adds the messages in order and returns their IDs.
func enqueueAll(t *testing.T, db *DB, ms ...Message) []uint64 {
	t.Helper()
	out, err := db.Enqueue(ms...)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]uint64, len(out))
	for i, m := range out {
		ids[i] = m.ID
	}
	return ids
}

func kinds(ms []Message) string {
	var k []string
	for _, m := range ms {
		k = append(k, m.Kind)
	}
	return strings.Join(k, " ")
}

func TestPendingOutbox(t *testing.T) {
	later := t0.Add(time.Minute)
	at := func(m Message, nb time.Time) Message { m.NotBefore = nb; return m }
	tests := []struct {
		name  string
		msgs  []Message
		now   time.Time
		limit int
		want  string
	}{
		{
			name: "one per chat, in ID order",
			msgs: []Message{msg("telegram", "a", "a1"), msg("telegram", "b", "b1"), msg("telegram", "a", "a2"), msg("telegram", "c", "c1")},
			now:  t0, want: "a1 b1 c1",
		},
		{
			name: "a head waiting for its NotBefore blocks the rest of its chat",
			msgs: []Message{at(msg("telegram", "a", "a1"), later), msg("telegram", "a", "a2"), msg("telegram", "b", "b1")},
			now:  t0, want: "b1",
		},
		{
			name: "the head is due once its time has come",
			msgs: []Message{at(msg("telegram", "a", "a1"), later), msg("telegram", "a", "a2")},
			now:  later, want: "a1",
		},
		{
			name: "a later message due earlier still waits for its head",
			msgs: []Message{at(msg("telegram", "a", "a1"), later.Add(time.Hour)), at(msg("telegram", "a", "a2"), t0)},
			now:  later, want: "",
		},
		{
			name: "channels are separate queues",
			msgs: []Message{msg("slack", "a", "s1"), msg("telegram", "a", "t1"), msg("slack", "#ml", "s2")},
			now:  t0, want: "t1",
		},
		{
			name: "limit",
			msgs: []Message{msg("telegram", "a", "a1"), msg("telegram", "b", "b1"), msg("telegram", "c", "c1")},
			now:  t0, limit: 2, want: "a1 b1",
		},
		{
			name: "limit counts only returned messages",
			msgs: []Message{at(msg("telegram", "a", "a1"), later), msg("telegram", "b", "b1"), msg("telegram", "c", "c1")},
			now:  t0, limit: 2, want: "b1 c1",
		},
		{name: "empty", now: t0, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			if len(tt.msgs) > 0 {
				enqueueAll(t, db, tt.msgs...)
			}
			got, err := db.PendingOutbox("telegram", tt.now, tt.limit, nil)
			if err != nil {
				t.Fatal(err)
			}
			if kinds(got) != tt.want {
				t.Errorf("pending = %q, want %q", kinds(got), tt.want)
			}
		})
	}
}

func TestOutboxDeliveryKeepsChatOrder(t *testing.T) {
	// A dispatcher loop: the head fails once with a backoff, its chat waits,
	// other chats go on, then the chat resumes in order.
	db := openTest(t)
	enqueueAll(t, db, msg("telegram", "a", "a1"), msg("telegram", "a", "a2"), msg("telegram", "b", "b1"), msg("telegram", "b", "b2"))
	var delivered []string
	now := t0
	for round := 0; round < 10; round++ {
		pending, err := db.PendingOutbox("telegram", now, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pending {
			if m.Kind == "a1" && m.Attempts == 0 {
				if err := db.Retry(m.ID, now.Add(30*time.Second), "429 Too Many Requests"); err != nil {
					t.Fatal(err)
				}
				continue
			}
			delivered = append(delivered, m.Kind)
			if err := db.MarkSent(m); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(10 * time.Second)
	}
	if got := strings.Join(delivered, " "); got != "b1 b2 a1 a2" {
		t.Errorf("delivered %q", got)
	}
}

func TestMarkSent(t *testing.T) {
	db := openTest(t)
	ids := enqueueAll(t, db, msg("telegram", "a", "question"), msg("telegram", "b", "question"))
	for range 2 { // idempotent: a dispatcher may mark again after a crash
		if err := db.MarkSent(Message{ID: ids[0], Channel: "telegram"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.MarkSent(Message{ID: ids[1] + 100, Channel: "telegram"}); err != nil { // unknown: already marked and gone
		t.Errorf("marking an unknown message: %v", err)
	}
	if n, _ := db.OutboxDepth(""); n != 1 {
		t.Errorf("outbox depth %d after MarkSent, want 1", n)
	}
	st, _ := db.Stats()
	if st.Buckets["outbox_chan"] != 1 {
		t.Errorf("channel index holds %d entries, want 1", st.Buckets["outbox_chan"])
	}
	if m, _ := db.PendingOutbox("telegram", t0, 0, nil); len(m) != 1 || m[0].ID != ids[1] {
		t.Errorf("pending after MarkSent: %+v", m)
	}
}

func TestRetry(t *testing.T) {
	db := openTest(t)
	ids := enqueueAll(t, db, msg("slack", "#ml", "notify"))
	next := t0.Add(time.Minute)
	for i := 1; i <= 3; i++ {
		if err := db.Retry(ids[0], next, fmt.Sprintf("error %d", i)); err != nil {
			t.Fatal(err)
		}
		m, _ := db.PendingOutbox("slack", next, 0, nil)
		if len(m) != 1 || m[0].Attempts != i || !m[0].NotBefore.Equal(next) || m[0].LastError != fmt.Sprintf("error %d", i) {
			t.Errorf("after %d retries: %+v", i, m)
		}
	}
	if m, _ := db.PendingOutbox("slack", t0, 0, nil); len(m) != 0 {
		t.Errorf("a message waiting for its retry was returned: %+v", m)
	}
	if err := db.Retry(999, next, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Retry of an unknown message: %v, want ErrNotFound", err)
	}
}

func TestDropAndDropTo(t *testing.T) {
	c := newClock()
	db := openTest(t, withClock(c.Now))
	for _, id := range []string{"telegram:1", "telegram:2"} {
		mustCommit(t, db, Turn{Learner: &Learner{ID: id, Channel: "telegram"}})
	}
	ids := enqueueAll(t, db,
		msg("telegram", "telegram:1", "a"), msg("telegram", "telegram:2", "b"),
		msg("telegram", "telegram:1", "c"), msg("slack", "telegram:1", "not telegram"),
		msg("telegram", "telegram:1", "d"))
	if err := db.Drop(ids[0], "test"); err != nil {
		t.Fatal(err)
	}
	if err := db.Drop(ids[0], "again"); err != nil {
		t.Errorf("dropping twice: %v", err)
	}
	n, err := db.DropTo("telegram", "telegram:1", "403 Forbidden: bot was blocked by the user")
	if err != nil || n != 2 {
		t.Fatalf("DropTo = %d %v, want 2", n, err)
	}
	if n, _ := db.DropTo("telegram", "telegram:1", "again"); n != 0 {
		t.Errorf("second DropTo dropped %d", n)
	}
	tg, _ := db.PendingOutbox("telegram", t0, 0, nil)
	sl, _ := db.PendingOutbox("slack", t0, 0, nil)
	if kinds(tg) != "b" || kinds(sl) != "not telegram" {
		t.Errorf("left: telegram %q, slack %q", kinds(tg), kinds(sl))
	}
	dropped, err := db.Dropped()
	if err != nil || len(dropped) != 3 {
		t.Fatalf("Dropped = %d %v", len(dropped), err)
	}
	if dropped[0].Reason != "test" || dropped[0].Message.Kind != "a" || !dropped[0].At.Equal(t0) || !strings.Contains(dropped[2].Reason, "blocked") {
		t.Errorf("dropped = %+v", dropped)
	}
	c.Set(t0.AddDate(0, 0, 31))
	if err := db.Drop(ids[1], "late"); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PruneDropped(t0.AddDate(0, 0, 1)); err != nil || n != 3 {
		t.Errorf("PruneDropped = %d %v, want 3", n, err)
	}
	if d, _ := db.Dropped(); len(d) != 1 || d[0].Reason != "late" {
		t.Errorf("left after prune: %+v", d)
	}
}

// TestDropLeavesNoTraceOfAnErasedLearner: the goodbye to a learner who
// erased everything and blocked the bot cannot be delivered; it goes, and is
// not kept among the dropped messages, which would hold their id for
// KeepDropped. A dropped message to a learner still stored, or to an
// advisor's channel, is kept for the operator.
func TestDropLeavesNoTraceOfAnErasedLearner(t *testing.T) {
	db := openTest(t)
	mustCommit(t, db, Turn{Learner: &Learner{ID: "telegram:7", Channel: "telegram"}})
	enqueueAll(t, db, msg("telegram", "telegram:5551234", "goodbye"), msg("telegram", "telegram:7", "question"), msg("slack", "C9", "notify_erased"))
	for _, to := range []struct{ channel, to string }{{"telegram", "telegram:5551234"}, {"telegram", "telegram:7"}, {"slack", "C9"}} {
		if n, err := db.DropTo(to.channel, to.to, "403 Forbidden: bot was blocked by the user"); err != nil || n != 1 {
			t.Fatalf("DropTo(%s) = %d %v", to.to, n, err)
		}
	}
	dropped, _ := db.Dropped()
	if kinds := func() string {
		var k []string
		for _, d := range dropped {
			k = append(k, d.Message.Kind)
		}
		return strings.Join(k, " ")
	}(); kinds != "question notify_erased" {
		t.Errorf("dropped kept %q, want the question and the notice, not the erased learner's goodbye", kinds)
	}
}

func TestOutboxDepth(t *testing.T) {
	db := openTest(t)
	enqueueAll(t, db, msg("telegram", "a", "1"), msg("telegram", "b", "2"), msg("slack", "#x", "3"), msg("console", "console:local", "4"))
	tests := []struct {
		channel string
		want    int
	}{{"telegram", 2}, {"slack", 1}, {"console", 1}, {"", 4}, {"tele", 0}}
	for _, tt := range tests {
		if n, err := db.OutboxDepth(tt.channel); err != nil || n != tt.want {
			t.Errorf("OutboxDepth(%q) = %d %v, want %d", tt.channel, n, err, tt.want)
		}
	}
}

func TestEnqueue(t *testing.T) {
	c := newClock()
	db := openTest(t, withClock(c.Now))
	created := t0.Add(-time.Hour)
	m := msg("telegram", "a", "reply")
	m.CreatedAt = created
	out, err := db.Enqueue(msg("telegram", "a", "first"), m)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].ID == 0 || out[1].ID <= out[0].ID || !out[0].CreatedAt.Equal(t0) || !out[1].CreatedAt.Equal(created) {
		t.Errorf("enqueued %+v", out)
	}
	if _, err := db.Enqueue(Message{Channel: "telegram"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("message without To: %v", err)
	}
}

// TestEncodedMessageSplicesTheID: a message encoded before its transaction
// and given its id inside it is stored exactly as json.Marshal would.
func TestEncodedMessageSplicesTheID(t *testing.T) {
	db := openTest(t)
	m := Message{Channel: "telegram", To: "telegram:1", About: "telegram:1", Kind: "question",
		Payload: json.RawMessage(`{"text":"Question 1 · \u003cb\u003e"}`), CreatedAt: t0, NotBefore: t0.Add(time.Minute)}
	ids := enqueueAll(t, db, m, m)
	for _, id := range ids {
		want := m
		want.ID = id
		wantRaw, _ := json.Marshal(want)
		var got []byte
		db.bolt.View(func(tx *bbolt.Tx) error {
			got = append(got, tx.Bucket(bucketOutbox).Get(u64(id))...)
			return nil
		})
		if string(got) != string(wantRaw) {
			t.Errorf("stored %s\nwant   %s", got, wantRaw)
		}
	}
}

// TestMarkSentWithTheWrongChannel: marking a message with another channel
// than its own is refused and changes nothing (it would leave an index entry
// holding up the recipient's later messages).
func TestMarkSentWithTheWrongChannel(t *testing.T) {
	db := openTest(t)
	ids := enqueueAll(t, db, msg("telegram", "a", "1"), msg("telegram", "a", "2"))
	if err := db.MarkSent(Message{ID: ids[0], Channel: "slack"}); err == nil {
		t.Error("marking with the wrong channel succeeded")
	}
	if m, _ := db.PendingOutbox("telegram", t0, 0, nil); len(m) != 1 || m[0].ID != ids[0] {
		t.Fatalf("pending after a refused mark: %+v", m)
	}
	m, _ := db.PendingOutbox("telegram", t0, 0, nil)
	if err := db.MarkSent(m[0]); err != nil {
		t.Fatal(err)
	}
	if m, _ := db.PendingOutbox("telegram", t0, 0, nil); len(m) != 1 || m[0].ID != ids[1] {
		t.Errorf("pending after marking the first: %+v", m)
	}
}
