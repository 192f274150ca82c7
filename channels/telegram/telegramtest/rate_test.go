package telegramtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestMaxInWindow(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms ...int) []time.Time {
		var out []time.Time
		for _, m := range ms {
			out = append(out, base.Add(time.Duration(m)*time.Millisecond))
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		times []time.Time
		win   time.Duration
		want  int
	}{
		{"none", nil, time.Second, 0},
		{"one", at(0), time.Second, 1},
		{"burst of three then paced", at(0, 0, 0, 1000, 2000, 3000), time.Second, 3},
		{"window is half-open", at(0, 1000), time.Second, 1},
		{"just inside", at(0, 999), time.Second, 2},
		{"unsorted input", at(2500, 0, 2000, 2100, 900), time.Second, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := maxInWindow(tc.times, tc.win); got != tc.want {
				t.Errorf("maxInWindow = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestMaxRate drives the clock by hand, as a pacing test would.
func TestMaxRate(t *testing.T) {
	ctx := testCtx(t)
	clock := &fakeClock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	srv := NewServer(t, WithClock(clock.Now))
	b := newBot(t, srv)
	start := clock.Now()
	send := func(chatID int64, at time.Duration) error {
		t.Helper()
		clock.Set(start.Add(at))
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: "x"})
		return err
	}
	for _, at := range []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 2500 * time.Millisecond} {
		if err := send(1, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := send(2, 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// Neither a refused send nor a chat action counts.
	srv.Fail(Fault{Kind: Forbidden})
	if err := send(1, 0); !errors.Is(err, bot.ErrorForbidden) {
		t.Fatal(err)
	}
	if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: 1, Action: models.ChatActionTyping}); err != nil {
		t.Fatal(err)
	}

	if got := srv.MaxRate(1, time.Second); got != 3 {
		t.Errorf("MaxRate(1, 1s) = %d, want 3", got)
	}
	if got := srv.MaxRate(1, 3*time.Second); got != 6 {
		t.Errorf("MaxRate(1, 3s) = %d, want 6", got)
	}
	if got := srv.MaxRate(2, time.Second); got != 1 {
		t.Errorf("MaxRate(2, 1s) = %d, want 1", got)
	}
	if got := srv.MaxGlobalRate(time.Second); got != 4 {
		t.Errorf("MaxGlobalRate(1s) = %d, want 4", got)
	}
	if got := srv.Calls()[0].At; !got.Equal(start) {
		t.Errorf("call stamped %v, want the fake clock's %v", got, start)
	}
}

func TestWaitFor(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)

	errc := make(chan error, 1)
	go func() {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "plus tard"})
		errc <- err
	}()
	if err := srv.WaitFor(ctx, func(calls []Call) bool {
		return len(calls) == 1 && calls[0].Method == "sendMessage" && calls[0].Status == 200
	}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	err := srv.WaitFor(short, func(calls []Call) bool { return len(calls) > 5 })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unmet condition: %v", err)
	}
}
