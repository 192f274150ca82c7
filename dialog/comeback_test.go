package dialog

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWelcomeBack: after an hour away, the first reply says where the
// learner is before the question; not sooner, not for /pause.
func TestWelcomeBack(t *testing.T) {
	s := stateSessions()["question"]
	n, max := len(s.Engine.Responses), s.Engine.Config.MaxQuestions
	want := T("fr", "welcome_back", "name", "", "answers", (&step{s: Session{Lang: "fr"}}).questions(n),
		"left", "Encore "+strconv.Itoa(max-n)+" questions au plus")
	for _, tt := range []struct {
		away  time.Duration
		in    Input
		greet bool
	}{
		{2 * time.Hour, ParseText("2"), true},
		{61 * time.Minute, ParseText("/reprendre"), true},
		{3 * 24 * time.Hour, Input{Kind: InButton, Data: Button{Session: s.Nonce, Question: s.Question, Action: ActionSkip}.Encode()}, true},
		{59 * time.Minute, ParseText("2"), false},
		{2 * time.Hour, ParseText("/pause"), false},
		{2 * time.Hour, Input{Kind: InTick}, false},
	} {
		turn, err := Step(s, tt.in, Env{Now: s.UpdatedAt.Add(tt.away), Engine: testEngine, Bank: testBank, FollowUp: FollowUp{Location: paris}})
		if err != nil {
			t.Fatal(err)
		}
		got := len(turn.Outputs) > 0 && turn.Outputs[0].Text == want
		if got != tt.greet {
			t.Errorf("%v away, %+v: greeted %v, want %v (%q): %+v", tt.away, tt.in, got, tt.greet, want, turn.Outputs)
		}
		if tt.greet && kinds(turn)[len(turn.Outputs)-1] != OutQuestion {
			t.Errorf("%+v: the greeting is not followed by the question: %v", tt.in, kinds(turn))
		}
	}
}

// TestPlural: French says "0 question", English "0 questions".
func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		lang string
		n    int
		want string
	}{{"fr", 0, "0 question"}, {"fr", 1, "1 question"}, {"fr", 2, "2 questions"}, {"en", 0, "0 questions"}, {"en", 1, "1 question"}} {
		if got := (&step{s: Session{Lang: tt.lang}}).questions(tt.n); got != tt.want {
			t.Errorf("%s %d: %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
	if got := (&step{s: Session{Lang: "fr"}}).plural("kept_one", "kept_many", 2); got != "2 leçons retenues" {
		t.Errorf("kept: %q", got)
	}
}

// TestNudgesOfAnUnfinishedDiagnostic: one reminder the next day, one three
// days after the last message, at a daytime moment on a day with lessons;
// none once the learner writes again or finishes.
func TestNudgesOfAnUnfinishedDiagnostic(t *testing.T) {
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, paris) }
	for _, tt := range []struct {
		name         string
		last         time.Time
		first, later string // local dates of the two reminders
	}{
		{"monday", at(2026, 11, 23, 10), "2026-11-24", "2026-11-26"},
		{"friday: not on the weekend", at(2026, 11, 27, 16), "2026-11-30", "2026-12-02"},
		{"christmas eve: not on Christmas nor the weekend", at(2026, 12, 24, 11), "2026-12-28", "2026-12-30"},
		{"before ascension", at(2026, 5, 13, 9), "2026-05-15", "2026-05-18"},
		{"late evening", at(2026, 11, 23, 23), "2026-11-24", "2026-11-26"},
	} {
		fu := FollowUp{Location: paris}
		s := stateSessions()["question"]
		env := Env{Now: tt.last, Engine: testEngine, Bank: testBank, FollowUp: fu}
		turn, err := Step(s, ParseText("/reprendre"), env)
		if err != nil {
			t.Fatal(err)
		}
		s = roundTrip(turn.Session)
		var days []string
		for i := 0; i < 3 && !s.Due().IsZero(); i++ {
			due := s.Due()
			if fu.Quiet(due) {
				t.Errorf("%s: reminder due in a quiet time: %s", tt.name, due)
			}
			// A tick a minute early is stale: nothing.
			if early, _ := Step(s, Input{Kind: InTick}, Env{Now: due.Add(-time.Minute), Engine: testEngine, Bank: testBank, FollowUp: fu}); len(early.Outputs) != 0 {
				t.Errorf("%s: an early tick said %+v", tt.name, early.Outputs)
			}
			turn, err := Step(s, Input{Kind: InTick}, Env{Now: due, Engine: testEngine, Bank: testBank, FollowUp: fu})
			if err != nil {
				t.Fatal(err)
			}
			if len(turn.Outputs) != 2 || !strings.HasPrefix(turn.Outputs[0].Text, "👋 Votre diagnostic") || turn.Outputs[1].Kind != OutQuestion {
				t.Errorf("%s: reminder %d: %+v", tt.name, i+1, turn.Outputs)
			}
			days = append(days, due.In(paris).Format(time.DateOnly))
			s = roundTrip(turn.Session)
		}
		if strings.Join(days, " ") != tt.first+" "+tt.later {
			t.Errorf("%s: reminders on %v, want %s and %s", tt.name, days, tt.first, tt.later)
		}
	}
	// The learner writes: the reminders start again from then; finished or
	// paused: none.
	s := stateSessions()["question"]
	env := Env{Now: time.Date(2026, 11, 23, 10, 0, 0, 0, paris), Engine: testEngine, Bank: testBank, FollowUp: FollowUp{Location: paris}, Lesson: testLesson}
	turn, _ := Step(s, ParseText("/pause"), env)
	if !turn.Session.Due().IsZero() {
		t.Errorf("paused, yet a reminder at %s", turn.Session.Due())
	}
	for _, name := range []string{"results", "done", "followup_offer"} {
		turn, _ := Step(stateSessions()[name], ParseText("/reprendre"), env)
		if turn.Session.NudgeAt != (time.Time{}) {
			t.Errorf("%s: a reminder of the diagnostic at %s", name, turn.Session.NudgeAt)
		}
	}
}

