package dialog

import "time"

// Coming back: a learner away for an hour is greeted with where they are;
// an unfinished diagnostic gets a gentle reminder the next day and another
// three days after the last message, at a daytime moment on a day with
// lessons (never in the quiet hours, on weekends or public holidays).

// AwayFor is how long without a message makes the next one a come-back.
const AwayFor = time.Hour

// NudgeDays are the days after the learner's last message when an
// unfinished diagnostic is recalled: the first on the next day with
// lessons, the second two days after the first (three days after the last
// message, unless a weekend or holiday pushed the first; then never on the
// same day as it).
var NudgeDays = []int{1, 3}

// welcomeBack greets a learner back in the middle of a diagnostic after
// AwayFor, before what they asked for (the question, mostly).
func (st *step) welcomeBack(learner bool) {
	if !learner || st.s.UpdatedAt.IsZero() || st.env.Now.Sub(st.s.UpdatedAt) < AwayFor ||
		st.m.current() != StateQuestion || st.s.Engine == nil || st.s.Engine.Pending == "" {
		return
	}
	if st.in.Kind == InCommand && st.in.Command != "reprendre" && st.in.Command != "start" {
		return // /pause, /aide …: the answer is enough
	}
	n := st.answered()
	st.say("welcome_back", "name", st.name(), "answers", st.questions(n),
		"left", st.left(st.remaining()))
}

// plural is the text of one or many for n in the learner's language: in
// French 0 and 1 are singular ("0 question"), in English only 1.
func (st *step) plural(one, many string, n int) string {
	if n == 1 || n == 0 && st.lang() == "fr" {
		return T(st.lang(), one, "n", n)
	}
	return T(st.lang(), many, "n", n)
}

// questions is "{n} question(s)".
func (st *step) questions(n int) string { return st.plural("answer_one", "answer_many", n) }

// scheduleNudges sets the first reminder after a learner's message in an
// unfinished diagnostic (at a question, or at the identifier the campaign
// asks before the first question: a young person without their number
// often stops there), and none elsewhere.
func (st *step) scheduleNudges() {
	st.s.Nudges = 0
	if !st.nudgeable() {
		st.s.NudgeAt = time.Time{}
		return
	}
	st.s.NudgeAt = st.dayAfter(NudgeDays[0])
}

// nudge is the scheduler's tick for an unfinished diagnostic: a reminder
// and the question, then the next reminder or none.
func (st *step) nudge() error {
	now := st.env.Now
	switch {
	case !st.nudgeable():
		st.s.NudgeAt, st.s.Nudges = time.Time{}, 0 // finished, paused or gone since
		return nil
	case st.s.NudgeAt.After(now):
		return nil // stale: the learner wrote since
	case st.fu().Quiet(now):
		st.s.NudgeAt = st.nextSlot(now.Add(time.Minute)) // late after a restart: the next allowed moment
		return nil
	}
	st.s.Nudges++
	if st.m.current() == StateExternalID {
		st.say("nudge_id")
		if err := st.resend(); err != nil {
			return err
		}
	} else {
		st.say("nudge", "left", st.left(st.remaining()))
		if err := st.ask(false); err != nil {
			return err
		}
	}
	if st.s.Nudges < len(NudgeDays) {
		st.s.NudgeAt = st.dayAfter(NudgeDays[st.s.Nudges] - NudgeDays[st.s.Nudges-1])
	} else {
		st.s.NudgeAt = time.Time{}
	}
	return nil
}

// Holiday tells whether t's day (in t's location) is a French public
// holiday: 1 January, Easter Monday, 1 May, 8 May, Ascension, Whit Monday,
// 14 July, 15 August, 1 November, 11 November, 25 December.
func Holiday(t time.Time) bool {
	y, m, d := t.Date()
	switch {
	case m == time.January && d == 1, m == time.May && (d == 1 || d == 8), m == time.July && d == 14,
		m == time.August && d == 15, m == time.November && (d == 1 || d == 11), m == time.December && d == 25:
		return true
	}
	easter := Easter(y)
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, after := range []int{1, 39, 50} { // Easter Monday, Ascension, Whit Monday
		if day.Equal(easter.AddDate(0, 0, after)) {
			return true
		}
	}
	return false
}

// Easter is Easter Sunday of year y in the Gregorian calendar (the
// anonymous Gregorian algorithm, "Meeus/Jones/Butcher"), at 00:00 UTC.
func Easter(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// nudgeable tells whether the learner is where a reminder helps: at a
// question, or at the identifier asked before the first one.
func (st *step) nudgeable() bool {
	switch st.m.current() {
	case StateQuestion:
		return true
	case StateExternalID:
		return st.s.Campaign != nil
	}
	return false
}
