package main

import (
	"context"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diagbot/diagbot/channels/telegram"
	"github.com/diagbot/diagbot/channels/telegram/telegramtest"
)

// virtualClock is simulated time for the limiter: sleeping moves it forward
// instead of waiting. Concurrent sleepers share one timeline; each wakes at
// or after its own deadline.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *virtualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	if target.After(c.now) {
		c.now = target
	}
	c.mu.Unlock()
	return nil
}

// TestTelegramRatesFiveHundredLearners: 500 learners start at once with the
// real Telegram limits in simulated time and 429s injected: no chat is sent
// more than its rate (1/s, bursts of 3), the bot never more than 25 in any
// second, and every message arrives once, in order per chat.
func TestTelegramRatesFiveHundredLearners(t *testing.T) {
	n := int64(500)
	if testing.Short() {
		n = 100
	}
	srv := telegramtest.NewServer(t)
	srv.Fail(telegramtest.Fault{Method: "sendMessage", Kind: telegramtest.TooManyRequests, RetryAfter: 1, Times: 25})
	clock := &virtualClock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	grants := map[int64][]time.Time{}
	var all []time.Time
	limiter := &telegram.Limiter{PerChat: 1, Burst: 3, Global: 25, Now: clock.Now, Sleep: clock.Sleep,
		Granted: func(chat int64, at time.Time) {
			mu.Lock()
			grants[chat] = append(grants[chat], at)
			all = append(all, at)
			mu.Unlock()
		}}
	serveWith(t, srv, filepath.Join(t.TempDir(), "rate.db"), func(cfg *runConfig) { cfg.limiter = limiter })

	for i := int64(1); i <= n; i++ {
		srv.SendText(1000+i, "L", "/start")
	}
	for i := int64(1); i <= n; i++ {
		consent := waitMessage(t, srv, 1000+i, func(m telegramtest.SentMessage) bool { return strings.Contains(m.Text, "Avant de commencer") })
		srv.PressButton(1000+i, int64(consent.MessageID), buttons(consent)[0].CallbackData)
	}
	for i := int64(1); i <= n; i++ {
		waitMessage(t, srv, 1000+i, func(m telegramtest.SentMessage) bool { return strings.Contains(m.Text+m.Caption, "Question 1 ·") })
	}
	want := []string{"Bonjour", "Avant de commencer", "C'est parti", "Question 1 ·"}
	for i := int64(1); i <= n; i++ {
		var got []string
		for _, m := range srv.Sent(1000 + i) {
			// One marker per message: a question's own text may say
			// "Bonjour" (an SMS in a picture), it is still the question.
			for _, w := range []string{"Question 1 ·", "Avant de commencer", "C'est parti", "Bonjour"} {
				if strings.Contains(m.PlainText+m.Caption, w) {
					got = append(got, w)
					break
				}
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("chat %d received %q, want each of %q once, in order", 1000+i, got, want)
		}
	}
	limited := 0
	for _, c := range srv.CallsTo("sendMessage") {
		if c.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 25 {
		t.Errorf("%d sends got a 429, want the 25 injected", limited)
	}

	mu.Lock()
	defer mu.Unlock()
	// Per chat: in any window of w seconds, at most 3 + w sends (token bucket).
	for chat, ts := range grants {
		for i := range ts {
			for j := i + 1; j < len(ts); j++ {
				w := ts[j].Sub(ts[i]).Seconds()
				if float64(j-i+1) > 3+w+1e-9 {
					t.Fatalf("chat %d: %d sends within %.2f s", chat, j-i+1, w)
				}
			}
		}
	}
	// The bot: at most 25 sends in any one-second window.
	sort.Slice(all, func(i, j int) bool { return all[i].Before(all[j]) })
	for i, j := 0, 0; j < len(all); j++ {
		for all[j].Sub(all[i]) >= time.Second {
			i++
		}
		if j-i+1 > 25 {
			t.Fatalf("%d sends within one second at %v", j-i+1, all[j])
		}
	}
	span := all[len(all)-1].Sub(all[0])
	t.Logf("%d sends to %d chats over %.0f s of simulated time (%.1f/s), %d 429s", len(all), len(grants), span.Seconds(), float64(len(all))/span.Seconds(), limited)
}
