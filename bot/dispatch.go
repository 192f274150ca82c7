package bot

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/diagbot/diagbot/storage"
)

// Sending the outbox: one dispatcher per channel, retries, unreachable recipients.

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
