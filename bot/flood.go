package bot

import (
	"sync"
	"time"

	"github.com/diagbot/diagbot/dialog"
)

// A learner who floods the chat (200 texts in 2 s) would get one reminder
// per text: 400 messages over minutes at Telegram's per-chat pace, eating
// the bot's 25 messages a second. The first text not understood gets its
// reminder; the others of the same burst get one "Doucement, je lis vos
// messages un par un." between them, then nothing until the burst ends.
// Their turns are still handled and stored: nothing is lost, only the
// repeated reminders are held back.

// FloodWindow is how close two texts not understood must follow each other
// to belong to one burst.
const FloodWindow = 10 * time.Second

// maxFloodEntries bounds the memory of bursts; past it, old ones go.
const maxFloodEntries = 10000

type floodGuard struct {
	mu sync.Mutex
	by map[string]floodBurst
}

type floodBurst struct {
	last   time.Time
	warned bool
}

// filter returns the outputs to send for a turn of learner at now.
func (g *floodGuard) filter(learner string, turn dialog.Turn, now time.Time) (outs []dialog.Output, held bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.by == nil {
		g.by = map[string]floodBurst{}
	}
	if !turn.Unclear {
		delete(g.by, learner)
		return turn.Outputs, false
	}
	b, ok := g.by[learner]
	if !ok || now.Sub(b.last) > FloodWindow {
		g.prune(now)
		g.by[learner] = floodBurst{last: now}
		return turn.Outputs, false
	}
	b.last = now
	if b.warned {
		g.by[learner] = b
		return nil, true
	}
	b.warned = true
	g.by[learner] = b
	lang := turn.Session.Lang
	return []dialog.Output{{Kind: dialog.OutText, Lang: lang, Text: dialog.T(lang, "slow_down")}}, true
}

// prune forgets bursts over when the map is full; g.mu is held.
func (g *floodGuard) prune(now time.Time) {
	if len(g.by) < maxFloodEntries {
		return
	}
	for k, b := range g.by {
		if now.Sub(b.last) > FloodWindow {
			delete(g.by, k)
		}
	}
}
