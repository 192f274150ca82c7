package dialog

import (
	"fmt"
	"strings"
	"time"

	"github.com/diagbot/diagbot/engine"
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

// Quiet tells whether t falls in the quiet hours or on a day without
// lessons: weekends (unless Weekends) and French public holidays.
func (f FollowUp) Quiet(t time.Time) bool {
	l := t.In(f.Zone())
	if !f.Weekends && (l.Weekday() == time.Saturday || l.Weekday() == time.Sunday) {
		return true
	}
	if Holiday(l) {
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
	// Can is the skill as something a person can do ("reconnaître un SMS
	// d'arnaque"); "" when the content has none yet.
	Can string
	// Priority is how useful the skill is to find a job: 1 (most) to 3; 0
	// when unknown, read as 2.
	Priority int
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
	Retest     *Retest            `json:"retest,omitempty"` // after the path: a short test, offered or under way
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
	if !s.NudgeAt.IsZero() {
		return s.NudgeAt
	}
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
	slot, jitter := "apresmidi", int(st.s.Nonce%60) // before a path: the afternoon
	if p != nil {
		slot, jitter = p.Slot, p.Jitter
	}
	h, ok := slotHours[slot]
	if !ok {
		h = slotHours["apresmidi"]
	}
	start, end := f.quiet()
	m := h*60 + jitter
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
