package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// recSender records what it sends and fails on demand.
type recSender struct {
	mu   sync.Mutex
	sent map[string][]dialog.Output
	fail func(m storage.Message) error
	ch   chan struct{}
}

func newRecSender() *recSender {
	return &recSender{sent: map[string][]dialog.Output{}, ch: make(chan struct{}, 1000000)}
}

func (r *recSender) Send(_ context.Context, m storage.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return "", err
		}
	}
	var o dialog.Output
	json.Unmarshal(m.Payload, &o)
	r.sent[m.To] = append(r.sent[m.To], o)
	r.ch <- struct{}{}
	return fmt.Sprint(m.ID), nil
}

func (r *recSender) count(to string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent[to])
}

type harness struct {
	t      *testing.T
	db     *storage.DB
	bot    *Bot
	rec    *recSender
	stop   context.CancelFunc // nil until run
	done   chan error
	seq    int
	closed bool
}

// start runs a bot on a new file at path.
func start(t *testing.T, path string, tweak func(*Config)) *harness {
	t.Helper()
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h := prepare(t, db, tweak)
	h.run()
	return h
}

// prepare builds a bot on db, not running yet (run starts it); the bot's
// end closes db.
func prepare(t *testing.T, db *storage.DB, tweak func(*Config)) *harness {
	t.Helper()
	bk, eng := loadTestEngine(t)
	rec := newRecSender()
	cfg := Config{DB: db, Bank: bk, Engine: eng, Log: zerolog.Nop(), Shards: 4,
		Senders: map[string]Sender{"test": rec}, Backoff: func(int) time.Duration { return time.Millisecond }}
	if tweak != nil {
		tweak(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, bot: b, rec: rec, done: make(chan error, 1)}
	t.Cleanup(h.close)
	return h
}

func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { h.done <- h.bot.Run(ctx) }()
}

func (h *harness) close() {
	if h.closed {
		return
	}
	h.closed = true
	if h.stop != nil {
		h.stop()
		<-h.done
	}
	h.db.Close()
}

// eventually fails the test unless cond holds within d; what says what was
// awaited when it did not.
func eventually(t *testing.T, d time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what())
		}
		time.Sleep(time.Millisecond)
	}
}

func (h *harness) send(learner, text string) {
	h.t.Helper()
	h.seq++
	p, _ := json.Marshal(dialog.ParseText(text))
	if err := h.bot.Receive(storage.Update{Key: fmt.Sprintf("%s:%d", learner, h.seq), Channel: "test", LearnerID: learner, Payload: p}); err != nil {
		h.t.Fatal(err)
	}
}

// waitIdle waits until the inbox and the test outbox are empty.
func (h *harness) waitIdle() {
	h.t.Helper()
	eventually(h.t, 10*time.Second, func() bool {
		in, _ := h.db.Inbox(1)
		depth, _ := h.db.OutboxDepth("test")
		return len(in) == 0 && depth == 0
	}, func() string { return "bot not idle after 10 s" })
}

func TestConversationThroughTheBot(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	h.send("test:1", "/start")
	h.send("test:1", "oui")
	h.send("test:1", "je ne sais pas")
	h.send("test:1", "/aide je suis perdu")
	h.waitIdle()
	got := h.rec.sent["test:1"]
	var kinds []dialog.OutputKind
	for _, o := range got {
		kinds = append(kinds, o.Kind)
	}
	if len(got) < 6 || !slices.Contains(kinds, dialog.OutQuestion) || !slices.Contains(kinds, dialog.OutAnswered) {
		t.Fatalf("outputs %v", kinds)
	}
	answers, _ := h.db.Answers("test:1")
	if len(answers) != 1 || !answers[0].Skipped {
		t.Fatalf("answers %+v", answers)
	}
	// Notifications wait in the slack outbox (no Slack configured here).
	if n, _ := h.db.OutboxDepth(NotifyChannel); n != 2 { // started, help
		t.Errorf("%d advisor notifications queued, want 2", n)
	}
	l, ok, _ := h.db.Learner("test:1")
	if !ok || l.Lang != "fr" || l.ChatID != "1" {
		t.Errorf("learner %+v", l)
	}
}

