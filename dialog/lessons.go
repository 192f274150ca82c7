package dialog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// The follow-up path once chosen: the scheduler's tick, lessons, their
// check questions, /parcours and /progres.

func (st *step) tick() error {
	if st.s.NudgeAt != (time.Time{}) {
		return st.nudge()
	}
	p := st.s.Path
	if p == nil || p.State != PathActive {
		return nil // stopped or paused since it was scheduled
	}
	now := st.env.Now
	loc := st.fu().Zone()
	if p.Due.After(now) {
		// Stale: taken from the schedule before a turn of the learner
		// moved the due time (a new moment, an answer); the schedule
		// holds the new one. Nothing now.
		return nil
	}
	state := st.m.current()
	if state != StateFollowUp || st.fu().Quiet(now) {
		// Late after a restart, or the learner is busy (help, erase
		// question): try again at the next slot, send nothing now. After
		// midnight that is still today's; strictly after now, so the
		// scheduler does not take it again at once.
		p.Due = st.nextSlot(now.Add(time.Minute))
		return nil
	}
	if p.Check != nil { // the last check question is unanswered
		if p.Reminders >= MaxReminders {
			p.State, p.Due = PathPaused, time.Time{}
			return nil
		}
		p.Reminders++
		p.LastDay = day(now, loc)
		st.say("reminder")
		if err := st.askCheck(false); err != nil {
			return err
		}
		p.Due = st.dayAfter(1)
		return nil
	}
	if p.LastDay == day(now, loc) {
		p.Due = st.dayAfter(1) // never two lessons the same day
		return nil
	}
	if i := st.dueReview(); i >= 0 {
		p.LastDay = day(now, loc)
		st.say("review_intro")
		return st.newCheck(i)
	}
	for i := range p.Steps {
		if p.Steps[i].Taught.IsZero() {
			p.LastDay = day(now, loc)
			if sent, err := st.teach(i); err != nil || sent {
				return err
			}
			// The lesson is gone from the content: the next one today.
		}
	}
	return st.settle()
}

// settle finishes the path when every check stuck, else schedules what
// comes next: an active path with work left always has a due time.
func (st *step) settle() error {
	if p := st.s.Path; p.done() == len(p.Steps) {
		return st.finishPath()
	}
	st.s.Path.Due = st.nextActivity()
	return nil
}

// dueReview is the step whose check question is due by the end of today,
// the most overdue first, or -1.
func (st *step) dueReview() int {
	p := st.s.Path
	loc := st.fu().Zone()
	l := st.env.Now.In(loc)
	endOfDay := time.Date(l.Year(), l.Month(), l.Day(), 23, 59, 59, 0, loc)
	best := -1
	for i := range p.Steps {
		r := p.reviewAt(i)
		if r.IsZero() || r.After(endOfDay) {
			continue
		}
		if best < 0 || r.Before(p.reviewAt(best)) {
			best = i
		}
	}
	return best
}

// teach sends step i's lesson and its check question; sent is false when the
// lesson is no longer in the content (the step is retired quietly).
func (st *step) teach(i int) (sent bool, err error) {
	p := st.s.Path
	s := &p.Steps[i]
	l, ok := st.env.Lesson(s.Competence, s.Skill, st.lang())
	if !ok { // removed from the content since: retire it quietly
		s.Taught, s.Retired = st.env.Now, true
		return false, nil
	}
	s.Taught = st.env.Now
	text := T(st.lang(), "lesson_header", "i", i+1, "n", len(p.Steps), "title", l.Title) + "\n\n" + l.Text + "\n\n👉 " + l.Try
	if l.Link != "" {
		text += "\n\n🔗 " + l.Link
	}
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutText, Lang: st.lang(), Text: text})
	return true, st.newCheck(i)
}

// checkItem picks the check question of step i: the lesson's own first,
// then the skill's other items in turn, so a review is not always the same.
func (st *step) checkItem(i int) (*bank.Item, bool) {
	s := st.s.Path.Steps[i]
	var ids []string
	if l, ok := st.env.Lesson(s.Competence, s.Skill, st.lang()); ok && l.Check != "" {
		ids = append(ids, l.Check)
	}
	for _, it := range st.env.Engine.Items() {
		if it.Competence == s.Competence && it.Skill == s.Skill && !slices.Contains(ids, it.ID) {
			ids = append(ids, it.ID)
		}
	}
	for k := range ids {
		if it, ok := st.env.Bank.Item(ids[(s.Checks+k)%len(ids)]); ok {
			return it, true
		}
	}
	return nil, false
}

