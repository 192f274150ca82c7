package dialog

import (
	"slices"
	"strconv"
	"strings"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// The re-test: when the path is over, a short test on the competences
// worked, with questions the learner has not seen, shows their level before
// the path and after it.

// retestNumberBase numbers the re-test's questions (buttons), apart from
// the diagnostic's and the checks' (checkNumberBase).
const retestNumberBase = 2000

// Retest is the re-test after the path: offered, then asked one by one.
type Retest struct {
	Items  []string       `json:"items"`
	Asked  int            `json:"asked,omitempty"`  // questions answered
	Number int            `json:"number,omitempty"` // the pending question's number; 0 = offered, not started
	Before map[string]int `json:"before"`           // whole level per competence worked, before the re-test
}

// retestItems picks one question per competence worked that the learner has
// never been asked, from the path's skills first.
func (st *step) retestItems() []string {
	p := st.s.Path
	seen := map[string]bool{}
	for _, r := range st.s.Engine.Responses {
		seen[r.Item] = true
	}
	for _, r := range p.Responses {
		seen[r.Item] = true
	}
	var items []string
	done := map[string]bool{}
	for _, s := range p.Steps {
		if done[s.Competence] {
			continue
		}
		var pick string
		for _, it := range st.env.Engine.Items() {
			if _, inBank := st.env.Bank.Item(it.ID); !inBank || seen[it.ID] || it.Competence != s.Competence {
				continue
			}
			if pick == "" || it.Skill == s.Skill {
				pick = it.ID
			}
			if it.Skill == s.Skill {
				break
			}
		}
		if pick != "" {
			items, done[s.Competence] = append(items, pick), true
		}
	}
	return items
}

// offerRetest offers the re-test when there are questions for it.
func (st *step) offerRetest() error {
	items := st.retestItems()
	if len(items) == 0 {
		return st.progress()
	}
	res, err := Current(st.s, st.env.Engine)
	if err != nil {
		return err
	}
	before := map[string]int{}
	for _, c := range res.Competences {
		for _, id := range items {
			if it, _ := st.env.Bank.Item(id); it != nil && it.Competence == c.Competence {
				before[c.Competence] = c.Level
			}
		}
	}
	st.s.Path.Retest = &Retest{Items: items, Before: before}
	st.sayMenu(T(st.lang(), "retest_offer", "questions", st.questions(len(items))))
	return nil
}

// retestMenu answers the offer: yes starts, no says how to see progress.
func (st *step) retestMenu(value string) error {
	r := st.s.Path.Retest
	if value != "yes" {
		st.s.Path.Retest = nil
		st.say("retest_declined")
		return nil
	}
	r.Number = retestNumberBase + 1
	return st.askRetest(false)
}

// retestPending is the re-test's question waiting for an answer, if any.
func (st *step) retestPending() (*bank.Item, bool) {
	p := st.s.Path
	if p == nil || p.Retest == nil || p.Retest.Number == 0 || st.m.current() != StateDone {
		return nil, false
	}
	it, ok := st.env.Bank.Item(p.Retest.Items[p.Retest.Asked])
	return it, ok
}

func (st *step) askRetest(refresh bool) error {
	r := st.s.Path.Retest
	it, ok := st.retestPending()
	if !ok { // gone from the bank since: the next one
		return st.retestAnswer(nil, bank.Response{}, "")
	}
	return st.askItem(it, r.Number, T(st.lang(), "retest_header", "i", r.Asked+1, "n", len(r.Items)), refresh)
}

// retestAnswer records an answer of the re-test (it counts in the learner's
// estimates, as a check does), then asks the next or shows before → after.
func (st *step) retestAnswer(it *bank.Item, resp bank.Response, shown string) error {
	p, r := st.s.Path, st.s.Path.Retest
	if it != nil {
		correct := it.Correct(resp)
		st.t.Answers = append(st.t.Answers, AnswerLog{Item: it.ID, Correct: correct, Skipped: resp.Skip, Response: responseText(resp),
			Question: r.Number, Order: st.shownOrder(it), Lang: st.lang()})
		st.t.Outputs = append(st.t.Outputs, Output{Kind: OutAnswered, Lang: st.lang(), Answered: &AnsweredView{Session: st.s.Nonce, Number: r.Number, Text: shown}})
		p.Responses = append(p.Responses, engine.Response{Item: it.ID, Correct: correct})
	}
	st.s.Selected = nil
	r.Asked++
	r.Number++
	if r.Asked < len(r.Items) {
		return st.askRetest(false)
	}
	res, err := Current(st.s, st.env.Engine)
	if err != nil {
		return err
	}
	var lines []string
	for _, c := range res.Competences {
		before, ok := r.Before[c.Competence]
		if !ok {
			continue
		}
		arrow := "="
		switch {
		case c.Level > before:
			arrow = "↗"
		case c.Level < before:
			arrow = "↘"
		}
		lines = append(lines, arrow+" "+plainName(st.lang(), c.Competence)+" : "+strconv.Itoa(before)+" → "+strconv.Itoa(c.Level))
	}
	if st.lang() == "en" {
		for i := range lines {
			lines[i] = strings.Replace(lines[i], " : ", ": ", 1)
		}
	}
	p.Retest = nil
	st.say("retest_done", "list", strings.Join(lines, "\n"))
	return nil
}

// retestButton tells whether b answers the re-test's pending question.
func (st *step) retestButton(b Button) bool {
	r := st.s.Path.Retest
	return r != nil && r.Number != 0 && b.Session == st.s.Nonce && b.Question == r.Number && slices.Contains([]string{StateDone}, st.m.current())
}
