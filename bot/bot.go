// Package bot wires diagbot together: updates from channels go to the inbox,
// one worker per learner shard runs the dialog, and each turn is stored in one
// transaction with its outgoing messages; dispatchers then send the outbox.
//
//	channel → Receive (inbox commit, then ack) → shard worker → dialog.Step
//	        → storage.CommitTurn (session + answers + inbox removal + outbox)
//	        → dispatcher per channel → Sender → MarkSent
//
// A crash anywhere replays from the buckets: nothing lost, nothing twice.
package bot

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/bot/attest"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// NotifyChannel is the outbox channel of advisor notifications (Slack).
const NotifyChannel = "slack"

// KindResultsChart is the outbox kind of the results picture, sent before
// the results text (kind "results"); channels without pictures skip it.
const KindResultsChart = "results_chart"

// KindNotifyHelp is the outbox kind of a help request: where it is posted
// becomes the learner's help thread.
const KindNotifyHelp = "notify_" + string(dialog.EvHelp)

// DefaultNotifyTo addresses a notification to the configured default Slack
// channel, for learners without a campaign or campaigns without a channel.
const DefaultNotifyTo = "default"

// ErrStopped is returned by Receive once the bot is shutting down.
var ErrStopped = errors.New("diagbot is stopping: update not accepted")

// Config holds what a Bot needs.
type Config struct {
	DB     *storage.DB
	Bank   *bank.Bank
	Engine *engine.Engine
	Log    zerolog.Logger
	Now    func() time.Time // default time.Now
	Random func() uint64    // default crypto/rand
	// Shards is the number of workers; default 64. A turn waits mostly for
	// its commit, and the turns in flight are what a group commit can
	// share, so the bot handles up to Shards turns per commit time.
	Shards  int
	Senders map[string]Sender
	// Backoff returns the wait before retry n (from 1) of a failed send.
	Backoff func(n int) time.Duration
	// MaxAttempts before a message is dropped as undeliverable (default 20).
	MaxAttempts int
	// FollowUp is the schedule of the micro-lessons (time zone, quiet hours).
	FollowUp dialog.FollowUp
	// Lesson returns a skill's micro-lesson; nil = no follow-up path.
	Lesson func(competence, skill, lang string) (dialog.LessonView, bool)
	// NoAdvisor says no advisor reads the notifications (no Slack): help
	// then tells the learner so and gives a public helpline.
	NoAdvisor bool
	// Define returns the glossary's definition of a word; nil = the bank's
	// glossary, when the bank has one.
	Define func(lang, word string) (term, text string, ok bool)
	// TickEvery is how often the scheduler looks for due follow-ups
	// (default 30 s). Tests call Tick with their own clock instead.
	TickEvery time.Duration
	// Attest issues attestations (bot/attest); nil: a learner who asks for
	// one is told it is not available.
	Attest *attest.Issuer
}

// Bot is the running core.
type Bot struct {
	cfg     Config
	shards  []chan storage.Update
	wake    map[string]chan struct{}
	mu      sync.RWMutex
	stopped bool
	// replayed is set once Run has queued the inbox left by the last run.
	// Until then updates are only stored: queueing one before the older
	// ones of its learner still in the inbox would break the learner's order
	// (the crash test caught answers handled before the consent they follow).
	replayed bool
	workers  sync.WaitGroup
	metrics  Metrics
	// digestWeek is the ISO week whose digests are queued (EnqueueOnce makes
	// it exact across restarts; this only saves a scan per tick).
	digestWeek    string
	lastHousekeep time.Time
	// lastExpire is the last retention sweep; expireMore says it left
	// learners for the next one (expireBatch). Both under tickMu.
	lastExpire  time.Time
	expireMore  bool
	expireBatch int
	tickMu      sync.Mutex
	// onTurn, if set before Run, sees every turn's exact duration (the
	// histogram only knows buckets): benchmarks read exact quantiles.
	onTurn func(time.Duration)
	// places keeps the places decoded for the suggestions (places.go).
	places PlaceBook
	// step is dialog.Step; tests replace it to ask for outputs the dialog
	// does not give yet.
	step func(dialog.Session, dialog.Input, dialog.Env) (dialog.Turn, error)
	// flood holds back repeated reminders to a learner who floods the chat.
	flood floodGuard
}