func TestPanicParksTheUpdate(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	// A payload that is not a dialog input is an error; a nil engine would panic.
	if err := h.bot.Receive(storage.Update{Key: "bad:1", Channel: "test", LearnerID: "test:9", Payload: json.RawMessage(`"x"`)}); err != nil {
		t.Fatal(err)
	}
	h.bot.cfg.Engine = nil // the next turn panics inside dialog
	h.send("test:8", "/start")
	h.send("test:8", "oui")
	h.waitIdle()
	dl, _ := h.db.DeadLetters()
	if len(dl) != 2 {
		t.Fatalf("%d dead letters, want 2", len(dl))
	}
	if h.bot.Metrics().DeadLetters.Load() != 2 {
		t.Error("dead letters not counted")
	}
	// The bot goes on: the same worker handles the next updates, the
	// learner whose turn panicked included.
	_, eng := loadTestEngine(t)
	h.bot.cfg.Engine = eng
	h.send("test:8", "/start")
	h.send("test:7", "/start")
	h.waitIdle()
	for _, l := range []string{"test:7", "test:8"} {
		if h.rec.count(l) == 0 {
			t.Errorf("%s got no answer after the panic", l)
		}
	}
	if dl, _ := h.db.DeadLetters(); len(dl) != 2 {
		t.Errorf("%d dead letters after the bot went on, want 2", len(dl))
	}
}

type retryAfterErr struct{ d time.Duration }

func (e retryAfterErr) Error() string             { return "429" }
func (e retryAfterErr) RetryAfter() time.Duration { return e.d }

func TestRetriesAndUnreachable(t *testing.T) {
	var mu sync.Mutex
	failures := map[string]int{}
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	h.rec.fail = func(m storage.Message) error {
		mu.Lock()
		defer mu.Unlock()
		switch m.To {
		case "test:flaky":
			if failures[m.To] < 3 {
				failures[m.To]++
				if failures[m.To] == 2 {
					return retryAfterErr{10 * time.Millisecond}
				}
				return errors.New("500")
			}
		case "test:blocked":
			return fmt.Errorf("403: %w", ErrUnreachable)
		}
		return nil
	}
	for _, l := range []string{"test:flaky", "test:blocked", "test:fine"} {
		h.send(l, "/start")
		h.send(l, "oui")
	}
	h.waitIdle()
	if n := h.rec.count("test:flaky"); n != h.rec.count("test:fine") || n == 0 {
		t.Errorf("flaky got %d messages, fine %d: retries must deliver all, once", n, h.rec.count("test:fine"))
	}
	if h.rec.count("test:blocked") != 0 {
		t.Error("blocked learner got messages")
	}
	if l, _, _ := h.db.Learner("test:blocked"); !l.Unreachable {
		t.Error("blocked learner not marked unreachable")
	}
	// Order within the flaky chat is the order of the turns.
	var kinds []string
	for _, o := range h.rec.sent["test:flaky"] {
		kinds = append(kinds, string(o.Kind))
	}
	var fine []string
	for _, o := range h.rec.sent["test:fine"] {
		fine = append(fine, string(o.Kind))
	}
	if !slices.Equal(kinds, fine) {
		t.Errorf("flaky order %v, want %v", kinds, fine)
	}
}

// TestShutdownLosesNothing: stopping in the middle keeps what was received;
// the next run finishes it and sends every message once.
func TestShutdownLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	h := start(t, path, nil)
	for i := 0; i < 30; i++ {
		l := fmt.Sprintf("test:%d", i)
		h.send(l, "/start")
		h.send(l, "oui")
		h.send(l, "1")
	}
	h.close()
	first := h.rec
	h2 := start(t, path, nil)
	h2.waitIdle()
	for i := 0; i < 30; i++ {
		l := fmt.Sprintf("test:%d", i)
		n := first.count(l) + h2.rec.count(l)
		raw, _, _ := h2.db.Session(l)
		var s dialog.Session
		json.Unmarshal(raw, &s)
		if s.Engine == nil || len(s.Engine.Responses) != 1 {
			t.Fatalf("%s: not all turns handled after restart", l)
		}
		// welcome, privacy, intro, question 1, answered, question 2
		if n != 6 {
			t.Errorf("%s: %d messages delivered across the restart, want exactly 6", l, n)
		}
	}
}

