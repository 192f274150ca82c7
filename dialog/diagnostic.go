package dialog

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/diagbot/diagbot/engine/bank"
)

// The diagnostic: asking questions, reading the answers, recording them.

// next asks the next question, or finishes.
func (st *step) next() error {
	_, done, err := st.env.Engine.Next(st.s.Engine)
	if err != nil {
		return err
	}
	if done {
		return st.finish()
	}
	st.s.Question++
	st.s.Selected = nil
	return st.ask(false)
}

// current returns the item being asked.
func (st *step) current() (*bank.Item, error) {
	if st.s.Engine == nil || st.s.Engine.Pending == "" {
		return nil, errors.New("dialog: no question pending")
	}
	it, ok := st.env.Bank.Item(st.s.Engine.Pending)
	if !ok {
		return nil, fmt.Errorf("dialog: item %q is no longer in the bank", st.s.Engine.Pending)
	}
	return it, nil
}

// progressBar draws n of max as ten cells.
func progressBar(n, max int) string {
	if max <= 0 {
		max = 1
	}
	full := min(10, (n*10+max-1)/max)
	return strings.Repeat("▓", full) + strings.Repeat("░", 10-full)
}

func (st *step) ask(refresh bool) error {
	it, err := st.current()
	if err != nil {
		return err
	}
	max := st.s.Engine.Config.MaxQuestions
	header := T(st.lang(), "question_header", "n", st.s.Question, "bar", progressBar(st.s.Question, max)) +
		"\n" + st.left(max-st.s.Question+1)
	return st.askItem(it, st.s.Question, header, refresh)
}

// left says how many questions are left at most, this one included (the
// stop rule may end sooner).
func (st *step) left(n int) string {
	if n <= 1 {
		return T(st.lang(), "left_one")
	}
	return T(st.lang(), "left_many", "n", n)
}

// askItem shows item it as question number n (buttons carry the session
// nonce and n, so an old question's button is recognised as stale).
func (st *step) askItem(it *bank.Item, n int, header string, refresh bool) error {
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutQuestion, Lang: st.lang(), Question: st.questionView(it, n, header, refresh)})
	return nil
}

// questionView is item it shown as question number n.
func (st *step) questionView(it *bank.Item, n int, header string, refresh bool) *QuestionView {
	l := it.In(st.lang())
	q := &QuestionView{
		Session: st.s.Nonce, Number: n, Item: it.ID,
		Header:   header,
		Prompt:   l.Prompt,
		Multiple: it.Type == bank.Multiple,
		Selected: slices.Clone(st.s.Selected),
		Image:    it.Image, Alt: l.Alt, Refresh: refresh,
	}
	btn := func(action, label string) ButtonView {
		return ButtonView{Label: label, Data: Button{Session: st.s.Nonce, Question: n, Action: action}.Encode()}
	}
	switch it.Type {
	case bank.Text:
		q.TypeIn = true
		q.Hint = T(st.lang(), "type_answer")
	case bank.Multiple:
		q.Choices = l.Choices
		q.Hint = T(st.lang(), "multiple_hint")
		for i, c := range l.Choices {
			box := "☐ "
			if slices.Contains(st.s.Selected, i) {
				box = "✅ "
			}
			q.Buttons = append(q.Buttons, []ButtonView{btn(ActionToggle(i), box+strconv.Itoa(i+1)+". "+c)})
		}
		q.Buttons = append(q.Buttons, []ButtonView{btn(ActionValidate, T(st.lang(), "validate"))})
	default:
		q.Choices = l.Choices
		for i, c := range l.Choices {
			q.Buttons = append(q.Buttons, []ButtonView{btn(ActionPick(i), strconv.Itoa(i+1)+". "+c)})
		}
	}
	q.Buttons = append(q.Buttons, []ButtonView{btn(ActionSkip, T(st.lang(), "dont_know"))})
	return q
}

// textAnswer reads free text typed during a question: the answer of a text
// item; for choices "2", "le 2", "B", the choice's words when unambiguous,
// or "1 3" for several; "je ne sais pas" in any spelling; a question about a
// word ("c koi un navigateur") gets its definition, then the question again.
func (st *step) textAnswer(text string) error {
	it, err := st.current()
	record, reask, n := st.record, st.ask, st.s.Question
	if p := st.s.Path; st.m.current() == StateFollowUp && p != nil && p.Check != nil {
		var ok bool
		if it, ok = st.env.Bank.Item(p.Check.Item); !ok {
			return fmt.Errorf("dialog: check item %q is no longer in the bank", p.Check.Item)
		}
		err, record, reask, n = nil, st.checkAnswer, st.askCheck, p.Check.Number
	}
	if err != nil {
		return err
	}
	if isDontKnow(text) {
		return record(it, bank.Response{Skip: true}, T(st.lang(), "skipped"))
	}
	l := it.In(st.lang())
	if q, explicit := defineQuery(text, words(l.Prompt+" "+strings.Join(l.Choices, " "))); q != "" && (explicit || it.Type != bank.Text) {
		if term, def, ok := st.define(q); ok {
			st.say("definition", "term", term, "text", def)
			return reask(false)
		}
		if explicit {
			st.sayButtons(T(st.lang(), "no_definition", "word", q))
			st.t.Outputs[len(st.t.Outputs)-1].Buttons = st.questionView(it, n, "", false).Buttons
			return nil
		}
	}
	if it.Type == bank.Text {
		if bank.Fold(text) == "" {
			st.notUnderstood("use_buttons", st.questionView(it, n, "", false).Buttons)
			return nil
		}
		return record(it, bank.Response{Text: text}, T(st.lang(), "answer_recorded", "answer", truncate(strings.TrimSpace(text), 200)))
	}
	choices := l.Choices
	picks, ok := parseChoices(text, choices, it.In("fr").Choices, it.Type == bank.Multiple)
	if !ok {
		st.notUnderstood("use_buttons", st.questionView(it, n, "", false).Buttons)
		return nil
	}
	return record(it, bank.Response{Choices: picks}, st.answerText(choices, picks))
}