// BankLessons serves the bank's micro-lessons to the dialog.
func BankLessons(bk *bank.Bank) func(competence, skill, lang string) (dialog.LessonView, bool) {
	return func(competence, skill, lang string) (dialog.LessonView, bool) {
		l, ok := bk.Lesson(competence, skill)
		if !ok {
			return dialog.LessonView{}, false
		}
		t := l.In(lang)
		return dialog.LessonView{Title: t.Title, Text: t.Text, Try: t.Try, Link: l.Link, Check: l.Check, Can: t.Can, Priority: l.Priority}, true
	}
}

// BankGlossary returns the bank's glossary lookup, or nil when the bank has
// no glossary.
func BankGlossary(bk *bank.Bank) func(lang, word string) (term, text string, ok bool) {
	if g, ok := any(bk).(interface {
		Define(lang, query string) (term, text string, ok bool)
	}); ok {
		return g.Define
	}
	return nil
}

// New checks the config and builds a bot; Run starts it.
func New(cfg Config) (*Bot, error) {
	if cfg.DB == nil || cfg.Bank == nil || cfg.Engine == nil {
		return nil, errors.New("bot: DB, Bank and Engine are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Random == nil {
		cfg.Random = func() uint64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			return binary.LittleEndian.Uint64(b[:])
		}
	}
	if cfg.Shards <= 0 {
		cfg.Shards = DefaultShards
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(n int) time.Duration {
			d := time.Second << min(n-1, 8) // 1 s, 2 s, 4 s … 256 s
			return d
		}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 20
	}
	if cfg.TickEvery <= 0 {
		cfg.TickEvery = 30 * time.Second
	}
	if cfg.Lesson == nil {
		cfg.Lesson = BankLessons(cfg.Bank)
	}
	if cfg.Define == nil {
		cfg.Define = BankGlossary(cfg.Bank)
	}
	b := &Bot{cfg: cfg, wake: map[string]chan struct{}{}, expireBatch: expireBatch, step: dialog.Step}
	for i := 0; i < cfg.Shards; i++ {
		b.shards = append(b.shards, make(chan storage.Update, 256))
	}
	for name := range cfg.Senders {
		b.wake[name] = make(chan struct{}, 1)
	}
	return b, nil
}

// DefaultShards is the number of workers of a bot whose Config sets none.
// With 16, a turn that waited 5 ms for its commit capped the bot at 3,200
// turns/s; the benchmarks, with 64, measure what diagbot run does.
const DefaultShards = 64

// Metrics returns the bot's counters.
func (b *Bot) Metrics() *Metrics { return &b.metrics }

// Receive stores an update in the inbox and queues it for its learner's
// worker. When it returns nil the update is safe: the channel may acknowledge
// it. A duplicate (a replay) returns nil and does nothing.
func (b *Bot) Receive(u storage.Update) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.stopped {
		return ErrStopped
	}
	if u.ReceivedAt.IsZero() {
		u.ReceivedAt = b.cfg.Now()
	}
	u, added, err := b.cfg.DB.PutInbox(u)
	if err != nil {
		return err
	}
	b.metrics.Received.Add(1)
	if !added {
		b.metrics.Duplicates.Add(1)
		if u.Channel == NotifyChannel {
			b.metrics.SlackRedeliveries.Add(1)
		}
		return nil
	}
	if b.replayed {
		b.shards[b.shard(u.LearnerID)] <- u
	}
	return nil
}

