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
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"runtime/debug"
	"strings"
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

// Sender delivers outbox messages of one channel. It returns a reference the
// channel may need later (the Telegram message id, to edit a question).
type Sender interface {
	Send(ctx context.Context, m storage.Message) (ref string, err error)
}

// ErrUnreachable is returned (wrapped) by a Sender when the recipient can never
// be reached again (the learner blocked the bot): their messages are dropped.
var ErrUnreachable = errors.New("recipient unreachable")

// unreachable tells whether a send error means the recipient is gone: the
// ErrUnreachable sentinel, or an error with an Unreachable() true method
// (channels need not import this package).
func unreachable(err error) bool {
	var u interface{ Unreachable() bool }
	return errors.Is(err, ErrUnreachable) || errors.As(err, &u) && u.Unreachable()
}

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

// handleSafely runs one turn; a panic or an error parks the update in the
// dead-letter bucket and the bot goes on.
func (b *Bot) handleSafely(ctx context.Context, u storage.Update) {
	start := b.cfg.Now()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		err = b.handle(ctx, u)
	}()
	if err == nil {
		b.metrics.Turns.Add(1)
		took := b.cfg.Now().Sub(start)
		b.metrics.TurnSeconds.Observe(took)
		if b.onTurn != nil {
			b.onTurn(took)
		}
		b.cfg.Log.Debug().Str("update", u.Key).Dur("took", took).Msg("turn")
		return
	}
	b.metrics.DeadLetters.Add(1)
	b.cfg.Log.Error().Err(err).Str("update", u.Key).Str("channel", u.Channel).Msg("update parked in the dead-letter bucket")
	if dlErr := b.cfg.DB.DeadLetter(u, err.Error(), b.cfg.Now()); dlErr != nil {
		b.cfg.Log.Error().Err(dlErr).Str("update", u.Key).Msg("cannot park the update")
	}
}

