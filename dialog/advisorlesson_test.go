package dialog

import (
	"testing"
	"time"
)

func TestAdvisorLesson(t *testing.T) {
	now := time.Date(2026, 12, 8, 8, 0, 0, 0, paris) // a Tuesday morning, before the afternoon slot
	fu := FollowUp{Location: paris}
	lesson := func(c, s, lang string) (LessonView, bool) { return LessonView{Title: s}, s != "gone" }
	taught := now.Add(-48 * time.Hour)
	steps := func() []PathStep {
		return []PathStep{{Competence: "4.1", Skill: "mdp", Taught: taught}, {Competence: "2.1", Skill: "piece"}, {Competence: "1.1", Skill: "source"}}
	}
	for _, tt := range []struct {
		name  string
		state string
		data  string
		order string // the steps' skills after, in order
		check func(*testing.T, *Path)
	}{
		{"a new skill comes next", PathActive, "4.1/smsarnaque", "mdp smsarnaque piece source", nil},
		{"a planned skill moves up", PathActive, "1.1/source", "mdp source piece", nil},
		{"a taught skill's check comes back", PathActive, "4.1/mdp", "mdp piece source", func(t *testing.T, p *Path) {
			if !p.Steps[0].Review.Equal(now) {
				t.Errorf("review %v, want now", p.Steps[0].Review)
			}
		}},
		{"no lesson in the content", PathActive, "4.1/gone", "mdp piece source", nil},
		{"a forged value", PathActive, "nothing", "mdp piece source", nil},
		{"a stopped path takes nothing", PathStopped, "4.1/smsarnaque", "mdp piece source", nil},
		{"a declined path takes nothing", PathDeclined, "4.1/smsarnaque", "mdp piece source", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &Path{State: tt.state, Slot: "apresmidi", Steps: steps(), Due: now.Add(72 * time.Hour)}
			st := &step{s: Session{Path: p}, env: Env{Now: now, FollowUp: fu, Lesson: lesson}, in: Input{Kind: InAdvisor, What: "lesson", Data: tt.data}, m: newMachine(StateFollowUp)}
			st.advisorLesson(tt.data)
			var got []string
			for _, s := range p.Steps {
				got = append(got, s.Skill)
			}
			if g := join(got); g != tt.order {
				t.Errorf("steps %q, want %q", g, tt.order)
			}
			changed := tt.order != "mdp piece source" || tt.check != nil
			if changed {
				if want := time.Date(2026, 12, 8, 14, 0, 0, 0, paris); p.Due.Before(want) || p.Due.After(want.Add(time.Hour)) {
					t.Errorf("due %v, want today's afternoon slot (never in the quiet hours)", p.Due)
				}
			} else if !p.Due.Equal(now.Add(72 * time.Hour)) {
				t.Errorf("due moved to %v for nothing", p.Due)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
	if CanTakeLesson(Session{}) || !CanTakeLesson(Session{Path: &Path{State: PathActive}}) || CanTakeLesson(Session{Path: &Path{State: PathPaused}}) {
		t.Error("CanTakeLesson")
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
