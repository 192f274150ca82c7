package dialog

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
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

// TestPhoneLayout: when every choice fits on a button the choices are the
// buttons and are not listed; otherwise they are listed numbered, with a
// button per number. Either way the buttons carry the item's own indexes.
func TestPhoneLayout(t *testing.T) {
	var fitting, listed int
	for _, it := range testBank.Items {
		if it.Type == bank.Text {
			continue
		}
		st := &step{s: Session{Lang: "fr", Nonce: 7}}
		q := st.questionView(it, 1, "", false)
		order := st.choiceOrder(it)
		box := ""
		if it.Type == bank.Multiple {
			box = "☐ "
		}
		fits := true
		for _, c := range it.In("fr").Choices {
			fits = fits && utf8.RuneCountInString(box+c) <= ButtonWidth
		}
		if fits {
			fitting++
			if q.Choices != nil || len(q.Buttons) < len(order) {
				t.Fatalf("%s: fits, yet listed: %+v", it.ID, q)
			}
			for p, k := range order {
				if q.Buttons[p][0].Label != box+it.In("fr").Choices[k] {
					t.Errorf("%s: button %d is %q", it.ID, p, q.Buttons[p][0].Label)
				}
			}
		} else {
			listed++
			if !slices.Equal(q.Choices, inOrder(it.In("fr").Choices, order)) || len(q.Buttons[0]) != len(order) {
				t.Fatalf("%s: too long, yet not listed with number buttons: %+v", it.ID, q)
			}
			for p, b := range q.Buttons[0] {
				if b.Label != box+strconv.Itoa(p+1) {
					t.Errorf("%s: number button %d is %q", it.ID, p, b.Label)
				}
			}
		}
		for p, k := range order { // the buttons carry the item's own indexes
			var b ButtonView
			if fits {
				b = q.Buttons[p][0]
			} else {
				b = q.Buttons[0][p]
			}
			pb, _ := ParseButton(b.Data)
			if want := []string{ActionPick(k), ActionToggle(k)}; !slices.Contains(want, pb.Action) {
				t.Errorf("%s: place %d carries %q, want item index %d", it.ID, p, pb.Action, k)
			}
		}
		for _, row := range q.Buttons { // no label is cut on a phone
			for _, b := range row {
				if utf8.RuneCountInString(b.Label) > ButtonWidth {
					t.Errorf("%s: button %q is longer than %d", it.ID, b.Label, ButtonWidth)
				}
			}
		}
	}
	t.Logf("%d questions with their choices as buttons, %d listed with number buttons", fitting, listed)
	if fitting == 0 || listed == 0 {
		t.Errorf("the bank should have both layouts: %d fitting, %d listed", fitting, listed)
	}
}

// TestChoicesShuffled: the order is a permutation, the same for the same
// diagnostic and item (shown again, resumed), different across learners;
// vrai/faux keeps its order; the answer log records the order shown and the
// key is checked in the item's own order.
func TestChoicesShuffled(t *testing.T) {
	moved, total := 0, 0
	for _, it := range testBank.Items {
		a := (&step{s: Session{Nonce: 1}}).choiceOrder(it)
		b := (&step{s: Session{Nonce: 2}}).choiceOrder(it)
		if sorted := slices.Sorted(slices.Values(a)); len(a) != len(it.Choices) || !isIdentity(sorted) {
			t.Fatalf("%s: %v is not a permutation", it.ID, a)
		}
		if again := (&step{s: Session{Nonce: 1}}).choiceOrder(it); !slices.Equal(a, again) {
			t.Fatalf("%s: %v then %v", it.ID, a, again)
		}
		numbers := slices.ContainsFunc(it.Choices, func(c bank.Choice) bool { _, ok := choiceNumber(c.Text, true); return ok })
		switch {
		case it.Type == bank.TrueFalse || it.Type == bank.Text || numbers:
			if !isIdentity(a) {
				t.Errorf("%s (%s) shuffled: %v", it.ID, it.Type, a)
			}
		default:
			total++
			if !slices.Equal(a, b) {
				moved++
			}
		}
	}
	if moved < total/2 {
		t.Errorf("only %d of %d items ordered differently for two learners", moved, total)
	}
	// Through Step: the same order after /reprendre, the order logged, the
	// key checked in the item's order.
	c := newConv(t)
	c.text("/start")
	c.menu("consent", "yes")
	for c.s.State == StateQuestion {
		q := c.question()
		it, _ := testBank.Item(q.Item)
		c.text("/pause")
		c.text("/reprendre")
		if again := c.question(); !slices.Equal(again.Choices, q.Choices) || len(again.Buttons) != len(q.Buttons) || again.Buttons[0][0] != q.Buttons[0][0] {
			t.Fatalf("%s: shown again in another order: %+v then %+v", it.ID, q, again)
		}
		turn := c.answer(true)
		if len(turn.Answers) != 1 || !turn.Answers[0].Correct {
			t.Fatalf("%s: the right answer was not scored right: %+v", it.ID, turn.Answers)
		}
		if want := (&step{s: Session{Nonce: q.Session}}).shownOrder(it); turn.Answers[0].Order != want {
			t.Errorf("%s: order logged %q, want %q", it.ID, turn.Answers[0].Order, want)
		}
		if turn.Answers[0].Lang != "fr" {
			t.Errorf("%s: language logged %q, want fr", it.ID, turn.Answers[0].Lang)
		}
	}
}

