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

// The follow-up path: after the diagnostic, one micro-lesson a day in the
// moment the learner chose, each followed by a check question; check
// questions come back until they stick (see reviewAfter).

// Path states.
const (
	PathOffered  = "offered"  // shown, waiting for a moment of the day
	PathActive   = "active"   // lessons are scheduled
	PathPaused   = "paused"   // two reminders went unanswered, or /pause: waits for the learner
	PathStopped  = "stopped"  // /stop
	PathDeclined = "declined" // "Non merci"
	PathFinished = "finished" // every check question stuck
)

// DefaultPathLength is how many skills a path has when the campaign does not say.
const DefaultPathLength = 5

// MaxReminders is how many reminders an unanswered check question gets
// before the path pauses.
const MaxReminders = 2

// checkNumberBase numbers the check questions' buttons apart from the
// diagnostic's (1–64), so an old diagnostic button is stale here.
const checkNumberBase = 1000

// Slots: the moment of the day the learner picked, as a local hour. Sends of
// one slot spread over the following hour (Path jitter), so a whole campaign
// does not hit the channel's rate limits at once.
var slotHours = map[string]int{"matin": 10, "apresmidi": 14, "soir": 18}

// reviewAfter is the spacing rule, a documented simpler rule than FSRS: a
// check question answered right comes back after 3, then 7 days; right three
// times in a row, it is retired (remembered). A miss brings it back the next
// day and starts the count again.
var reviewAfter = []int{3, 7}

// FollowUp is the schedule's setting, passed in by the caller.
type FollowUp struct {
	Location   *time.Location // the learners' time zone; nil = UTC
	QuietStart int            // no message from this hour (default 21)…
	QuietEnd   int            // …to this hour (default 9)
	Weekends   bool           // lessons on Saturdays and Sundays too
}

// Zone is the learners' time zone (UTC when none is set).
func (f FollowUp) Zone() *time.Location {
	if f.Location == nil {
		return time.UTC
	}
	return f.Location
}

func (f FollowUp) quiet() (start, end int) {
	start, end = f.QuietStart, f.QuietEnd
	if start == 0 && end == 0 {
		start, end = 21, 9
	}
	return start, end
}

// Quiet tells whether t falls in the quiet hours or on a day without lessons.
func (f FollowUp) Quiet(t time.Time) bool {
	l := t.In(f.Zone())
	if !f.Weekends && (l.Weekday() == time.Saturday || l.Weekday() == time.Sunday) {
		return true
	}
	start, end := f.quiet()
	h := l.Hour()
	if start > end { // 21 → 9: over midnight
		return h >= start || h < end
	}
	return h >= start && h < end
}

// LessonView is a micro-lesson in one language, as the caller's bank has it.
type LessonView struct {
	Title, Text, Try, Link string
	Check                  string // item id of the check question
}

// Path is a learner's follow-up.
type Path struct {
	State      string             `json:"state"`
	Slot       string             `json:"slot,omitempty"`
	Jitter     int                `json:"jitter,omitempty"` // minutes after the slot's hour
	Steps      []PathStep         `json:"steps"`
	Due        time.Time          `json:"due,omitzero"` // the next scheduled moment; zero = none
	Check      *PathCheck         `json:"check,omitempty"`
	Reminders  int                `json:"reminders,omitempty"`
	LastDay    string             `json:"last_day,omitempty"` // local date of the last lesson or review sent
	Asked      int                `json:"asked,omitempty"`    // check questions asked, numbering their buttons
	Baseline   map[string]float64 `json:"baseline"`           // continuous level per competence at the diagnostic
	Responses  []engine.Response  `json:"responses,omitempty"`
	StartedAt  time.Time          `json:"started_at,omitzero"`
	FinishedAt time.Time          `json:"finished_at,omitzero"`
	LastAnswer time.Time          `json:"last_answer,omitzero"`
}

// PathStep is one skill of the path.
type PathStep struct {
	Competence string    `json:"competence"`
	Skill      string    `json:"skill"`
	Taught     time.Time `json:"taught,omitzero"` // lesson sent
	Streak     int       `json:"streak,omitempty"`
	Review     time.Time `json:"review,omitzero"` // next check; zero before the lesson or once retired
	Retired    bool      `json:"retired,omitempty"`
	Checks     int       `json:"checks,omitempty"` // check questions asked for this step
}

// PathCheck is the check question waiting for an answer.
type PathCheck struct {
	Step   int       `json:"step"`
	Item   string    `json:"item"`
	Number int       `json:"number"`
	Sent   time.Time `json:"sent"`
}

// Due is the moment the learner's path next needs the scheduler, zero if none.
func (s Session) Due() time.Time {
	if s.Path == nil || s.Path.State != PathActive {
		return time.Time{}
	}
	return s.Path.Due
}

// reviewAt is when step i's check question is next due; zero before its
// lesson and once retired. A step whose check went unanswered (pending, or
// dropped by /stop or a new choice of moment) is due at once, so it is never
// forgotten.
func (p *Path) reviewAt(i int) time.Time {
	s := p.Steps[i]
	switch {
	case s.Taught.IsZero() || s.Retired:
		return time.Time{}
	case p.Check != nil && p.Check.Step == i:
		return p.Check.Sent
	case s.Review.IsZero():
		return s.Taught
	}
	return s.Review
}