// BenchmarkTurns: many learners answering at once through the bot core on a
// real bbolt file with fsync, as fast as the bot stores their answers
// (saturation). Reports answers/s, the p99 of storing an answer, and the
// exact p99 turn.
func BenchmarkTurns(b *testing.B) {
	TuneGC()
	for _, learners := range []int{1000} {
		b.Run(fmt.Sprintf("learners=%d", learners), func(b *testing.B) {
			db, err := storage.Open(filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			bk, eng := loadTestEngine(b)
			bt, _ := New(Config{DB: db, Bank: bk, Engine: eng, Log: zerolog.Nop(),
				Senders: map[string]Sender{"test": nopSender{}}})
			turns := recordTurns(bt)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- bt.Run(ctx) }()
			defer func() { cancel(); <-done }()
			var seq atomic.Int64
			mk := func(l, n int, text string) storage.Update {
				p, _ := json.Marshal(dialog.ParseText(text))
				// Keys grow in arrival order, as Telegram's update ids do.
				return storage.Update{Key: fmt.Sprintf("b%d:%09d", b.N, seq.Add(1)), Channel: "test", LearnerID: fmt.Sprintf("test:%d", l), Payload: p}
			}
			for l := 0; l < learners; l++ { // everyone at a question
				bt.Receive(mk(l, 0, "/start"))
				bt.Receive(mk(l, 1, "oui"))
			}
			for in, _ := db.Inbox(1); len(in) > 0; in, _ = db.Inbox(1) {
				time.Sleep(time.Millisecond)
			}
			var lat []time.Duration
			var mu sync.Mutex
			turns.start()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			per := max(1, b.N/learners)
			for l := 0; l < learners; l++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; n < per; n++ {
						t0 := time.Now()
						bt.Receive(mk(l, n+2, "je ne sais pas"))
						mu.Lock()
						lat = append(lat, time.Since(t0))
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			for in, _ := db.Inbox(1); len(in) > 0; in, _ = db.Inbox(1) {
				time.Sleep(time.Millisecond)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(per*learners)/elapsed.Seconds(), "answers/s")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-receive-ms")
			// The turn itself (dequeued → loaded, stepped, committed), exact.
			p99, _ := turns.quantile(0.99, 0)
			b.ReportMetric(float64(p99.Microseconds())/1000, "p99-turn-ms")
		})
	}
}

func TestAdminMetricsAndHealth(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	h.send("test:1", "/start")
	h.send("test:1", "oui") // the advisor's "started" notification waits (no Slack here)
	h.waitIdle()
	srv := httptest.NewServer(AdminHandler(h.db, "tok", h.bot.Metrics()))
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/metrics")
	for _, want := range []string{"diagbot_turns_total 2", "diagbot_updates_received_total 2", `diagbot_outbox_depth{channel="slack"} 1`,
		`diagbot_turn_seconds_bucket{le="+Inf"} 2`, `diagbot_turn_seconds_bucket{le="0.02"}`, "diagbot_rate_limited_total 0",
		"diagbot_help_requests_open 0", "diagbot_slack_redeliveries_total 0", "diagbot_slack_retries_total 0",
		"# TYPE diagbot_turn_seconds histogram", "go_goroutines ", "go_memstats_heap_alloc_bytes ", "process_resident_memory_bytes "} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	// The disk's work: turns and updates stored committed, pages written.
	for _, name := range []string{"diagbot_db_commits_total", "diagbot_db_writes_total", "diagbot_db_pages_written_total"} {
		n := int64(-1)
		if _, after, ok := strings.Cut(body, "\n"+name+" "); ok {
			fmt.Sscan(after, &n)
		}
		if n < 2 {
			t.Errorf("/metrics: %s is %d, want at least 2", name, n)
		}
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("/healthz %d %s", code, body)
	}
	if code, _ := get("/backup"); code != http.StatusUnauthorized {
		t.Errorf("/backup without token: %d", code)
	}
}

// TestStopWithAFullOutbox: stopping while more than a page of messages waits
// must not spin: Run returns and the messages stay for the next run.
func TestStopWithAFullOutbox(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	block := make(chan struct{})
	h := start(t, path, nil)
	h.rec.fail = func(storage.Message) error { <-block; return errors.New("slow network") }
	for i := 0; i < 150; i++ {
		h.send(fmt.Sprintf("test:%d", i), "/start") // 2 messages each: 300 pending
	}
	for in, _ := h.db.Inbox(1); len(in) > 0; in, _ = h.db.Inbox(1) {
		time.Sleep(time.Millisecond)
	}
	stopped := make(chan struct{})
	go func() { h.stop(); <-h.done; close(stopped) }()
	close(block)
	select {
	case <-stopped:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return with a full outbox")
	}
	h.db.Close()
	h.stop = nil
}

// gateSender holds every message to one recipient until its gate opens.
type gateSender struct {
	*recSender
	held string
	gate chan struct{}
}

func (g gateSender) Send(ctx context.Context, m storage.Message) (string, error) {
	if m.To == g.held {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return g.recSender.Send(ctx, m)
}

// TestSlowChatHoldsUpNobody: while a send to one chat hangs (its rate limit,
// a slow network), other learners go through a whole conversation, and the
// slow chat then gets its messages in order.
func TestSlowChatHoldsUpNobody(t *testing.T) {
	gate := make(chan struct{})
	var rec *recSender
	h := start(t, filepath.Join(t.TempDir(), "b.db"), func(c *Config) {
		rec = newRecSender()
		c.Senders = map[string]Sender{"test": gateSender{recSender: rec, held: "test:slow", gate: gate}}
	})
	h.send("test:slow", "/start")
	h.send("test:fast", "/start")
	h.send("test:fast", "oui")
	for i := 0; i < 5; i++ {
		h.send("test:fast", "je ne sais pas")
	}
	questions := func() (n int) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, o := range rec.sent["test:fast"] {
			if o.Kind == dialog.OutQuestion {
				n++
			}
		}
		return n
	}
	eventually(t, 10*time.Second, func() bool { return questions() >= 6 }, func() string {
		return fmt.Sprintf("the fast learner got %d questions of 6 while one chat hung: held up by it", questions())
	})
	if n := rec.count("test:slow"); n != 0 {
		t.Fatalf("the held chat got %d messages", n)
	}
	close(gate)
	h.waitIdle()
	kinds := func(to string) (k []dialog.OutputKind) {
		for _, o := range rec.sent[to] {
			k = append(k, o.Kind)
		}
		return k
	}
	slow, fast := kinds("test:slow"), kinds("test:fast")
	if len(slow) == 0 || !slices.Equal(slow, fast[:len(slow)]) {
		t.Errorf("the slow chat got %v, want the start of %v", slow, fast)
	}
}

// countSender counts the sends of each message; the first send breaks the
// disk (as a full disk would) before the dispatcher marks it sent.
type countSender struct {
	mu     sync.Mutex
	sends  map[uint64]int
	broken *atomic.Bool
	once   sync.Once
}

func (c *countSender) Send(_ context.Context, m storage.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sends[m.ID]++
	c.once.Do(func() { c.broken.Store(true) })
	return "ok", nil
}

// TestSentButNotMarkedIsNotResent: when the disk refuses to record that a
// message was sent, the dispatcher keeps trying to record it instead of
// sending it again; once the disk is back, every message goes out once.
func TestSentButNotMarkedIsNotResent(t *testing.T) {
	var broken atomic.Bool
	var faults atomic.Int64
	db, err := storage.Open(filepath.Join(t.TempDir(), "b.db"), storage.WithWriteFault(func() error {
		if broken.Load() {
			faults.Add(1)
			return errors.New("no space left on device")
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	cs := &countSender{sends: map[uint64]int{}, broken: &broken}
	h := prepare(t, db, func(c *Config) { c.Senders = map[string]Sender{"test": cs} })
	h.send("test:1", "/start")
	h.run()
	// The dispatcher tried to record the first send 20 times.
	eventually(t, 10*time.Second, func() bool { return faults.Load() >= 20 }, func() string { return "the disk never broke" })
	cs.mu.Lock()
	for id, n := range cs.sends {
		if n != 1 {
			t.Errorf("message %d sent %d times while the disk refused to record it", id, n)
		}
	}
	sent := len(cs.sends)
	cs.mu.Unlock()
	if sent != 1 {
		t.Errorf("%d messages sent while the first could not be recorded, want 1 (the others wait behind it)", sent)
	}
	broken.Store(false)
	depth := func() int { n, _ := db.OutboxDepth("test"); return n }
	eventually(t, 10*time.Second, func() bool { return depth() == 0 },
		func() string { return fmt.Sprintf("%d messages left after the disk came back", depth()) })
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for id, n := range cs.sends {
		if n != 1 {
			t.Errorf("message %d sent %d times", id, n)
		}
	}
	if len(cs.sends) < 2 {
		t.Errorf("%d messages delivered after /start, want the welcome and the privacy notice", len(cs.sends))
	}
}

// TestUpdatesBeforeRunKeepTheirOrder: updates received before Run has
// queued the inbox left by the last run are queued by Run, once and in
// order, not also by Receive (which put a learner's answers before the
// consent they follow, and handled updates twice).
func TestUpdatesBeforeRunKeepTheirOrder(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := prepare(t, db, nil)
	b := h.bot
	texts := []string{"/start", "oui", "1", "2", "je ne sais pas"}
	for _, text := range texts {
		h.send("test:1", text)
	}
	h.run()
	eventually(t, 10*time.Second, func() bool { return b.Metrics().Turns.Load() >= int64(len(texts)) },
		func() string { return fmt.Sprintf("%d turns of %d", b.Metrics().Turns.Load(), len(texts)) })
	time.Sleep(20 * time.Millisecond) // a second queueing would show now
	if n := b.Metrics().Turns.Load(); n != int64(len(texts)) {
		t.Errorf("%d turns for %d updates: some were handled twice", n, len(texts))
	}
	answers, _ := db.Answers("test:1")
	if len(answers) != 3 {
		t.Errorf("%d answers logged, want 3", len(answers))
	}
	for i, a := range answers {
		if want := fmt.Sprintf("test:1:%d", i+3); a.UpdateKey != want { // h.send numbers from 1
			t.Errorf("answer %d from %s, want %s", i, a.UpdateKey, want)
		}
	}
}

// TestReplayDoesNotHoldUpIntake: while the inbox left by the last run is
// worked through, new updates are stored (and acknowledged) at once.
func TestReplayDoesNotHoldUpIntake(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	const backlog = 1200 // far more than the shards' queues hold
	p, _ := json.Marshal(dialog.ParseText("/start"))
	var us []storage.Update
	for i := range backlog {
		us = append(us, storage.Update{Key: fmt.Sprintf("old%d", i), Channel: "test", LearnerID: fmt.Sprintf("test:%d", i), Payload: p})
	}
	if _, err := db.PutInboxBatch(us); err != nil {
		t.Fatal(err)
	}
	h := prepare(t, db, func(c *Config) { c.Shards = 2 })
	b := h.bot
	h.run()
	turns := func() int64 { return b.Metrics().Turns.Load() }
	eventually(t, 30*time.Second, func() bool { return turns() > 0 }, func() string { return "the replay never began" })
	if err := b.Receive(storage.Update{Key: "new", Channel: "test", LearnerID: "test:new", Payload: p}); err != nil {
		t.Fatal(err)
	}
	if n := b.Metrics().Turns.Load(); n > backlog/2 {
		t.Errorf("a new update was stored only after %d turns of the %d-update backlog", n, backlog)
	}
	eventually(t, 30*time.Second, func() bool { return turns() >= backlog+1 },
		func() string { return fmt.Sprintf("%d turns of %d after 30 s", turns(), backlog+1) })
}

// TestEraseThroughTheBot: /supprimer then "1" removes the learner, and the
// goodbye and the advisor's notice (which names nobody) go out, both stored
// in the transaction that erased them.
func TestEraseThroughTheBot(t *testing.T) {
	notes := &noteSender{}
	h := start(t, filepath.Join(t.TempDir(), "b.db"), func(c *Config) { c.Senders[NotifyChannel] = notes })
	h.send("test:5", "/start")
	h.send("test:5", "oui")
	h.send("test:5", "je ne sais pas")
	h.send("test:6", "/start") // someone else, untouched
	h.waitIdle()
	if a, _ := h.db.Answers("test:5"); len(a) != 1 {
		t.Fatalf("%d answers before the erasure, want 1", len(a))
	}
	h.send("test:5", "/supprimer")
	h.send("test:5", "1")
	h.waitIdle()
	if _, err := h.db.Export("test:5"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("export after the erasure: %v, want ErrNotFound", err)
	}
	if _, ok, _ := h.db.Learner("test:6"); !ok {
		t.Error("the other learner was erased too")
	}
	h.rec.mu.Lock()
	sent := h.rec.sent["test:5"]
	last := sent[len(sent)-1]
	h.rec.mu.Unlock()
	if !strings.Contains(last.Text, dialog.T("fr", "erased")) {
		t.Errorf("last message %q, want the goodbye", last.Text)
	}
	eventually(t, 5*time.Second, func() bool { return slices.Contains(notes.kinds(), "notify_erased>"+DefaultNotifyTo) },
		func() string { return fmt.Sprintf("no erased notice among %v", notes.kinds()) })
	notes.mu.Lock()
	defer notes.mu.Unlock()
	for _, m := range notes.notes {
		if m.Kind == "notify_erased" && (m.About != "" || strings.Contains(string(m.Payload), "test:5")) {
			t.Errorf("the erased notice still names the learner: %+v", m)
		}
	}
}