// ReceiveBatch stores many updates in one transaction (Telegram polling moves
// its offset only after this returns) and queues the new ones.
func (b *Bot) ReceiveBatch(us []storage.Update) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.stopped {
		return ErrStopped
	}
	now := b.cfg.Now()
	for i := range us {
		if us[i].ReceivedAt.IsZero() {
			us[i].ReceivedAt = now
		}
	}
	added, err := b.cfg.DB.PutInboxBatch(us)
	if err != nil {
		return err
	}
	b.metrics.Received.Add(int64(len(us)))
	b.metrics.Duplicates.Add(int64(len(us) - len(added)))
	if b.replayed { // else Run's replay queues them
		for _, u := range added {
			b.shards[b.shard(u.LearnerID)] <- u
		}
	}
	return nil
}

func (b *Bot) shard(learnerID string) int {
	h := fnv.New32a()
	h.Write([]byte(learnerID))
	return int(h.Sum32() % uint32(len(b.shards)))
}

// Run replays the inbox left by a previous run, then handles updates and
// sends the outbox until ctx is cancelled. On cancel it stops intake,
// finishes the turns in flight, stops the dispatchers and returns; the caller
// closes the database.
func (b *Bot) Run(ctx context.Context) error {
	// The inbox is read while no update can be stored, so every update
	// stored before is in it, and every one after is queued by Receive. Each
	// worker handles its part of it before its channel: intake is not held
	// up while a long backlog is worked through.
	b.mu.Lock()
	pending, err := b.cfg.DB.Inbox(0)
	if err != nil {
		b.stopped = true
		b.mu.Unlock()
		return err
	}
	replay := make([][]storage.Update, len(b.shards))
	for _, u := range pending {
		i := b.shard(u.LearnerID)
		replay[i] = append(replay[i], u)
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	for i := range b.shards {
		b.workers.Add(1)
		go b.worker(workCtx, ctx.Done(), replay[i], b.shards[i])
	}
	b.replayed = true
	b.mu.Unlock()
	if len(pending) > 0 {
		b.cfg.Log.Info().Int("updates", len(pending)).Msg("replaying the inbox left by the last run")
	}
	var disp sync.WaitGroup
	dispCtx, stopDisp := context.WithCancel(context.WithoutCancel(ctx))
	for name, s := range b.cfg.Senders {
		disp.Add(1)
		go func() { defer disp.Done(); b.dispatch(dispCtx, name, s) }()
	}
	sched := make(chan struct{})
	go func() { defer close(sched); b.schedule(ctx) }()
	<-ctx.Done()
	<-sched
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
	for _, ch := range b.shards {
		close(ch) // workers drain what is queued, then stop
	}
	b.workers.Wait()
	stopWork()
	b.flush(ctx)
	stopDisp()
	disp.Wait()
	return nil
}

// FlushTimeout bounds how long a stopping bot keeps sending its outbox.
const FlushTimeout = 3 * time.Second

// flush gives the dispatchers a short time to send what the last turns
// queued; whatever is left stays in the outbox for the next run.
func (b *Bot) flush(context.Context) {
	deadline := time.Now().Add(FlushTimeout)
	for time.Now().Before(deadline) {
		left := 0
		for name := range b.cfg.Senders {
			// Only what is due: a message waiting for its retry would hold
			// every stop for the whole timeout.
			due, _ := b.cfg.DB.PendingOutbox(name, b.cfg.Now(), 1, nil)
			left += len(due)
		}
		if left == 0 {
			return
		}
		b.wakeAll()
		time.Sleep(5 * time.Millisecond)
	}
}

// worker handles its shard: first its part of the inbox left by the last
// run, then what Receive queues. A stop in the middle of the replay leaves the
// rest of it in the inbox, and what was queued after it too (handling that
// first would break a learner's order): the next run takes them up.
func (b *Bot) worker(ctx context.Context, stop <-chan struct{}, replay []storage.Update, in <-chan storage.Update) {
	defer b.workers.Done()
	for _, u := range replay {
		select {
		case <-stop:
			for range in { // left in the inbox
			}
			return
		default:
		}
		b.handleSafely(ctx, u)
	}
	for u := range in {
		b.handleSafely(ctx, u)
	}
}
