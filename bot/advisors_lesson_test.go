package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/channels/slack"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// An advisor sends a skill's lesson to the campaign's learners who lack it:
// it comes next on the path of those who follow one, once; the others are
// counted and left alone.
func TestAdvisorSendsALesson(t *testing.T) {
	f := newCampaignFixture(t)
	// Léa (1001) follows a path; the others follow none.
	lea := *f.sessions["telegram:1001"]
	lea.State = dialog.StateFollowUp
	lea.Path = &dialog.Path{State: dialog.PathActive, Slot: "apresmidi", Steps: []dialog.PathStep{{Competence: "9.9", Skill: "placeholder"}}}
	raw, _ := json.Marshal(lea)
	if _, err := f.db.CommitTurn(storage.Turn{LearnerID: "telegram:1001", Session: raw}); err != nil {
		t.Fatal(err)
	}
	h := prepare(t, f.db, func(c *Config) { c.Now = func() time.Time { return reportNow } })
	h.run()
	adv := &Advisors{Bot: h.bot}
	co, err := LoadCohort(f.db, f.eng, h.bot.cfg.Bank, "QWERTY789", reportNow)
	if err != nil {
		t.Fatal(err)
	}
	// A skill Léa lacks; the others who lack it follow no path.
	var skill string
	for _, k := range co.Learners {
		if k.ID == "telegram:1001" && len(k.Lacks) > 0 {
			skill = k.Lacks[0]
		}
	}
	if skill == "" {
		t.Fatal("Léa lacks no skill: the fixture changed")
	}
	others := len(co.Filter(slack.FilterAll, skill)) - 1
	ask := func() slack.Reply {
		t.Helper()
		r, err := adv.Command(context.Background(), slack.Command{Op: slack.OpCampaignLesson, Code: "QWERTY789", Lacks: skill, User: "UADV"})
		if err != nil || r.Failed {
			t.Fatalf("%+v %v", r, err)
		}
		h.waitIdle()
		return r
	}
	r := ask()
	if !strings.Contains(r.Text, "programmée pour *1* jeune") || (others > 0) != strings.Contains(r.Text, "pas de parcours") {
		t.Errorf("the advisor was told:\n%s", r.Text)
	}
	s, _ := loadSession(f.db, "telegram:1001")
	comp, sk, _ := strings.Cut(skill, "/")
	if s.Path == nil || len(s.Path.Steps) != 2 || s.Path.Steps[0].Competence != comp || s.Path.Steps[0].Skill != sk || s.Path.Due.IsZero() {
		t.Fatalf("Léa's path after the advisor's lesson: %+v", s.Path)
	}
	if f.eng != nil && !s.UpdatedAt.Equal(lea.UpdatedAt) {
		t.Errorf("the advisor's lesson moved the learner's last exchange to %v", s.UpdatedAt)
	}
	// Pressed again: nothing more (once per learner and skill).
	ask()
	again, _ := loadSession(f.db, "telegram:1001")
	if len(again.Path.Steps) != 2 {
		t.Errorf("pressed twice: %+v", again.Path.Steps)
	}
	if r, _ := adv.Command(context.Background(), slack.Command{Op: slack.OpCampaignLesson, Code: "QWERTY789", Lacks: "4.1/nosuchskill"}); !r.Failed {
		t.Errorf("a skill without a lesson: %+v", r)
	}
}