func (st *step) newCheck(i int) error {
	p := st.s.Path
	it, ok := st.checkItem(i)
	if !ok { // no item left for this skill: count it as known
		p.Steps[i].Retired = true
		return st.settle()
	}
	p.Asked++
	p.Steps[i].Checks++
	p.Check = &PathCheck{Step: i, Item: it.ID, Number: checkNumberBase + p.Asked, Sent: st.env.Now}
	p.Reminders = 0
	st.s.Selected = nil
	if err := st.askCheck(false); err != nil {
		return err
	}
	p.Due = st.dayAfter(1) // a reminder then, unless answered
	return nil
}

func (st *step) askCheck(refresh bool) error {
	c := st.s.Path.Check
	it, ok := st.env.Bank.Item(c.Item)
	if !ok {
		return fmt.Errorf("dialog: check item %q is no longer in the bank", c.Item)
	}
	return st.askItem(it, c.Number, T(st.lang(), "check_header"), refresh)
}

// checkAnswer scores the answer to the pending check question.
func (st *step) checkAnswer(it *bank.Item, r bank.Response, shown string) error {
	p := st.s.Path
	c := p.Check
	correct := it.Correct(r)
	now := st.env.Now
	st.t.Answers = append(st.t.Answers, AnswerLog{Item: it.ID, Correct: correct, Skipped: r.Skip, Response: responseText(r), Question: c.Number,
		Order: st.shownOrder(it), Lang: st.lang()})
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutAnswered, Lang: st.lang(), Answered: &AnsweredView{Session: st.s.Nonce, Number: c.Number, Text: shown}})
	if k := slices.IndexFunc(p.Responses, func(x engine.Response) bool { return x.Item == it.ID }); k >= 0 {
		p.Responses[k] = engine.Response{Item: it.ID, Correct: correct}
	} else {
		p.Responses = append(p.Responses, engine.Response{Item: it.ID, Correct: correct})
	}
	s := &p.Steps[c.Step]
	if correct {
		st.say("check_right")
		s.Streak++
		if s.Streak > len(reviewAfter) {
			s.Retired, s.Review = true, time.Time{}
		} else {
			s.Review = st.dayAfter(reviewAfter[s.Streak-1])
		}
	} else {
		if r.Skip {
			st.say("skipped_ok")
			st.say("good_to_know", "tip", it.In(st.lang()).Tip)
		} else {
			st.say("check_wrong")
			st.say("tip", "tip", it.In(st.lang()).Tip)
		}
		s.Streak = 0
		s.Review = st.dayAfter(1)
	}
	p.Check, p.Reminders, p.LastAnswer = nil, 0, now
	st.s.Selected = nil
	if p.done() == len(p.Steps) {
		return st.finishPath()
	}
	p.Due = st.nextActivity()
	st.say("next_lesson", "when", st.when(p.Due))
	return nil
}

// responseText is an answer as the log keeps it: the typed text, or the
// choices' indexes ("0,2").
func responseText(r bank.Response) string {
	resp := r.Text
	if len(r.Choices) > 0 {
		var parts []string
		for _, c := range r.Choices {
			parts = append(parts, strconv.Itoa(c))
		}
		resp = strings.Join(parts, ",")
	}
	return truncate(resp, 200)
}

func (st *step) finishPath() error {
	p := st.s.Path
	p.State, p.Due, p.Check, p.FinishedAt = PathFinished, time.Time{}, nil, st.env.Now
	if err := st.fire("end_path"); err != nil {
		return err
	}
	st.say("path_finished", "n", len(p.Steps))
	return st.offerRetest()
}

// stopPath is /stop during the follow-up: nothing more is sent.
func (st *step) stopPath() error {
	p := st.s.Path
	p.State, p.Due, p.Check = PathStopped, time.Time{}, nil
	if st.m.current() == StateFollowUp {
		if err := st.fire("end_path"); err != nil {
			return err
		}
	} else if st.s.Return == StateFollowUp {
		// During help: come back to "done", not to a follow-up with
		// nothing in it, where /start could not begin a new diagnostic.
		st.s.Return = StateDone
	}
	st.say("path_stopped")
	return nil
}

// wake brings a paused path back when the learner writes.
func (st *step) wake() error {
	p := st.s.Path
	p.State, p.Reminders = PathActive, 0
	st.say("path_back")
	if p.Check != nil {
		if err := st.askCheck(false); err != nil {
			return err
		}
		p.Due = st.dayAfter(1)
		return nil
	}
	p.Due = st.nextActivity()
	st.say("next_lesson", "when", st.when(p.Due))
	return nil
}

