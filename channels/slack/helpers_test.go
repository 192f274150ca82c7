package slack

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/channels/slack/slackfake"
)

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testLog writes logs to the test output.
func testLog(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel)
}

// fakeHandler is the bot as the listener sees it.
type fakeHandler struct {
	mu         sync.Mutex
	commands   []Command
	actions    []AdvisorAction
	attempts   int // calls of Advisor, failed ones included
	threads    map[string]string
	reply      Reply
	commandErr error
	advisorErr int // the next advisorErr calls of Advisor fail
	f          *slackfake.Server
}

func (h *fakeHandler) Command(ctx context.Context, c Command) (Reply, error) {
	h.mu.Lock()
	h.commands = append(h.commands, c)
	r, err := h.reply, h.commandErr
	h.mu.Unlock()
	h.f.Notify()
	return r, err
}

func (h *fakeHandler) Advisor(ctx context.Context, a AdvisorAction) error {
	h.mu.Lock()
	defer h.f.Notify()
	defer h.mu.Unlock()
	h.attempts++
	if h.advisorErr > 0 {
		h.advisorErr--
		return fmt.Errorf("inbox full")
	}
	h.actions = append(h.actions, a)
	return nil
}

func (h *fakeHandler) LearnerOfThread(ref string) (string, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.threads[ref]
	return l, ok, nil
}

// set changes the handler's answers while the listener runs.
func (h *fakeHandler) set(change func(*fakeHandler)) {
	h.mu.Lock()
	change(h)
	h.mu.Unlock()
}

func (h *fakeHandler) gotCommands() []Command {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Command(nil), h.commands...)
}

func (h *fakeHandler) gotActions() []AdvisorAction {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]AdvisorAction(nil), h.actions...)
}

func (h *fakeHandler) gotAttempts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.attempts
}