func (p *Path) done() int {
	n := 0
	for _, s := range p.Steps {
		if s.Retired {
			n++
		}
	}
	return n
}

// ---- time

func (st *step) fu() FollowUp { return st.env.FollowUp }

func day(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// slotOn is the learner's moment on the local day of t, kept inside the
// allowed hours.
func (st *step) slotOn(t time.Time) time.Time {
	f, p := st.fu(), st.s.Path
	loc := f.Zone()
	l := t.In(loc)
	h, ok := slotHours[p.Slot]
	if !ok {
		h = slotHours["apresmidi"]
	}
	start, end := f.quiet()
	m := h*60 + p.Jitter
	if start > end { // the allowed window is [end, start)
		m = max(m, end*60)
		m = min(m, start*60-1)
	}
	// In local wall time: adding minutes to midnight would be off by an
	// hour on the days the clocks change.
	return time.Date(l.Year(), l.Month(), l.Day(), m/60, m%60, 0, 0, loc)
}

// nextSlot is the first moment of the learner's slot at or after t on a day
// with lessons, outside the quiet hours.
func (st *step) nextSlot(t time.Time) time.Time {
	// Count days in local time: in UTC a day is 24 h, which skips or
	// repeats a local day around a change of time.
	l := t.In(st.fu().Zone())
	for d := 0; d < 10; d++ {
		s := st.slotOn(l.AddDate(0, 0, d))
		if !s.Before(t) && !st.fu().Quiet(s) {
			return s
		}
	}
	return st.slotOn(l.AddDate(0, 0, 1)) // cannot happen with sane quiet hours
}

// dayAfter is the slot n days after now's local day (or the next allowed one).
func (st *step) dayAfter(n int) time.Time {
	loc := st.fu().Zone()
	l := st.env.Now.In(loc)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, n)
	return st.nextSlot(d)
}

// ---- offering the path

// pathSteps chooses the skills: just above the learner's level in their
// weakest target competences, only those with a lesson.
func (st *step) pathSteps() ([]PathStep, error) {
	n := DefaultPathLength
	if c := st.s.Campaign; c != nil && c.PathLength != 0 {
		n = c.PathLength
	}
	if n <= 0 || st.s.Engine == nil || st.env.Lesson == nil {
		return nil, nil
	}
	recs, err := st.env.Engine.Recommend(st.s.Engine, 3*n)
	if err != nil {
		return nil, err
	}
	var steps []PathStep
	for _, r := range recs {
		if len(steps) == n {
			break
		}
		if _, ok := st.env.Lesson(r.Competence, r.Skill, st.lang()); ok {
			steps = append(steps, PathStep{Competence: r.Competence, Skill: r.Skill})
		}
	}
	return steps, nil
}

// closeDiagnostic ends the results or the review: the path is offered when
// there is one, else the conversation is done.
func (st *step) closeDiagnostic() error {
	if err := st.fire("close"); err != nil {
		return err
	}
	steps, err := st.pathSteps()
	if err != nil {
		return err
	}
	if len(steps) == 0 {
		st.say("done")
		return nil
	}
	st.s.Path = &Path{State: PathOffered, Steps: steps, Baseline: st.baseline(), Jitter: int(st.s.Nonce % 60)}
	if err := st.fire("follow"); err != nil {
		return err
	}
	return st.offerPath()
}

func (st *step) offerPath() error {
	p := st.s.Path
	var lines []string
	for i, s := range p.Steps {
		l, _ := st.env.Lesson(s.Competence, s.Skill, st.lang())
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, l.Title))
	}
	st.say("path_offer", "n", len(p.Steps), "list", strings.Join(lines, "\n"))
	st.askSlot()
	return nil
}

// askSlot asks for the moment of the day, or "no thanks".
func (st *step) askSlot() {
	st.sayButtons(T(st.lang(), "path_when"), slotButtons(st.lang())...)
}

// slotButtons are the moments of the day to choose from, and "no thanks".
func slotButtons(lang string) []ButtonView {
	var out []ButtonView
	for _, s := range [][2]string{{"matin", "btn_morning"}, {"apresmidi", "btn_afternoon"}, {"soir", "btn_evening"}, {"non", "btn_no_path"}} {
		out = append(out, ButtonView{Label: T(lang, s[1]), Data: Button{Menu: "path", Value: s[0]}.Encode()})
	}
	return out
}

