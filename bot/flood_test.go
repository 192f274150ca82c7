package bot

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/dialog"
)

// TestFloodingChat: 200 texts in a burst at a question get one reminder
// and one "Doucement" — not 200 replies; every text is still handled and
// stored; a learner beside them is not held up; the next real answer is
// answered as usual.
func TestFloodingChat(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	h.send("test:flood", "/start")
	h.send("test:flood", "oui")
	h.send("test:calm", "/start")
	h.waitIdle()
	before := h.rec.count("test:flood")
	for i := range 200 {
		h.send("test:flood", fmt.Sprintf("blabla %d", i))
	}
	h.send("test:calm", "oui")
	h.waitIdle()
	got := h.rec.sent["test:flood"][before:]
	var texts []string
	for _, o := range got {
		texts = append(texts, o.Text)
	}
	if len(got) != 2 || !strings.Contains(texts[1], "Doucement") {
		t.Errorf("200 texts not understood got %d replies, want the reminder and one « Doucement »:\n%s", len(got), strings.Join(texts, "\n---\n"))
	}
	if n := h.bot.Metrics().FloodHeld.Load(); n != 199 {
		t.Errorf("held %d reminders, want 199", n)
	}
	if in, _ := h.db.Inbox(10); len(in) != 0 {
		t.Errorf("%d updates left in the inbox", len(in))
	}
	calm := h.rec.sent["test:calm"]
	if len(calm) == 0 || calm[len(calm)-1].Question == nil {
		t.Errorf("the calm learner did not get their first question: %+v", calm)
	}
	// An answer after the burst is answered as usual.
	h.send("test:flood", "je ne sais pas")
	h.waitIdle()
	last := h.rec.sent["test:flood"]
	if q := last[len(last)-1]; q.Question == nil || q.Question.Number != 2 {
		t.Errorf("after the burst, an answer did not bring question 2: %+v", q)
	}
}

func TestFloodGuardWindow(t *testing.T) {
	var g floodGuard
	now := time.Unix(1700000000, 0)
	unclear := dialog.Turn{Unclear: true, Outputs: []dialog.Output{{Text: "Utilisez les boutons."}}, Session: dialog.Session{Lang: "fr"}}
	clear := dialog.Turn{Outputs: []dialog.Output{{Text: "Question 2"}}}
	steps := []struct {
		turn dialog.Turn
		at   time.Duration
		want string
	}{
		{unclear, 0, "Utilisez les boutons."},
		{unclear, time.Second, "Doucement"},
		{unclear, 2 * time.Second, ""},
		{unclear, 2*time.Second + FloodWindow + time.Second, "Utilisez les boutons."}, // a new burst
		{clear, 14 * time.Second, "Question 2"},
		{unclear, 15 * time.Second, "Utilisez les boutons."}, // an answer ended the burst
	}
	for i, s := range steps {
		outs, _ := g.filter("l", s.turn, now.Add(s.at))
		got := ""
		if len(outs) > 0 {
			got = outs[0].Text
		}
		if s.want == "" && got != "" || s.want != "" && !strings.Contains(got, s.want) {
			t.Errorf("step %d: %q, want %q", i, got, s.want)
		}
	}
}