func isIdentity(order []int) bool {
	for i, k := range order {
		if i != k {
			return false
		}
	}
	return true
}

// TestNoPointMedian: learner texts say "votre conseiller ou conseillère",
// never "conseiller·e", which a weak reader and a screen reader stumble on.
func TestNoPointMedian(t *testing.T) {
	median := regexp.MustCompile(`\p{L}·\p{L}`)
	for lang, m := range texts {
		for key, s := range m {
			if median.MatchString(s) {
				t.Errorf("%s %s: %q", lang, key, s)
			}
		}
	}
}

// TestPendingItemLeftTheBank: the content is rewritten and item ids are
// dropped. A stored session whose question (and an answer) names an item no
// longer there goes on: another question, a new number, old buttons stale.
func TestPendingItemLeftTheBank(t *testing.T) {
	c := newConv(t)
	c.text("/start")
	c.text("oui")
	c.answer(true)
	answered := c.s.Engine.Responses[0].Item
	q := c.question()
	var kept []engine.Item
	for _, it := range testEngine.Items() {
		if it.ID != q.Item && it.ID != answered {
			kept = append(kept, it)
		}
	}
	smaller, err := engine.New(kept, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := Button{Session: q.Session, Question: q.Number, Action: ActionPick(0)}.Encode()
	for _, in := range []Input{{Kind: InButton, Data: old}, ParseText("2"), ParseText("/reprendre"), {Kind: InCommand, Command: "pause"}} {
		turn, err := Step(c.s, in, Env{Now: c.now.Add(time.Minute), Engine: smaller, Bank: testBank})
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		s := turn.Session
		if s.Engine.Pending == q.Item || s.Engine.Pending == "" || s.Question != q.Number+1 || len(turn.Answers) != 0 {
			t.Errorf("%+v: pending %q, question %d, answers %+v", in, s.Engine.Pending, s.Question, turn.Answers)
		}
		if slices.ContainsFunc(s.Engine.Responses, func(r engine.Response) bool { return r.Item == answered }) {
			t.Errorf("%+v: the answer to a removed item is kept", in)
		}
		if in.Kind != InCommand || in.Command == "reprendre" {
			if l := last(turn); l.Question == nil || l.Question.Item != s.Engine.Pending || l.Question.Number != s.Question {
				t.Errorf("%+v: the new question is not asked: %+v", in, turn.Outputs)
			}
		}
	}
	// The last question leaves the bank: the diagnostic ends with results.
	kept = slices.DeleteFunc(testEngine.Items(), func(it engine.Item) bool { return it.ID == q.Item })
	noPending, err := engine.New(kept, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := c.s
	s.Engine.Config.MaxQuestions = len(s.Engine.Responses)
	turn, err := Step(s, ParseText("1"), Env{Now: c.now.Add(time.Minute), Engine: noPending, Bank: testBank})
	if err != nil || !slices.Contains(kinds(turn), OutResults) {
		t.Errorf("the last question removed: %v %v", err, kinds(turn))
	}
}

// TestQuestionsLeftFollowTheEngine: "Encore N questions au plus" is the
// engine's bound, not the campaign's maximum: a campaign of one competence
// with a high maximum is told the skills left, and it is never less than
// what is then asked.
func TestQuestionsLeftFollowTheEngine(t *testing.T) {
	skills := map[string]bool{}
	for _, it := range testBank.Items {
		if it.Competence == "2.1" && !it.Pilot {
			skills[it.Skill] = true
		}
	}
	c := newConv(t)
	c.campaign = &Campaign{Code: "ABCDEF234", Name: "x", Competences: []string{"2.1"}, MaxQuestions: 60}
	c.text("/start ABCDEF234")
	var intro string
	for c.s.State != StateQuestion {
		intro = c.menu("consent", "yes").Outputs[0].Text
	}
	if want := T("fr", "intro", "max", len(skills), "min", minutes(len(skills))); intro != want {
		t.Errorf("intro %q, want %q", intro, want)
	}
	var told []int
	for n := 1; c.s.State == StateQuestion; n++ {
		q := c.question()
		k := 0
		if _, err := fmt.Sscanf(q.Header[strings.LastIndex(q.Header, "Encore "):], "Encore %d question", &k); err != nil {
			t.Fatalf("question %d: header %q", n, q.Header)
		}
		told = append(told, k)
		c.answer(n%2 == 0)
	}
	t.Logf("%d skills; told %v", len(skills), told)
	if len(told) == 0 || told[0] > len(skills)+1 || told[0] >= 60 {
		t.Errorf("first question told %v questions left; the competence has %d skills", told, len(skills))
	}
	for i, k := range told {
		if asked := len(told) - i; k < asked {
			t.Errorf("question %d: told %d left at most, %d were asked", i+1, k, asked)
		}
	}
}
