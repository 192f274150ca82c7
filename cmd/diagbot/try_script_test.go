package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diagbot/diagbot/engine/bank"
)

// screen is the terminal a scripted learner reads: everything try wrote,
// safe to read while try writes.
type screen struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed at the next write
}

func newScreen() *screen { return &screen{changed: make(chan struct{})} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
	return s.buf.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// since returns what was written after the first from bytes.
func (s *screen) since(from int) (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()[from:], s.changed
}

func (s *screen) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Len()
}

// waitFor waits until what was written after from satisfies cond, and
// returns cond's result.
func (s *screen) waitFor(t *testing.T, from int, what string, cond func(text string) (string, bool)) string {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		text, changed := s.since(from)
		if got, ok := cond(text); ok {
			return got
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("waiting for %s; the terminal shows after the last line typed:\n%s", what, text)
		}
	}
}

// contains is a waitFor condition: the text holds want.
func contains(want string) func(string) (string, bool) {
	return func(text string) (string, bool) { return text, strings.Contains(text, want) }
}

const noMissed = "Vous n'avez manqué aucune question"

var (
	buttonLine = regexp.MustCompile(`^  \[(\d+)\] (.*)$`)
	levelLine  = regexp.MustCompile(`(?m)^  [█·]{8} \d/8  \S`) // a bar per area
)

// shownQuestion is a question as the terminal shows it.
type shownQuestion struct {
	text    string // from the header to the last button
	typeIn  bool
	boxes   []int // buttons that are check boxes (multiple choice)
	ticked  int   // boxes ticked
	choices []int // single choice buttons
	valider int   // the validate button of a multiple choice
	// byLabel finds a choice's button by its words: the choices are shown
	// in the learner's order, not the item's.
	byLabel map[string]int
}