// pathMenu handles the slot buttons.
func (st *step) pathMenu(value string) error {
	p := st.s.Path
	if p == nil || p.State == PathFinished {
		st.say("stale_plain")
		return nil
	}
	if st.m.current() == StateDone {
		if err := st.fire("follow"); err != nil {
			return err
		}
	}
	if value == "non" {
		p.State, p.Due, p.Check = PathDeclined, time.Time{}, nil
		if err := st.fire("end_path"); err != nil {
			return err
		}
		st.say("path_declined")
		return nil
	}
	if _, ok := slotHours[value]; !ok {
		st.say("stale_plain")
		return nil
	}
	p.Slot = value
	if p.State != PathActive {
		p.State, p.Reminders = PathActive, 0
		if p.StartedAt.IsZero() {
			p.StartedAt = st.env.Now
		}
	}
	p.Due = st.nextActivity()
	st.say("path_set", "slot", T(st.lang(), "slot_"+value), "when", st.when(p.Due))
	return nil
}

// when says a moment the way a person would: "demain vers 10 h".
func (st *step) when(t time.Time) string {
	loc := st.fu().Zone()
	l, now := t.In(loc), st.env.Now.In(loc)
	hour := T(st.lang(), "at_hour", "h", l.Hour())
	switch day(t, loc) {
	case day(now, loc):
		return T(st.lang(), "today") + " " + hour
	case day(now.AddDate(0, 0, 1), loc):
		return T(st.lang(), "tomorrow") + " " + hour
	}
	return T(st.lang(), "weekday_"+strings.ToLower(l.Weekday().String())) + " " + hour
}

// nextActivity is when the path next has something to send: the next slot
// for a new lesson or a review due by then.
func (st *step) nextActivity() time.Time {
	p := st.s.Path
	now := st.env.Now
	loc := st.fu().Zone()
	first := st.nextSlot(now)
	if p.LastDay == day(now, loc) || day(first, loc) == p.LastDay {
		first = st.dayAfter(1)
	}
	var review time.Time
	for i, s := range p.Steps {
		if s.Taught.IsZero() {
			return first // a lesson still to teach
		}
		if r := p.reviewAt(i); !r.IsZero() && (review.IsZero() || r.Before(review)) {
			review = r
		}
	}
	if review.IsZero() {
		return time.Time{}
	}
	if review.Before(first) {
		return first
	}
	return st.nextSlot(st.slotOn(review).Add(-time.Minute))
}

// ---- the scheduler's tick

func (st *step) tick() error {
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
	st.t.Answers = append(st.t.Answers, AnswerLog{Item: it.ID, Correct: correct, Skipped: r.Skip, Response: responseText(r), Question: c.Number})
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
		st.say("check_wrong")
		st.say("tip", "tip", it.In(st.lang()).Tip)
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
	return st.progress()
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
	st.say("path_show", "list", strings.Join(lines, "\n"), "done", p.done(), "n", len(p.Steps))
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

// progress is /progres: each competence of the path, then and now.
func (st *step) progress() error {
	if st.s.Engine == nil || st.s.FinishedAt.IsZero() {
		st.say("no_results", "n", st.answered())
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
	// The path's competences, and any other that moved: a phone screen,
	// not a table of sixteen.
	onPath := map[string]bool{}
	if st.s.Path != nil {
		for _, s := range st.s.Path.Steps {
			onPath[s.Competence] = true
		}
	}
	level := func(v float64) string {
		out := fmt.Sprintf("%.1f", v)
		if st.lang() == "fr" {
			out = strings.Replace(out, ".", ",", 1)
		}
		return out
	}
	var lines []string
	for _, c := range res.Competences {
		comp, _ := engine.CompetenceByID(c.Competence)
		now := engine.ContinuousLevel(c.Theta)
		then, ok := base[c.Competence]
		if !ok {
			continue
		}
		moved := now > then+0.05 || now < then-0.05
		if len(onPath) > 0 && !onPath[c.Competence] && !moved {
			continue
		}
		arrow := "="
		switch {
		case now > then+0.05:
			arrow = "↗"
		case now < then-0.05:
			arrow = "↘"
		}
		sep := " : " // French puts a space before the colon
		if st.lang() == "en" {
			sep = ": "
		}
		lines = append(lines, arrow+" "+comp.Short(st.lang())+sep+level(then)+" → "+level(now))
	}
	st.say("progress", "list", strings.Join(lines, "\n"))
	return nil
}

// ---- advisors

// advisor handles an advisor's action from Slack on the learner's help request.
func (st *step) advisor() error {
	state := st.m.current()
	if state == StateNew || state == StateErased {
		return nil // the learner is gone: nothing to say to anyone
	}
	ev := st.event("", "")
	ev.Advisor, ev.Ref = st.in.Advisor, st.in.Ref
	switch st.in.What {
	case "claim":
		ev.Kind = EvClaimed
		st.t.Events = append(st.t.Events, ev)
		if st.s.HelpPending && st.s.HelpClaimed == "" {
			st.say("help_claimed")
		}
		st.s.HelpClaimed = st.in.Advisor
	case "reply":
		text := strings.TrimSpace(st.in.Text)
		if text == "" {
			return nil
		}
		st.say("advisor_says", "text", truncate(text, MaxInputText))
	case "resolve":
		ev.Kind = EvResolved
		st.t.Events = append(st.t.Events, ev)
		st.s.HelpPending, st.s.HelpClaimed = false, ""
		if state == StateHelp {
			st.say("help_resolved")
			return st.resume()
		}
	}
	return nil
}
