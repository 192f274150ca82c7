package dialog

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	if es := st.s.Engine; es != nil && es.Pending == "" && es.Done && st.m.current() == StateQuestion {
		return st.finish() // the last question left the bank (mend): the diagnostic is over
	}
	it, err := st.current()
	if err != nil {
		return err
	}
	max := st.s.Engine.Config.MaxQuestions
	header := T(st.lang(), "question_header", "n", st.s.Question, "bar", progressBar(st.s.Question, max)) +
		"\n" + st.left(st.remaining())
	return st.askItem(it, st.s.Question, header, refresh)
}

// remaining is how many questions are left at most, the one asked
// included: the engine's bound (what is left of the maximum, never more than
// the skills not asked yet, the pilot question counted). The stop rule may
// end sooner, never later.
func (st *step) remaining() int {
	return st.env.Engine.Remaining(st.s.Engine)
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

// ButtonWidth is how many characters a button shows on one line of a phone
// in Telegram: a longer label is cut.
const ButtonWidth = 30

// questionView is item it shown as question number n. When every choice
// fits on a button, the choices are the buttons; otherwise they are listed
// numbered in the text, with a button per number. The choices come in the
// learner's order (choiceOrder); buttons carry the item's own index.
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
	if it.Type == bank.Text {
		q.TypeIn = true
		q.Hint = T(st.lang(), "type_answer")
		q.Buttons = [][]ButtonView{{btn(ActionSkip, T(st.lang(), "dont_know"))}}
		return q
	}
	order := st.choiceOrder(it)
	shown := inOrder(l.Choices, order)
	box := func(k int) string {
		if it.Type != bank.Multiple {
			return ""
		}
		if slices.Contains(st.s.Selected, k) {
			return "✅ "
		}
		return "☐ "
	}
	fits := true
	for p, c := range shown {
		fits = fits && utf8.RuneCountInString(box(order[p])+c) <= ButtonWidth
	}
	var numbers []ButtonView
	for p, k := range order {
		action := ActionPick(k)
		if it.Type == bank.Multiple {
			action = ActionToggle(k)
		}
		if fits {
			q.Buttons = append(q.Buttons, []ButtonView{btn(action, box(k)+shown[p])})
		} else {
			numbers = append(numbers, btn(action, box(k)+strconv.Itoa(p+1)))
		}
	}
	if !fits {
		q.Choices = shown
		q.Buttons = append(q.Buttons, numbers)
	}
	if it.Type == bank.Multiple {
		q.Hint = T(st.lang(), "multiple_hint")
		q.Buttons = append(q.Buttons, []ButtonView{btn(ActionValidate, T(st.lang(), "validate"))})
	}
	q.Buttons = append(q.Buttons, []ButtonView{btn(ActionSkip, T(st.lang(), "dont_know"))})
	return q
}