// showPath is /parcours.
func (st *step) showPath() error {
	p := st.s.Path
	if p == nil {
		if st.s.FinishedAt.IsZero() {
			st.say("path_none")
			return nil
		}
		steps, err := st.pathSteps()
		if err != nil {
			return err
		}
		if len(steps) == 0 {
			st.say("path_none_needed")
			return nil
		}
		st.s.Path = &Path{State: PathOffered, Steps: steps, Baseline: st.baseline(), Jitter: int(st.s.Nonce % 60)}
		p = st.s.Path
	}
	var lines []string
	for i, s := range p.Steps {
		l, _ := st.env.Lesson(s.Competence, s.Skill, st.lang())
		mark := "⏳"
		switch {
		case s.Retired:
			mark = "✅"
		case !s.Taught.IsZero():
			mark = "🔁"
		}
		lines = append(lines, fmt.Sprintf("%s %d. %s", mark, i+1, l.Title))
	}
	st.say("path_show", "list", strings.Join(lines, "\n"), "done", st.plural("kept_one", "kept_many", p.done()), "n", len(p.Steps))
	switch p.State {
	case PathActive:
		if p.Check != nil {
			st.say("path_waiting")
			return st.askCheck(false)
		}
		st.say("next_lesson", "when", st.when(p.Due))
	case PathPaused:
		return st.wake()
	case PathFinished:
	default: // offered, declined, stopped: offer the moments again
		if st.m.current() == StateDone {
			p.State = PathOffered
			if err := st.fire("follow"); err != nil {
				return err
			}
		}
		if st.m.current() == StateFollowUp {
			st.askSlot()
		}
	}
	return nil
}

func (st *step) baseline() map[string]float64 {
	base := map[string]float64{}
	if st.s.Engine == nil {
		return base
	}
	if res, err := st.env.Engine.Result(st.s.Engine); err == nil {
		for _, c := range res.Competences {
			base[c.Competence] = engine.ContinuousLevel(c.Theta)
		}
	}
	return base
}

// Current is the learner's result now: the diagnostic's answers updated by
// the path's check answers (each replaces an earlier answer to its item).
func Current(s Session, e *engine.Engine) (engine.Result, error) {
	if s.Engine == nil {
		return engine.Result{}, fmt.Errorf("dialog: no diagnostic")
	}
	es := *s.Engine
	es.Responses = slices.Clone(s.Engine.Responses)
	if s.Path != nil {
		for _, r := range s.Path.Responses {
			if err := e.Observe(&es, r.Item, r.Correct); err != nil {
				return engine.Result{}, err
			}
		}
	}
	return e.Result(&es)
}

// progress is /progres: each competence of the path, then and now, named
// and levelled as /resultats does (plain name, whole level out of 8). A
// competence moves only on new answers about it; one that moved through
// the others' answers is marked "estimé".
func (st *step) progress() error {
	if st.s.Engine == nil || st.s.FinishedAt.IsZero() {
		st.say("no_results", "questions", st.questions(st.answered()))
		return nil
	}
	res, err := Current(st.s, st.env.Engine)
	if err != nil {
		return err
	}
	base := st.baseline()
	if st.s.Path != nil && len(st.s.Path.Baseline) > 0 {
		base = st.s.Path.Baseline
	}
	// The path's competences, and any other with new answers: a phone
	// screen, not a table of sixteen.
	onPath, answered := map[string]bool{}, map[string]bool{}
	if p := st.s.Path; p != nil {
		for _, s := range p.Steps {
			onPath[s.Competence] = true
		}
		for _, r := range p.Responses {
			if it, ok := st.env.Bank.Item(r.Item); ok {
				answered[it.Competence] = true
			}
		}
	}
	sep := " : " // French puts a space before the colon
	if st.lang() == "en" {
		sep = ": "
	}
	var lines []string
	for _, c := range res.Competences {
		v, ok := base[c.Competence]
		if !ok || len(onPath) > 0 && !onPath[c.Competence] && !answered[c.Competence] {
			continue
		}
		then := int(v) // the whole level /resultats showed (LevelOf is the floor of the continuous level)
		now := c.Level
		arrow := "="
		switch {
		case now > then:
			arrow = "↗"
		case now < then:
			arrow = "↘"
		}
		line := arrow + " " + plainName(st.lang(), c.Competence) + " (" + c.Competence + ")" + sep + strconv.Itoa(then) + " → " + strconv.Itoa(now)
		if now != then && !answered[c.Competence] {
			line += " (" + T(st.lang(), "estimated") + ")"
		}
		lines = append(lines, line)
	}
	st.say("progress", "list", strings.Join(lines, "\n"))
	return nil
}
