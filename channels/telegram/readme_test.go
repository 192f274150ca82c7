package telegram

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// TestResultsForTheREADME runs a weak and a strong learner through the
// dialog on the embedded bank, checks their first results message, and,
// with DIAGBOT_WRITE_DOCS=1, writes it and the picture to testdata/ for the
// README (results-weak.txt, results-weak.png, results-strong.…).
func TestResultsForTheREADME(t *testing.T) {
	bk, err := bank.Load(bank.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(bk.EngineItems(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lessons := func(c, s, lang string) (dialog.LessonView, bool) {
		l, ok := bk.Lesson(c, s)
		if !ok {
			return dialog.LessonView{}, false
		}
		x := l.In(lang)
		return dialog.LessonView{Title: x.Title, Text: x.Text, Try: x.Try, Check: l.Check, Can: x.Can, Priority: l.Priority}, true
	}
	for _, learner := range []struct {
		name  string
		right func(i int) bool // false: "jsp"
	}{
		{"weak", func(i int) bool { return i%4 == 1 }},
		{"strong", func(i int) bool { return i%8 != 7 }},
	} {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		var s dialog.Session
		var last dialog.Turn
		step := func(in dialog.Input) {
			now = now.Add(30 * time.Second)
			turn, err := dialog.Step(s, in, dialog.Env{Now: now, Engine: eng, Bank: bk, Random: 42, Lesson: lessons})
			if err != nil {
				t.Fatal(err)
			}
			s, last = turn.Session, turn
		}
		step(dialog.ParseText("/start"))
		step(dialog.ParseText("ouais"))
		for i := 0; s.State == dialog.StateQuestion; i++ {
			var q *dialog.QuestionView
			for _, o := range last.Outputs {
				if o.Question != nil {
					q = o.Question
				}
			}
			it, _ := bk.Item(q.Item)
			btn := func(a string) dialog.Input {
				return dialog.Input{Kind: dialog.InButton, Data: dialog.Button{Session: q.Session, Question: q.Number, Action: a}.Encode()}
			}
			switch {
			case !learner.right(i):
				step(dialog.ParseText("jsp"))
			case it.Type == bank.Text:
				step(dialog.ParseText(it.Answers[0]))
			case it.Type == bank.Multiple:
				for _, c := range it.CorrectChoices() {
					step(btn(dialog.ActionToggle(c)))
				}
				step(btn(dialog.ActionValidate))
			default:
				step(btn(dialog.ActionPick(it.CorrectChoices()[0])))
			}
		}
		var r *dialog.ResultsView
		for _, o := range last.Outputs {
			if o.Results != nil {
				r = o.Results
			}
		}
		if r == nil {
			t.Fatalf("%s: no results", learner.name)
		}
		if n := utf8.RuneCountInString(r.Summary); n > dialog.MaxSummary || strings.Count(r.Summary, "\n") >= dialog.MaxSummaryLines {
			t.Errorf("%s: first message of %d characters:\n%s", learner.name, n, r.Summary)
		}
		png, err := ResultsBars(r)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s, level %d:\n%s", learner.name, r.Level, r.Summary)
		if os.Getenv("DIAGBOT_WRITE_DOCS") == "1" {
			base := filepath.Join("testdata", "results-"+learner.name)
			if err := os.WriteFile(base+".txt", []byte(r.Summary+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(base+".png", png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
