package dialog

import "strings"

// An advisor who sees that several learners of a campaign lack a skill can
// send them its micro-lesson (Slack: "Sujets à travailler"). It comes as the
// next lesson of their path, at their own moment of the day: never in the
// quiet hours, never a second lesson the same day. A learner without an
// active path (declined, stopped, paused) gets nothing: their choice holds.

// LessonFor is the Data of an advisor's "lesson" input: "4.1/smsarnaque".
func LessonFor(competence, skill string) string { return competence + "/" + skill }

// CanTakeLesson tells whether a session's path would take an advisor's
// lesson now (the caller counts who it reaches before sending).
func CanTakeLesson(s Session) bool {
	return s.Path != nil && s.Path.State == PathActive
}

// advisorLesson puts the skill's lesson next on the learner's path.
func (st *step) advisorLesson(data string) {
	comp, skill, ok := strings.Cut(data, "/")
	p := st.s.Path
	if !ok || comp == "" || skill == "" || !CanTakeLesson(st.s) || st.env.Lesson == nil {
		return
	}
	if _, ok := st.env.Lesson(comp, skill, st.lang()); !ok {
		return // not in the content (any more)
	}
	at := -1
	for i, s := range p.Steps {
		if s.Competence == comp && s.Skill == skill {
			at = i
		}
	}
	switch {
	case at >= 0 && p.Steps[at].Retired:
		return // learned and checked three times: nothing to add
	case at >= 0 && !p.Steps[at].Taught.IsZero():
		p.Steps[at].Review = st.env.Now // taught already: its check comes back next
	default:
		step := PathStep{Competence: comp, Skill: skill}
		if at >= 0 {
			p.Steps = append(p.Steps[:at], p.Steps[at+1:]...)
		}
		first := len(p.Steps) // the first lesson not taught yet
		for i, s := range p.Steps {
			if s.Taught.IsZero() {
				first = i
				break
			}
		}
		p.Steps = append(p.Steps[:first], append([]PathStep{step}, p.Steps[first:]...)...)
	}
	if next := st.nextSlot(st.env.Now); p.Due.IsZero() || next.Before(p.Due) {
		p.Due = next
	}
}