// choiceOrder is the order item it's choices are shown in to this learner:
// order[p] is the item's index of the choice shown at place p. It is
// shuffled, so the place of the right answer gives nothing away, and
// seeded by the diagnostic's nonce and the item, so the same question shows
// the same order again (a stale button, /reprendre, a restart, the other
// language). Vrai/faux keeps its order, and so do choices that are numbers.
func (st *step) choiceOrder(it *bank.Item) []int {
	order := make([]int, len(it.Choices))
	for i := range order {
		order[i] = i
	}
	if it.Type != bank.Single && it.Type != bank.Multiple {
		return order
	}
	for _, c := range it.Choices {
		if _, ok := choiceNumber(c.Text, true); ok {
			// Choices that are numbers or letters ("2", "12", "B") keep
			// their order: shuffled, "2" typed would name both the second
			// place and the choice "2", and a list of numbers reads in order.
			return order
		}
	}
	h := uint64(14695981039346656037) // FNV-1a of the item id, then the nonce
	for i := 0; i < len(it.ID); i++ {
		h = (h ^ uint64(it.ID[i])) * 1099511628211
	}
	x := h ^ uint64(st.s.Nonce)<<32
	for i := len(order) - 1; i > 0; i-- { // Fisher–Yates on splitmix64
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
		j := int(z % uint64(i+1))
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// inOrder is choices in order.
func inOrder(choices []string, order []int) []string {
	out := make([]string, len(order))
	for p, k := range order {
		if k < len(choices) {
			out[p] = choices[k]
		}
	}
	return out
}

// orderText is an order as the answer log keeps it ("2,0,1").
func orderText(order []int) string {
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = strconv.Itoa(k)
	}
	return strings.Join(parts, ",")
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
	if rt, ok := st.retestPending(); ok {
		it, err, record, reask, n = rt, nil, st.retestAnswer, st.askRetest, st.s.Path.Retest.Number
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
			if givesAway(it, q, term, def) {
				st.sayButtons(T(st.lang(), "definition_later", "word", q))
				st.t.Outputs[len(st.t.Outputs)-1].Buttons = st.questionView(it, n, "", false).Buttons
				return nil
			}
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
	order := st.choiceOrder(it)
	picks, ok := parseChoices(text, inOrder(l.Choices, order), inOrder(it.In("fr").Choices, order), it.Type == bank.Multiple)
	if !ok {
		st.notUnderstood("use_buttons", st.questionView(it, n, "", false).Buttons)
		return nil
	}
	for i, p := range picks { // places shown to the item's own indexes
		picks[i] = order[p]
	}
	slices.Sort(picks)
	return record(it, bank.Response{Choices: picks}, st.answerText(it, picks))
}

// givesAway tells whether defining a word now would hand over the item's
// answer: the word is one of the choices' words (knowing it is what the
// question tests), or the definition says the keyed answer itself.
func givesAway(it *bank.Item, query, term, def string) bool {
	var choices []string
	for _, lang := range []string{"fr", "en"} {
		choices = append(choices, it.In(lang).Choices...)
	}
	hay := wordText(strings.Join(choices, " | "))
	for _, w := range []string{query, term} {
		if f := wordText(w); f != "  " && strings.Contains(hay, f) {
			return true
		}
	}
	if it.Type == bank.TrueFalse {
		return false // "Vrai" and "Faux" say nothing of a definition
	}
	d := wordText(def)
	for _, k := range it.CorrectChoices() {
		for _, lang := range []string{"fr", "en"} {
			if ch := it.In(lang).Choices; k < len(ch) {
				if f := wordText(ch[k]); len(f) >= 6 && strings.Contains(d, f) {
					return true
				}
			}
		}
	}
	return false
}

// wordText is s folded to its words, spaces around each: " le site caf fr ".
func wordText(s string) string {
	return " " + strings.Join(strings.FieldsFunc(bank.Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ") + " "
}

// define looks word up in the glossary, when there is one.
func (st *step) define(word string) (term, text string, ok bool) {
	if st.env.Define == nil {
		return "", "", false
	}
	return st.env.Define(st.lang(), word)
}

// shownOrder is the order of it's choices as shown, for the answer log; ""
// for a typed answer.
func (st *step) shownOrder(it *bank.Item) string {
	if it.Type == bank.Text {
		return ""
	}
	return orderText(st.choiceOrder(it))
}

// answerText shows the choices picked (the item's indexes) as the learner
// saw them: their place and words, in the order shown.
func (st *step) answerText(it *bank.Item, picks []int) string {
	choices := it.In(st.lang()).Choices
	var parts []string
	for p, k := range st.choiceOrder(it) {
		if slices.Contains(picks, k) && k < len(choices) {
			parts = append(parts, strconv.Itoa(p+1)+". "+choices[k])
		}
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
	if st.s.Path != nil && st.retestButton(b) {
		if it, ok := st.retestPending(); ok {
			return st.answerButton(it, b, st.retestAnswer, st.askRetest)
		}
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
		return record(it, bank.Response{Choices: picks}, st.answerText(it, picks))
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
		return record(it, bank.Response{Choices: []int{i}}, st.answerText(it, []int{i}))
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
	st.t.Answers = append(st.t.Answers, AnswerLog{Item: it.ID, Correct: correct, Skipped: r.Skip, Response: resp, Question: st.s.Question,
		Order: st.shownOrder(it), Lang: st.lang()})
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