// handle runs the dialog for one update and commits the turn.
func (b *Bot) handle(ctx context.Context, u storage.Update) error {
	var in dialog.Input
	if err := json.Unmarshal(u.Payload, &in); err != nil {
		return fmt.Errorf("update payload is not a dialog input: %w", err)
	}
	var sess dialog.Session
	raw, found, err := b.cfg.DB.Session(u.LearnerID)
	if err == nil && found {
		if jerr := json.Unmarshal(raw, &sess); jerr != nil {
			err = fmt.Errorf("stored session of the learner is unreadable: %w", jerr)
		}
	}
	if err != nil {
		if in.Kind != inExpire {
			return err
		}
		// The erasure does not depend on the value it erases: an
		// unreadable session counts as silent (the sweep did the same).
		sess, found = dialog.Session{}, false
	}
	learner, known, err := b.cfg.DB.Learner(u.LearnerID)
	if err != nil {
		return err
	}
	now := b.cfg.Now()
	if in.Kind == inExpire {
		// Checked again here, in the learner's order: a message that came
		// after the sweep keeps them.
		cutoff := now.Add(-KeepLearners)
		if !known || learner.UpdatedAt.After(cutoff) || found && sess.UpdatedAt.After(cutoff) {
			_, err := b.cfg.DB.CommitTurn(storage.Turn{Update: &u})
			return err
		}
		// A message of theirs may be waiting behind this update: the
		// session does not show it yet, the erasure (in its transaction)
		// does, and keeps them; the message is handled next.
		// Storage logs which it was.
		_, err := b.cfg.DB.CommitTurn(storage.Turn{Update: &u, LearnerID: u.LearnerID, Erase: true, KeepIfWaiting: true})
		return err
	}
	if in.Kind == dialog.InTick || in.Kind == dialog.InAdvisor {
		// Not from the learner: never creates one, and nothing more for
		// someone who blocked the bot.
		if !known || (in.Kind == dialog.InTick && learner.Unreachable) {
			zero := time.Time{}
			_, err := b.cfg.DB.CommitTurn(storage.Turn{Update: &u, LearnerID: u.LearnerID, Due: &zero})
			return err
		}
	}
	if in.Kind == dialog.InText && !textIsAnAnswer(sess) {
		// A campaign code typed alone, as the advisor wrote it on paper,
		// opens the campaign as its link would.
		if code, ok := NormalizeCode(in.Text); ok {
			if _, found, err := b.cfg.DB.Campaign(code); err != nil {
				return err
			} else if found {
				in = dialog.Input{Kind: dialog.InCommand, Command: "start", Args: code, FirstName: in.FirstName, Lang: in.Lang}
			}
		}
	}
	env := dialog.Env{Now: now, Engine: b.cfg.Engine, Bank: b.cfg.Bank, Random: b.cfg.Random(),
		FollowUp: b.cfg.FollowUp, Lesson: b.cfg.Lesson, Define: b.cfg.Define,
		NoAdvisor: b.cfg.NoAdvisor}
	if in.Kind == dialog.InCommand && in.Command == "start" && in.Args != "" {
		if c, ok, err := b.cfg.DB.Campaign(in.Args); err != nil {
			return err
		} else if ok && c.ArchivedAt == nil {
			env.Campaign = &dialog.Campaign{Code: c.Code, Name: c.Name, Competences: c.Competences, Profile: c.Profile,
				MaxQuestions: c.MaxQuestions, Feedback: c.Feedback, AskExternalID: c.AskExternalID, PathLength: c.PathLength,
				HelpHours: c.HelpHours, ExternalIDKind: c.ExternalIDKind}
		}
	}
	turn, err := b.step(sess, in, env)
	if err != nil {
		return err
	}
	if in.Kind == dialog.InTick || in.Kind == dialog.InAdvisor {
		// The session's time is the learner's last exchange (retention,
		// reports): the bot's own turns and the advisor's do not move it.
		// A learner left at the erase question with a path under way gets a
		// tick every day, and would otherwise be kept for ever.
		turn.Session.UpdatedAt = sess.UpdatedAt
	}
	b.cfg.Log.Debug().Str("update", u.Key).Strs("transitions", turn.Transitions).Msg("step")
	if outs, held := b.flood.filter(u.LearnerID, turn, now); held {
		turn.Outputs = outs
		b.metrics.FloodHeld.Add(1)
	}

	channel := u.Channel
	if known {
		channel = learner.Channel // the scheduler and advisors speak through the learner's channel
	}
	var out []storage.Message
	var issued *storage.IssuedAttestation
	var placesLine string // the advisor's line of the places proposed in this turn
	for _, o := range turn.Outputs {
		if o.Kind == dialog.OutAttestation && !turn.Erase {
			if issued != nil {
				return fmt.Errorf("the dialog asked for two attestations in one turn")
			}
			if issued, err = b.attestation(u.LearnerID, &o, now); err != nil {
				return err
			}
		}
		if o.Kind == dialog.OutPlaces {
			if placesLine, err = b.fillPlaces(&o, now); err != nil {
				return err
			}
		}
		if o.Kind == dialog.OutExport {
			data, err := b.cfg.DB.Export(u.LearnerID)
			if err != nil {
				return err
			}
			o.File, o.FileName = data, "mes-donnees-diagbot.json"
		}
		payload, err := json.Marshal(o)
		if err != nil {
			return err
		}
		if o.Kind == dialog.OutResults {
			// The picture is its own outbox entry, so a failure of the text
			// after it never sends the picture twice.
			out = append(out, storage.Message{Channel: channel, To: u.LearnerID, Kind: KindResultsChart, Payload: payload})
		}
		out = append(out, storage.Message{Channel: channel, To: u.LearnerID, Kind: string(o.Kind), Payload: payload})
	}
	about := u.LearnerID
	if turn.Erase {
		about = "" // the advisor's "erased" notice keeps no link to the learner
	}
	for _, ev := range turn.Events {
		b.withPalier(&ev)
		if ev.Kind == dialog.EvPlaces {
			ev.Text = placesLine
		}
		payload, err := json.Marshal(dialog.Notification{Event: ev, LearnerID: about, At: now})
		if err != nil {
			return err
		}
		to := DefaultNotifyTo
		if ev.Campaign != "" {
			if c, ok, _ := b.cfg.DB.Campaign(ev.Campaign); ok && c.SlackChannel != "" {
				to = c.SlackChannel
			}
		}
		// Updates of a help notification, and the learner's messages into
		// its thread, go where it was posted, after it.
		if ev.Ref != "" {
			to, _, _ = strings.Cut(ev.Ref, ":")
		} else if ev.Kind == dialog.EvHelpMessage {
			if ref, ok, _ := b.cfg.DB.HelpThread(u.LearnerID); ok {
				to, _, _ = strings.Cut(ref, ":")
			}
		}
		out = append(out, storage.Message{Channel: NotifyChannel, To: to, About: about, Kind: "notify_" + string(ev.Kind), Payload: payload})
		b.cfg.Log.Info().Str("event", string(ev.Kind)).Str("campaign", ev.Campaign).Msg("advisor notification queued")
	}
	hooks, err := b.webhookMessages(u, sess, turn, now)
	if err != nil {
		return err
	}
	out = append(out, hooks...)
	if turn.Erase {
		// One transaction removes every trace (this update is marked seen)
		// and queues the goodbye: a crash cannot keep one without the other.
		_, err := b.cfg.DB.CommitTurn(storage.Turn{Update: &u, LearnerID: u.LearnerID, Erase: true, Outbox: out})
		if err != nil {
			return err
		}
		b.wakeAll()
		return nil
	}

	before := learner
	if !known {
		learner = storage.Learner{ID: u.LearnerID, Channel: channel, ChatID: chatOf(u.LearnerID), CreatedAt: now}
	}
	learner.FirstName = turn.Session.FirstName
	learner.Lang = turn.Session.Lang
	learner.ExternalID = turn.Session.ExternalID
	if turn.Session.Campaign != nil {
		learner.Campaign = turn.Session.Campaign.Code
	}
	// The learner record changes rarely; rewriting it at every answer would
	// dirty one more page per turn for nothing.
	var upsert *storage.Learner
	if !known || learner != before {
		learner.UpdatedAt = now
		upsert = &learner
	}
	sessJSON, err := json.Marshal(turn.Session)
	if err != nil {
		return err
	}
	var answers []storage.Answer
	for _, a := range turn.Answers {
		answers = append(answers, storage.Answer{LearnerID: u.LearnerID, UpdateKey: u.Key, Item: a.Item,
			Correct: a.Correct, Skipped: a.Skipped, Response: a.Response, At: now, Order: a.Order})
	}
	var due *time.Time
	// A tick's entry was taken off the schedule: always write the next one.
	if next := turn.Session.Due(); in.Kind == dialog.InTick || !next.Equal(sess.Due()) {
		due = &next
	}
	help, closeHelp := helpChange(sess, turn.Session)
	_, err = b.cfg.DB.CommitTurn(storage.Turn{Update: &u, Learner: upsert, LearnerID: u.LearnerID,
		Session: sessJSON, Answers: answers, Outbox: out, Due: due, Help: help, CloseHelp: closeHelp, Attestation: issued})
	if err != nil {
		return err
	}
	if issued != nil {
		b.metrics.Attestations.Add(1)
	}
	b.wakeAll()
	return ctx.Err()
}