// define looks word up in the glossary, when there is one.
func (st *step) define(word string) (term, text string, ok bool) {
	if st.env.Define == nil {
		return "", "", false
	}
	return st.env.Define(st.lang(), word)
}

func (st *step) answerText(choices []string, picks []int) string {
	var parts []string
	for _, p := range picks {
		parts = append(parts, strconv.Itoa(p+1)+". "+choices[p])
	}
	return T(st.lang(), "answer_recorded", "answer", strings.Join(parts, " · "))
}

func (st *step) button() error {
	b, err := ParseButton(st.in.Data)
	if err != nil {
		st.say("stale_plain")
		return nil
	}
	if b.Menu != "" {
		return st.menuButton(b)
	}
	state := st.m.current()
	if p := st.s.Path; p != nil && p.Check != nil && b.Session == st.s.Nonce && b.Question == p.Check.Number &&
		(state == StateFollowUp || state == StateHelp) {
		if state == StateHelp { // answering ends the help request, as in the test
			if err := st.fire("resume:" + StateFollowUp); err != nil {
				return err
			}
			st.s.Return, st.s.HelpPending = "", false
		}
		it, ok := st.env.Bank.Item(p.Check.Item)
		if !ok {
			return fmt.Errorf("dialog: check item %q is no longer in the bank", p.Check.Item)
		}
		return st.answerButton(it, b, st.checkAnswer, st.askCheck)
	}
	current := st.s.Engine != nil && st.s.Engine.Pending != "" && b.Session == st.s.Nonce && b.Question == st.s.Question
	if !current || (state != StateQuestion && state != StatePaused && state != StateHelp) {
		switch {
		case state == StateQuestion:
			st.say("stale")
			return st.ask(false)
		case state == StateConfirmCampaign && current:
			st.say("use_menu") // answer the campaign's question first
			return st.confirmCampaign()
		}
		st.say("stale_plain")
		return nil
	}
	if state != StateQuestion && st.s.Return == StateConfirmCampaign {
		// Paused or helped at the campaign's question: the diagnostic's
		// button ends the pause, and the campaign's question is asked
		// again, not dropped without a word.
		if err := st.leave(); err != nil {
			return err
		}
		st.say("use_menu")
		return st.confirmCampaign()
	}
	if state != StateQuestion { // pressing the current question's button ends a pause or help
		if err := st.fire("resume:" + StateQuestion); err != nil {
			return err
		}
		st.s.Return, st.s.HelpPending = "", false
	}
	it, err := st.current()
	if err != nil {
		return err
	}
	return st.answerButton(it, b, st.record, st.ask)
}

// answerButton applies an answer button to item it: record scores a final
// answer, ask shows the question again (ticks changed, or a forged button).
func (st *step) answerButton(it *bank.Item, b Button, record func(*bank.Item, bank.Response, string) error, ask func(bool) error) error {
	choices := it.In(st.lang()).Choices
	switch act := b.Action; {
	case act == ActionSkip:
		return record(it, bank.Response{Skip: true}, T(st.lang(), "skipped"))
	case act == ActionValidate:
		if it.Type != bank.Multiple {
			break
		}
		if len(st.s.Selected) == 0 {
			st.say("choose_first")
			return ask(false) // the boxes to tick, again
		}
		picks := slices.Sorted(slices.Values(st.s.Selected))
		return record(it, bank.Response{Choices: picks}, st.answerText(choices, picks))
	case act[0] == 't':
		i := int(act[1] - '0')
		if it.Type != bank.Multiple || i >= len(choices) {
			break
		}
		if k := slices.Index(st.s.Selected, i); k >= 0 {
			st.s.Selected = slices.Delete(st.s.Selected, k, k+1)
		} else {
			st.s.Selected = append(st.s.Selected, i)
		}
		return ask(true)
	default:
		i := int(act[0] - '0')
		if it.Type == bank.Multiple || it.Type == bank.Text || i >= len(choices) {
			break
		}
		return record(it, bank.Response{Choices: []int{i}}, st.answerText(choices, []int{i}))
	}
	// A well-formed button that does not fit this question: forged.
	st.say("stale")
	return ask(false)
}

// record scores and stores an answer, then moves on.
func (st *step) record(it *bank.Item, r bank.Response, shown string) error {
	correct := it.Correct(r)
	if err := st.env.Engine.Answer(st.s.Engine, it.ID, correct, r.Skip); err != nil {
		return err
	}
	resp := responseText(r)
	st.s.Given = append(st.s.Given, Given{Item: it.ID, Response: resp, Correct: correct, Skipped: r.Skip})
	st.t.Answers = append(st.t.Answers, AnswerLog{Item: it.ID, Correct: correct, Skipped: r.Skip, Response: resp, Question: st.s.Question})
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutAnswered, Lang: st.lang(), Answered: &AnsweredView{Session: st.s.Nonce, Number: st.s.Question, Text: shown}})
	feedback := st.s.Campaign != nil && st.s.Campaign.Feedback
	switch {
	case r.Skip: // honesty is never punished: no ❌, and the tip as a thing good to know
		st.say("skipped_ok")
		if feedback {
			st.say("good_to_know", "tip", it.In(st.lang()).Tip)
		}
	case !feedback:
	case correct:
		st.say("right")
	default:
		st.say("wrong")
		st.say("tip", "tip", it.In(st.lang()).Tip)
	}
	st.s.Selected = nil
	return st.next()
}
