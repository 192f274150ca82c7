package dialog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// canLesson is testLesson with the skill as something one can do, and the
// job priority: 1 for security (4.x) and e-mail (2.1), 3 for programming.
func canLesson(competence, skill, lang string) (LessonView, bool) {
	l, ok := testLesson(competence, skill, lang)
	l.Can = "faire « " + skill + " »"
	switch {
	case strings.HasPrefix(competence, "4.") || competence == "2.1":
		l.Priority = 1
	case competence == "3.4":
		l.Priority = 3
	}
	return l, ok
}

// finished runs a whole diagnostic, answering right when right(i) says so
// (false: "jsp"), and returns the conversation at the results.
func finished(t *testing.T, lesson func(string, string, string) (LessonView, bool), right func(i int) bool) *conv {
	t.Helper()
	c := newConv(t)
	c.lesson = lesson
	c.text("/start")
	c.text("ouais")
	for i := 0; c.s.State == StateQuestion; i++ {
		if right(i) {
			c.answer(true)
		} else {
			c.text("jsp")
		}
	}
	if c.s.FinishedAt.IsZero() {
		t.Fatalf("state %s after the diagnostic", c.s.State)
	}
	return c
}

func resultsOf(t *testing.T, turn Turn) Output {
	t.Helper()
	for _, o := range turn.Outputs {
		if o.Kind == OutResults {
			return o
		}
	}
	t.Fatalf("no results in %+v", turn.Outputs)
	return Output{}
}

// TestResultsAWeakReaderUnderstands: the first message is short (≤ 600
// characters, ≤ 10 lines), says the level with a plain word, what the
// learner can already do, one next step; a low result is a start; pix is
// left for the details; a button per area, one for the skills to work,
// one for the attestation.
func TestResultsAWeakReaderUnderstands(t *testing.T) {
	for _, tt := range []struct {
		name      string
		lesson    func(string, string, string) (LessonView, bool)
		right     func(int) bool
		wants     []string
		low       bool
		wantCanDo bool
	}{
		{"weak, every other jsp", canLesson, func(i int) bool { return i%2 == 1 && i < 6 }, []string{"débutant"}, true, true},
		{"all jsp", canLesson, func(int) bool { return false }, []string{"débutant"}, true, false},
		{"strong", canLesson, func(int) bool { return true }, nil, false, true},
		{"strong, content without can", testLesson, func(int) bool { return true }, []string{"bonnes réponses"}, false, false},
	} {
		c := finished(t, tt.lesson, tt.right)
		o := resultsOf(t, c.last)
		sum := o.Results.Summary
		t.Logf("%s (level %d):\n%s", tt.name, o.Results.Level, sum)
		if n := utf8.RuneCountInString(sum); n > MaxSummary || strings.Count(sum, "\n")+1 > MaxSummaryLines {
			t.Errorf("%s: %d characters, %d lines", tt.name, n, strings.Count(sum, "\n")+1)
		}
		if !strings.Contains(sum, band("fr", o.Results.Level)) || strings.Contains(sum, "pix") || strings.Contains(sum, "1024") {
			t.Errorf("%s: want the band word, no pix: %q", tt.name, sum)
		}
		for _, w := range tt.wants {
			if !strings.Contains(sum, w) {
				t.Errorf("%s: %q lacks %q", tt.name, sum, w)
			}
		}
		if strings.Contains(sum, T("fr", "results_start")) != tt.low {
			t.Errorf("%s: a low result is a start (low %v): %q", tt.name, tt.low, sum)
		}
		if strings.Contains(sum, "Vous savez déjà") != tt.wantCanDo {
			t.Errorf("%s: what they can do (%v): %q", tt.name, tt.wantCanDo, sum)
		}
		if !strings.Contains(sum, "Prochaine étape") || strings.Contains(sum, "❌") || strings.Contains(sum, "échec") {
			t.Errorf("%s: one next step, never a failure: %q", tt.name, sum)
		}
		var areas, attest int
		for _, row := range o.Buttons {
			b, _ := ParseButton(row[0].Data)
			switch b.Menu {
			case "area":
				areas++
			case "attest":
				attest++
			}
		}
		if areas != 5 || attest != 1 || len(o.Results.Areas) != 5 {
			t.Errorf("%s: %d area buttons, %d attestation buttons, %d areas", tt.name, areas, attest, len(o.Results.Areas))
		}
	}
}

// TestResultsDetailsOnDemand: an area's button shows its competences by
// their plain names beside the framework's; "À travailler" puts the skills
// most useful for a job first and names them by what one can do.
func TestResultsDetailsOnDemand(t *testing.T) {
	c := finished(t, canLesson, func(i int) bool { return i%3 == 0 })
	turn := c.menu("area", "4")
	text := turn.Outputs[0].Text
	for _, want := range []string{"Se protéger en ligne", "Sécuriser l'environnement numérique", "4.1", "pix"} {
		if !strings.Contains(text, want) {
			t.Errorf("area 4 detail lacks %q: %q", want, text)
		}
	}
	if c.s.State != StateResults {
		t.Errorf("a detail moved the state to %s", c.s.State)
	}
	o := resultsOf(t, c.text("/resultats"))
	prev := 0
	for _, tv := range o.Results.Train {
		l, ok := canLesson(tv.Competence, tv.Skill, "fr")
		p := priority(l, ok)
		if p < prev {
			t.Errorf("train not ordered by priority: %+v", o.Results.Train)
		}
		prev = p
		if tv.Can == "" {
			t.Errorf("a skill to train without its can: %+v", tv)
		}
		for _, tip := range tv.Tips {
			if it, _ := testBank.Item(l.Check); it != nil && tip == it.Tip {
				t.Errorf("%s: the tip of the coming check question is shown", tv.Skill)
			}
		}
	}
	turn = c.menu("results", "train")
	if text := turn.Outputs[0].Text; !strings.HasPrefix(text, T("fr", "to_train")) || !strings.Contains(text, "faire « ") {
		t.Errorf("to train: %q", text)
	}
}