// TestHolidays: the French public holidays, computed; Christmas Day is not
// a lesson day.
func TestHolidays(t *testing.T) {
	for _, tt := range []struct {
		day  string
		want bool
	}{
		{"2026-01-01", true}, {"2026-04-06", true}, {"2026-05-01", true}, {"2026-05-08", true}, {"2026-05-14", true},
		{"2026-05-25", true}, {"2026-07-14", true}, {"2026-08-15", true}, {"2026-11-01", true}, {"2026-11-11", true},
		{"2026-12-25", true}, {"2027-03-29", true}, {"2027-05-06", true}, {"2027-05-17", true}, {"2024-04-01", true},
		{"2024-05-09", true}, {"2024-05-20", true}, {"2025-04-21", true}, {"2025-05-29", true}, {"2025-06-09", true},
		{"2026-04-05", false}, {"2026-12-24", false}, {"2026-12-26", false}, {"2026-11-23", false}, {"2026-05-26", false},
	} {
		d, _ := time.ParseInLocation(time.DateOnly, tt.day, paris)
		if got := Holiday(d.Add(15 * time.Hour)); got != tt.want {
			t.Errorf("Holiday(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
	for y, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25"} {
		if got := Easter(y).Format(time.DateOnly); got != want {
			t.Errorf("Easter(%d) = %s, want %s", y, got, want)
		}
	}
	christmas := time.Date(2026, 12, 25, 14, 0, 0, 0, paris) // a Friday
	if !(FollowUp{Location: paris}).Quiet(christmas) || !(FollowUp{Location: paris, Weekends: true}).Quiet(christmas) {
		t.Error("Christmas Day is a lesson day")
	}
}

// TestNudgesAtTheIdentifier: a learner who stopped at the identifier the
// campaign asks (no number at hand) is reminded twice, told that "Passer"
// starts anyway, and shown the question again; once past it, the
// reminders are those of the questions.
func TestNudgesAtTheIdentifier(t *testing.T) {
	fu := FollowUp{Location: paris}
	c := newConv(t)
	c.now = time.Date(2026, 11, 23, 10, 0, 0, 0, paris)
	c.fu = fu
	c.campaign = &Campaign{Code: "ABCDEF234", Name: "Garantie jeunes", AskExternalID: true}
	c.text("/start ABCDEF234")
	for c.s.State == StateConsent {
		c.menu("consent", "yes")
	}
	if c.s.State != StateExternalID || c.s.Due().IsZero() {
		t.Fatalf("state %s, due %v", c.s.State, c.s.Due())
	}
	s := c.s
	for i := 0; i < len(NudgeDays); i++ {
		due := s.Due()
		turn, err := Step(s, Input{Kind: InTick}, Env{Now: due, Engine: testEngine, Bank: testBank, FollowUp: fu})
		if err != nil {
			t.Fatal(err)
		}
		if len(turn.Outputs) != 2 || !strings.Contains(turn.Outputs[0].Text, "« Passer »") || !strings.Contains(turn.Outputs[1].Text, "Écrivez-le ici") {
			t.Errorf("reminder %d: %+v", i+1, turn.Outputs)
		}
		s = roundTrip(turn.Session)
	}
	if !s.Due().IsZero() {
		t.Errorf("a third reminder at %s", s.Due())
	}
	c.s = s
	c.text("passer")
	if c.s.State != StateQuestion || c.s.NudgeAt.IsZero() {
		t.Errorf("after Passer: state %s, reminder at %v", c.s.State, c.s.NudgeAt)
	}
}
