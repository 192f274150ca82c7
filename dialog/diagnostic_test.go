package dialog

import (
	"strconv"
	"strings"
	"testing"
)

// TestHonestyNeverPunished: "Je ne sais pas", pressed or typed in any
// spelling, gets a neutral word and never ❌; with feedback its tip follows
// as a thing good to know.
func TestHonestyNeverPunished(t *testing.T) {
	for _, feedback := range []bool{false, true} {
		for _, how := range []string{"button", "je ne sais pas", "jsp", "chai pas", "?"} {
			c := newConv(t)
			c.campaign = &Campaign{Code: "QWERTY789", Name: "Atelier", Feedback: feedback}
			c.text("/start QWERTY789")
			c.campaign = nil
			c.menu("consent", "yes")
			q := c.question()
			var turn Turn
			if how == "button" {
				turn = c.press(Button{Session: q.Session, Question: q.Number, Action: ActionSkip}.Encode())
			} else {
				turn = c.text(how)
			}
			if len(turn.Answers) != 1 || !turn.Answers[0].Skipped {
				t.Fatalf("%s: not recorded as a skip: %+v", how, turn.Answers)
			}
			var texts []string
			for _, o := range turn.Outputs {
				texts = append(texts, o.Text)
			}
			all := strings.Join(texts, "\n")
			if strings.Contains(all, "❌") || !strings.Contains(all, T("fr", "skipped_ok")) {
				t.Errorf("feedback %v, %s: %q", feedback, how, all)
			}
			if strings.Contains(all, "Bon à savoir") != feedback {
				t.Errorf("feedback %v, %s: the tip as good to know: %q", feedback, how, all)
			}
		}
	}
}

// TestIntroAndQuestionsLeft: the intro says how long it takes and that
// /pause keeps everything; each question says how many are left at most.
func TestIntroAndQuestionsLeft(t *testing.T) {
	c := newConv(t)
	c.text("/start")
	turn := c.menu("consent", "yes")
	max := c.s.Engine.Config.MaxQuestions
	intro := T("fr", "intro", "max", max, "min", minutes(max))
	if turn.Outputs[0].Text != intro || !strings.Contains(intro, "minutes") || !strings.Contains(intro, "/pause") {
		t.Errorf("intro: %q", turn.Outputs[0].Text)
	}
	for n := 1; n <= 3; n++ {
		want := "Encore " + strconv.Itoa(max-n+1) + " questions au plus"
		if q := c.question(); q.Number != n || !strings.HasSuffix(q.Header, want) {
			t.Errorf("question %d: header %q, want it to end with %q", n, q.Header, want)
		}
		c.answer(true)
	}
	if got := (&step{s: Session{Lang: "fr"}}).left(1); got != "Encore 1 question au plus" {
		t.Errorf("left(1) = %q", got)
	}
	for _, tt := range []struct{ n, min int }{{20, 14}, {32, 22}, {1, 1}, {3, 2}} {
		if got := minutes(tt.n); got != tt.min {
			t.Errorf("minutes(%d) = %d, want %d", tt.n, got, tt.min)
		}
	}
}