// helpChange keeps the record of open help requests in step with the
// session: opened (now), claimed (same time, new advisor), closed.
func helpChange(before, after dialog.Session) (*storage.HelpOpen, bool) {
	switch {
	case after.HelpPending && (!before.HelpPending || before.HelpClaimed != after.HelpClaimed):
		h := &storage.HelpOpen{ClaimedBy: after.HelpClaimed}
		if after.Campaign != nil {
			h.Campaign = after.Campaign.Code
		}
		return h, false
	case before.HelpPending && !after.HelpPending:
		return nil, true
	}
	return nil, false
}

// textIsAnAnswer tells whether typed text is taken as it is in the
// session's state: an answer to a question or a check, an identifier, a
// message for the advisor. Elsewhere a campaign code typed alone is read as
// one.
func textIsAnAnswer(s dialog.Session) bool {
	switch s.State {
	case dialog.StateQuestion, dialog.StateExternalID, dialog.StateHelp:
		return true
	}
	return s.Path != nil && s.Path.Check != nil
}

func chatOf(learnerID string) string {
	for i := 0; i < len(learnerID); i++ {
		if learnerID[i] == ':' {
			return learnerID[i+1:]
		}
	}
	return learnerID
}

func (b *Bot) wakeAll() {
	for _, w := range b.wake {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// sendParallelism bounds the sends in flight per channel.
const sendParallelism = 64

// pollEvery is how often a dispatcher looks at the outbox without being woken
// (retries that came due).
const pollEvery = 200 * time.Millisecond

// dispatch sends one channel's outbox: the oldest pending message of each
// recipient, so order within a chat holds; success marks it sent, a failure
// schedules a retry with backoff, an unreachable recipient drops their queue.
//
// Sends run concurrently, up to sendParallelism, one per recipient at a
// time. As soon as a send is over, the outbox is read again for the
// recipients not being served: a chat waiting for its rate limit (or a slow
// send) holds up nobody else, and a recipient's next message goes out as
// soon as the one before it is done, not after a whole round of others.
func (b *Bot) dispatch(ctx context.Context, name string, s Sender) {
	ticker := time.NewTicker(pollEvery)
	defer ticker.Stop()
	var (
		mu       sync.Mutex
		inflight = make(map[string]bool) // recipients with a send under way
		wg       sync.WaitGroup
	)
	defer wg.Wait()
	freed := make(chan struct{}, 1) // a send is over: its recipient may have more
	for ctx.Err() == nil {
		// The recipients being served are copied before the outbox is read:
		// one whose send ends during the read may still look pending in it.
		// A send leaves the set only once its outcome is committed, so a read
		// that starts after that sees the outcome.
		mu.Lock()
		room := sendParallelism - len(inflight)
		busy := maps.Clone(inflight)
		mu.Unlock()
		if room > 0 {
			msgs, err := b.cfg.DB.PendingOutbox(name, b.cfg.Now(), room, func(to string) bool { return busy[to] })
			if err != nil {
				b.cfg.Log.Error().Err(err).Str("channel", name).Msg("cannot read the outbox")
			}
			for _, m := range msgs {
				mu.Lock()
				inflight[m.To] = true
				mu.Unlock()
				wg.Add(1)
				go func() {
					defer wg.Done()
					b.sendOne(ctx, name, s, m)
					mu.Lock()
					delete(inflight, m.To)
					mu.Unlock()
					select {
					case freed <- struct{}{}:
					default:
					}
				}()
			}
		}
		select {
		case <-ctx.Done():
		case <-freed:
		case <-b.wake[name]:
		case <-ticker.C:
		}
	}
}

// sendOne sends m and records the outcome: sent, to retry later, dropped.
func (b *Bot) sendOne(ctx context.Context, name string, s Sender, m storage.Message) {
	ref, err := s.Send(ctx, m)
	log := b.cfg.Log
	switch {
	case err == nil:
		b.metrics.Sent.Add(1)
		b.record(ctx, "mark a message sent", func() error {
			if m.Kind == KindNotifyHelp {
				return b.cfg.DB.MarkSentHelp(m, ref)
			}
			return b.cfg.DB.MarkSent(m)
		})
	case unreachable(err):
		b.metrics.Dropped.Add(1)
		log.Warn().Str("channel", name).Str("to", m.To).Msg("recipient unreachable: their messages are dropped")
		if m.Channel != NotifyChannel {
			b.record(ctx, "mark a learner unreachable", func() error { return b.cfg.DB.MarkUnreachable(m.To, true) })
		}
		b.record(ctx, "drop the messages of an unreachable recipient", func() error {
			_, err := b.cfg.DB.DropTo(name, m.To, "unreachable")
			return err
		})
	case ctx.Err() != nil:
		// shutting down: the message stays pending for the next run
	default:
		b.metrics.SendErrors.Add(1)
		if name == NotifyChannel {
			b.metrics.SlackRetries.Add(1)
		}
		if m.Attempts+1 >= b.cfg.MaxAttempts {
			b.metrics.Dropped.Add(1)
			log.Error().Err(err).Str("channel", name).Uint64("message", m.ID).Msg("giving up on a message")
			b.record(ctx, "drop a message", func() error { return b.cfg.DB.Drop(m.ID, "too many failed attempts: "+err.Error()) })
			return
		}
		var wait time.Duration = b.cfg.Backoff(m.Attempts + 1)
		var ra interface{ RetryAfter() time.Duration }
		if errors.As(err, &ra) && ra.RetryAfter() > 0 {
			b.metrics.RateLimited.Add(1)
			wait = max(wait, ra.RetryAfter())
		}
		log.Warn().Err(err).Str("channel", name).Uint64("message", m.ID).Dur("retry_in", wait).Msg("send failed, will retry")
		b.record(ctx, "schedule a retry", func() error { return b.cfg.DB.Retry(m.ID, b.cfg.Now().Add(wait), err.Error()) })
	}
}

// record stores the outcome of a send, trying again with backoff until it is
// stored or the bot stops. Meanwhile the recipient stays busy: going on
// without the outcome would send the same message again at once, in a loop,
// for as long as the disk refuses writes. A message that is no longer there
// (erased meanwhile) has nothing left to record.
func (b *Bot) record(ctx context.Context, what string, fn func() error) {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || errors.Is(err, storage.ErrNotFound) {
			return
		}
		b.cfg.Log.Error().Err(err).Str("what", what).Int("attempt", attempt).Msg("cannot record the outcome of a send; trying again")
		t := time.NewTimer(b.cfg.Backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			b.cfg.Log.Error().Str("what", what).Msg("stopping before the outcome of a send was recorded: the message may be sent again")
			return
		case <-t.C:
		}
	}
}
