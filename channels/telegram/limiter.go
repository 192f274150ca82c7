package telegram

import (
	"context"
	"sync"
	"time"
)

// Limiter keeps sends within Telegram's limits: per chat a bucket of Burst
// messages refilled at PerChat per second, and for the whole bot at most
// Global messages in any one-second window. Time is injected, so tests run
// in simulated time.
type Limiter struct {
	PerChat float64 // messages per second per chat (1)
	Burst   int     // short bursts per chat (3)
	Global  int     // messages per second for the bot (25)
	Now     func() time.Time
	Sleep   func(ctx context.Context, d time.Duration) error
	// Granted, if set, is told every send the limiter lets through, at the
	// time it decided (under its lock: keep it short). For metrics and for
	// tests that check the rates in simulated time.
	Granted func(chat int64, at time.Time)

	mu     sync.Mutex
	chats  map[int64]*bucket
	recent []time.Time // global send times within the last second, oldest first
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter returns a limiter with Telegram's documented limits and the real clock.
func NewLimiter() *Limiter {
	return &Limiter{PerChat: 1, Burst: 3, Global: 25, Now: time.Now, Sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait blocks until one message may be sent to chat, and counts it.
func (l *Limiter) Wait(ctx context.Context, chat int64) error {
	for {
		wait := l.take(chat)
		if wait <= 0 {
			return nil
		}
		if err := l.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// take consumes a send if allowed now, or says how long to wait.
func (l *Limiter) take(chat int64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	if l.chats == nil {
		l.chats = map[int64]*bucket{}
	}
	b := l.chats[chat]
	if b == nil {
		b = &bucket{tokens: float64(l.Burst), at: now}
		l.chats[chat] = b
	}
	b.tokens = min(float64(l.Burst), b.tokens+now.Sub(b.at).Seconds()*l.PerChat)
	b.at = now
	for len(l.recent) > 0 && now.Sub(l.recent[0]) >= time.Second {
		l.recent = l.recent[1:]
	}
	var wait time.Duration
	if b.tokens < 1 {
		wait = time.Duration((1 - b.tokens) / l.PerChat * float64(time.Second))
	}
	if len(l.recent) >= l.Global {
		wait = max(wait, l.recent[0].Add(time.Second).Sub(now))
	}
	if wait > 0 {
		return wait
	}
	b.tokens--
	l.recent = append(l.recent, now)
	if l.Granted != nil {
		l.Granted(chat, now)
	}
	if len(l.chats) > 100_000 { // forget idle chats now and then
		for id, c := range l.chats {
			if now.Sub(c.at) > time.Minute {
				delete(l.chats, id)
			}
		}
	}
	return 0
}