// question finds the last display of question n in text, once its buttons
// are shown (a question is written at once, with its buttons).
func question(n int, text string) (shownQuestion, bool) {
	i := strings.LastIndex(text, "── Question "+strconv.Itoa(n)+" ·")
	if i < 0 {
		return shownQuestion{}, false
	}
	var q shownQuestion
	lines := strings.Split(text[i:], "\n")
	buttons := 0
	for j, l := range lines[1:] {
		m := buttonLine.FindStringSubmatch(l)
		if m == nil {
			if buttons > 0 {
				q.text = strings.Join(lines[:j+1], "\n")
				break // the question's buttons end here
			}
			q.typeIn = q.typeIn || strings.Contains(l, "Écrivez votre réponse")
			continue
		}
		buttons++
		num, label := atoi(m[1]), m[2]
		if q.byLabel == nil {
			q.byLabel = map[string]int{}
		}
		q.byLabel[strings.TrimPrefix(strings.TrimPrefix(label, "☐ "), "✅ ")] = num
		switch {
		case strings.HasPrefix(label, "☐ "):
			q.boxes = append(q.boxes, num)
		case strings.HasPrefix(label, "✅ "):
			q.boxes = append(q.boxes, num)
			q.ticked++
		case strings.Contains(label, "Valider"):
			q.valider = num
		case strings.Contains(label, "Je ne sais pas"):
		default:
			q.choices = append(q.choices, num)
		}
	}
	return q, buttons > 0
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// knower is a learner who has read the bank: they find the question shown in
// the terminal by its prompt and know its right answer.
type knower struct{ items []*bank.Item }

func newKnower(t *testing.T) knower {
	bk, err := bank.Load(bank.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return knower{bk.Items}
}

// item returns the bank item whose French prompt the question shows.
func (k knower) item(t *testing.T, q shownQuestion) *bank.Item {
	t.Helper()
	var found *bank.Item
	for _, it := range k.items {
		if strings.Contains(q.text, "\n"+it.Prompt+"\n") && (found == nil || len(it.Prompt) > len(found.Prompt)) {
			found = it
		}
	}
	if found == nil {
		t.Fatalf("no item of the bank has the prompt of:\n%s", q.text)
	}
	return found
}

// TestTryScriptedAnswers: a learner types in the terminal as a person would,
// reading each question: a choice number for a single choice, boxes ticked
// one by one then "Valider" for a multiple choice, a short text where a
// typed answer is asked. They know the answers (but get every fourth single
// choice wrong, to have something to review), so the engine goes on to the
// harder levels where the multiple-choice items are. The questions are the
// engine's own choice, drawn from try's --seed: learners take the diagnostic
// one after another on one file, seeds 1, 2 …, until every kind of question
// has been answered (with today's bank, seed 1 does). The same seeds ask the
// same questions at every run: the test does not depend on luck. Each goes
// from /start to the results table and the review of missed questions.
func TestTryScriptedAnswers(t *testing.T) {
	db := filepath.Join(t.TempDir(), "scripted.db")
	k := newKnower(t)
	kinds := map[string]int{}
	diagnostics := 0
	for diagnostics < 5 && (kinds["choice"] == 0 || kinds["multiple"] == 0 || kinds["text"] == 0) {
		diagnostics++
		scriptedDiagnostic(t, db, fmt.Sprintf("learner%d", diagnostics), uint64(diagnostics), k, kinds)
	}
	if kinds["choice"] == 0 || kinds["multiple"] == 0 || kinds["text"] == 0 {
		t.Errorf("five diagnostics did not ask every kind of question: %v", kinds)
	}
	t.Logf("questions answered by kind: %v, in %d diagnostics", kinds, diagnostics)
}

// TestTrySeed: two learners with the same --seed who give the same answers
// are asked the same questions; without a seed the questions are drawn anew.
func TestTrySeed(t *testing.T) {
	db := filepath.Join(t.TempDir(), "seed.db")
	script := "1\n" + strings.Repeat("je ne sais pas\n", 5)
	questions := func(learner string, args ...string) string {
		var out, errOut bytes.Buffer
		args = append([]string{"try", "--db", db, "--learner", learner}, args...)
		if code := run(context.Background(), args, strings.NewReader(script), &out, &errOut); code != 0 {
			t.Fatalf("%s: exit %d: %s", learner, code, errOut.String())
		}
		var prompts []string
		for _, block := range strings.Split(out.String(), "── Question ")[1:] {
			lines := strings.SplitN(block, "\n", 4) // the header, "Encore N questions au plus", the prompt
			prompts = append(prompts, lines[2])
		}
		if len(prompts) != 6 {
			t.Fatalf("%s: %d questions shown, want 6:\n%s", learner, len(prompts), out.String())
		}
		return strings.Join(prompts, "\n")
	}
	a, b := questions("a", "--seed", "42"), questions("b", "--seed", "42")
	if a != b {
		t.Errorf("the same seed asked other questions:\n%s\n---\n%s", a, b)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"try", "--db", db, "--seed", "x"}, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Errorf("--seed x: exit %d, want 2 (usage)", code)
	}
}

func scriptedDiagnostic(t *testing.T, db, learner string, seed uint64, k knower, kinds map[string]int) {
	t.Helper()
	scr := newScreen()
	in, typing := io.Pipe()
	var errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"try", "--db", db, "--learner", learner, "--seed", strconv.FormatUint(seed, 10)}, in, scr, &errOut)
	}()
	defer func() {
		typing.Close() // Ctrl-D
		if code := <-exit; code != 0 || errOut.Len() > 0 {
			t.Errorf("%s: exit %d: %s", learner, code, errOut.String())
		}
	}()
	mark := 0
	typeLine := func(line string) {
		t.Helper()
		mark = scr.len()
		if _, err := io.WriteString(typing, line+"\n"); err != nil {
			t.Fatalf("typing %q: %v", line, err)
		}
	}

	scr.waitFor(t, 0, "the consent", contains("Êtes-vous d'accord ?\n  [1] ✅ J'accepte"))
	typeLine("1")
	for n := 1; ; n++ {
		var q shownQuestion
		end := scr.waitFor(t, mark, fmt.Sprintf("question %d or the results", n), func(text string) (string, bool) {
			if strings.Contains(text, "Vos résultats") && (strings.Contains(text, "revoir les questions manquées") || strings.Contains(text, noMissed)) {
				return "end", true
			}
			var ok bool
			q, ok = question(n, text)
			return "", ok
		})
		if end == "end" {
			if n < 2 {
				t.Fatalf("%s: results before any question", learner)
			}
			break
		}
		it := k.item(t, q)
		switch {
		case q.typeIn:
			kinds["text"]++
			typeLine(it.Answers[0])
			scr.waitFor(t, mark, "the typed answer", contains("→ Réponse : "+it.Answers[0]))
		case len(q.boxes) >= 2:
			kinds["multiple"]++
			right := it.CorrectChoices()
			if q.valider == 0 || len(q.boxes) != len(it.Choices) || len(right) == 0 {
				t.Fatalf("question %d (%s): %d boxes for %d choices, %d right, Valider [%d]:\n%s", n, it.ID, len(q.boxes), len(it.Choices), len(right), q.valider, q.text)
			}
			for i, c := range right {
				typeLine(strconv.Itoa(q.byLabel[it.Choices[c].Text]))
				scr.waitFor(t, mark, fmt.Sprintf("question %d with %d boxes ticked", n, i+1), func(text string) (string, bool) {
					r, ok := question(n, text)
					return "", ok && r.ticked == i+1
				})
			}
			typeLine(strconv.Itoa(q.valider))
		case len(q.choices) >= 2:
			kinds["choice"]++
			right := it.CorrectChoices()
			if len(q.choices) != len(it.Choices) || len(right) != 1 {
				t.Fatalf("question %d (%s): %d buttons for %d choices, %d right:\n%s", n, it.ID, len(q.choices), len(it.Choices), len(right), q.text)
			}
			pick := right[0]
			if n%4 == 0 {
				pick = (pick + 1) % len(q.choices) // a miss, for the review
			}
			typeLine(strconv.Itoa(q.byLabel[it.Choices[pick].Text]))
		default:
			t.Fatalf("question %d: cannot tell how to answer:\n%s", n, q.text)
		}
		if n > 32 {
			t.Fatalf("%s: more than 32 questions", learner)
		}
	}
	results := scr.String()[mark:]
	if got := len(levelLine.FindAllString(results, -1)); got != 5 {
		t.Errorf("%s: the results show %d areas, want 5:\n%s", learner, got, results)
	}
	if !strings.Contains(results, "Votre niveau :") {
		t.Errorf("%s: no overall level:\n%s", learner, results)
	}
	if strings.Contains(results, noMissed) {
		return // all right: nothing to review
	}
	typeLine("1") // 📖 Oui, revoir
	review := scr.waitFor(t, mark, "the review", contains("Suivant ➡️"))
	if !strings.Contains(review, "À revoir (1/") || !strings.Contains(review, "Bonne réponse :") || !strings.Contains(review, "💡") {
		t.Errorf("%s: the first review item lacks its number, right answer or tip:\n%s", learner, review)
	}
}