// TestReviewAtMostEightScreens: the review shows only missed questions, at
// most eight one by one, then "Tout voir" for the rest; no tip twice.
func TestReviewAtMostEightScreens(t *testing.T) {
	c := finished(t, testLesson, func(int) bool { return false })
	missed := len(c.s.Given)
	if missed <= MaxReviewScreens {
		t.Fatalf("only %d missed: the test needs more than %d", missed, MaxReviewScreens)
	}
	tips := map[string]int{}
	count := func(turn Turn) {
		for _, o := range turn.Outputs {
			for _, line := range strings.Split(o.Text, "\n") {
				if strings.Contains(line, "💡") {
					tips[strings.TrimSpace(line)]++
				}
			}
		}
	}
	turn := c.menu("review", "yes")
	screens := 1
	count(turn)
	for c.s.State == StateReview && c.s.Review < MaxReviewScreens-1 {
		count(c.menu("review", "next"))
		screens++
	}
	l := last(c.last)
	if screens != MaxReviewScreens || len(l.Buttons) != 2 || !strings.Contains(l.Buttons[0][0].Label, "Tout voir") {
		t.Fatalf("after %d screens: %+v", screens, l)
	}
	turn = c.menu("review", "all")
	count(turn)
	if c.s.State == StateReview || !strings.Contains(turn.Outputs[0].Text, "Bonne réponse") {
		t.Errorf("Tout voir: %s %+v", c.s.State, turn.Outputs)
	}
	for tip, n := range tips {
		if n > 1 {
			t.Errorf("tip shown %d times: %q", n, tip)
		}
	}
}

// TestAttestationDialog: the name to print is asked, checked (not empty,
// at most 60 characters, not only digits) and confirmed; then the caller
// is asked to issue the attestation.
func TestAttestationDialog(t *testing.T) {
	c := newConv(t)
	c.text("/start")
	c.text("oui")
	if turn := c.text("/attestation"); turn.Outputs[0].Text != T("fr", "attest_not_yet") || c.s.AttestAsk {
		t.Errorf("before the end: %+v", turn.Outputs)
	}
	c = finished(t, testLesson, func(i int) bool { return i%2 == 0 })
	if turn := c.menu("attest", "start"); turn.Outputs[0].Text != T("fr", "attest_ask_name") {
		t.Fatalf("start: %+v", turn.Outputs)
	}
	for _, bad := range []string{"   ", strings.Repeat("a", 61), "0612345678", "12 34"} {
		if turn := c.text(bad); turn.Outputs[0].Text != T("fr", "attest_name_bad", "max", MaxAttestationName) || c.s.AttestName != "" {
			t.Errorf("%q: %+v", bad, turn.Outputs)
		}
	}
	turn := c.text("  Léa   Martin ")
	if c.s.AttestName != "Léa Martin" || len(turn.Outputs[0].Buttons) != 2 {
		t.Fatalf("name: %+v", turn.Outputs)
	}
	c.menu("attest", "no")
	if !c.s.AttestAsk || c.s.AttestName != "" {
		t.Fatalf("correction: %+v", c.s)
	}
	c.text("Léa Martin-Durand")
	turn = c.menu("attest", "yes")
	o := turn.Outputs[0]
	if o.Kind != OutAttestation || o.Attestation == nil || o.Attestation.Name != "Léa Martin-Durand" || o.Attestation.Questions != len(c.s.Given) ||
		o.Attestation.FinishedAt.IsZero() || len(o.Attestation.Result.Competences) == 0 || c.s.AttestAsk {
		t.Errorf("attestation: %+v", o)
	}
	if c.s.State != StateResults {
		t.Errorf("state %s", c.s.State)
	}
	// The English command, and any command, ends the question.
	c.text("/certificate")
	if !c.s.AttestAsk {
		t.Error("/certificate does not ask the name")
	}
	c.text("/resultats")
	if c.s.AttestAsk {
		t.Error("another command leaves the name asked")
	}
}

// A competence measured by one question only is marked « estimé » in the
// details, with a line saying what it means: a result that rests on the
// other answers is not presented as a measure.
func TestEstimatedCompetencesAreSaid(t *testing.T) {
	c := newConv(t)
	c.campaign = &Campaign{Code: "QWERTY789", Name: "Atelier", Competences: []string{"4.1", "4.2", "4.3"}, MaxQuestions: 3}
	c.text("/start QWERTY789")
	c.campaign = nil
	c.text("ouais")
	for c.s.State == StateQuestion {
		c.text("jsp")
	}
	if c.s.FinishedAt.IsZero() {
		t.Fatalf("state %s after the diagnostic", c.s.State)
	}
	text := c.menu("area", "4").Outputs[0].Text
	if strings.Count(text, "(estimé)") != 3 || !strings.Contains(text, "une seule question") {
		t.Errorf("three competences of one question each, details:\n%s", text)
	}
}
