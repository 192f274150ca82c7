package bot

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/diagbot/diagbot/channels/slack"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// A cohort is a campaign's learners seen together, as an advisor triages
// them (Pix Orga's results and analysis tabs): who is stuck, who finished,
// who asked for help, who lacks a skill, and which skills most of them lack.

// CohortLearner is one learner of a campaign, for triage.
type CohortLearner struct {
	ID         string    `json:"-"`
	Ref        string    `json:"ref"` // pseudonym, dialog.LearnerRef
	FirstName  string    `json:"first_name,omitempty"`
	ExternalID string    `json:"external_id,omitempty"`
	Status     string    `json:"status"` // non commencé, en cours, bloqué, terminé
	Help       bool      `json:"help,omitempty"`
	Level      int       `json:"level"`            // overall level, finished learners only
	Palier     string    `json:"palier,omitempty"` // the campaign's palier reached, finished learners only
	FinishedAt time.Time `json:"finished_at,omitzero"`
	LastActive time.Time `json:"last_active,omitzero"`
	// Lacks are the skills the learner lacks: to train after the diagnostic,
	// or a lesson whose check did not stick yet; "competence/skill".
	Lacks []string `json:"lacks,omitempty"`
	Next  string   `json:"next"` // the next step, in words for the advisor
}

// Cohort is a campaign's learners.
type Cohort struct {
	Campaign storage.Campaign `json:"campaign"`
	Learners []CohortLearner  `json:"learners"`
}

// LoadCohort reads every learner of a campaign once.
func LoadCohort(db *storage.DB, eng *engine.Engine, bk *bank.Bank, code string, now time.Time) (Cohort, error) {
	c, ok, err := db.Campaign(code)
	if err != nil {
		return Cohort{}, err
	}
	if !ok {
		return Cohort{}, errNoCampaign(code)
	}
	ids, err := db.CampaignLearners(c.Code)
	if err != nil {
		return Cohort{}, err
	}
	help := map[string]bool{}
	if open, err := db.OpenHelp(); err == nil {
		for _, h := range open {
			help[h.LearnerID] = true
		}
	} else {
		return Cohort{}, err
	}
	co := Cohort{Campaign: c}
	for _, id := range ids {
		l, _, err := db.Learner(id)
		if err != nil {
			return Cohort{}, err
		}
		s, err := loadSession(db, id)
		if err != nil {
			return Cohort{}, err
		}
		cl := CohortLearner{ID: id, Ref: dialog.LearnerRef(id), FirstName: l.FirstName, ExternalID: l.ExternalID,
			Help: help[id], LastActive: l.UpdatedAt}
		st := statusOf(s, now)
		cl.Status = statusLabel[st]
		if s != nil {
			if s.ExternalID != "" {
				cl.ExternalID = s.ExternalID
			}
			if s.FirstName != "" {
				cl.FirstName = s.FirstName
			}
			if !s.UpdatedAt.IsZero() {
				cl.LastActive = s.UpdatedAt
			}
		}
		if st == finished {
			cl.FinishedAt = s.FinishedAt
			if res, err := eng.Result(s.Engine); err == nil {
				cl.Level = res.Level
				_, p := PalierOf(c, res)
				cl.Palier = p.Title
				for _, r := range res.Train {
					cl.Lacks = append(cl.Lacks, r.Competence+"/"+r.Skill)
				}
			}
			if p := s.Path; p != nil {
				for _, step := range p.Steps {
					k := step.Competence + "/" + step.Skill
					if !step.Taught.IsZero() && !step.Retired && !slices.Contains(cl.Lacks, k) {
						cl.Lacks = append(cl.Lacks, k)
					}
				}
			}
		}
		cl.Next = nextStep(bk, cl, s)
		co.Learners = append(co.Learners, cl)
	}
	sort.SliceStable(co.Learners, func(i, j int) bool {
		a, b := co.Learners[i], co.Learners[j]
		if a.Help != b.Help {
			return a.Help
		}
		return a.LastActive.After(b.LastActive)
	})
	return co, nil
}

// nextStep says what the advisor could do next for one learner.
func nextStep(bk *bank.Bank, cl CohortLearner, s *dialog.Session) string {
	switch {
	case cl.Help:
		return "répondre à sa demande d'aide"
	case cl.Status == statusLabel[notStarted]:
		return "l'inviter à commencer le diagnostic"
	case cl.Status == statusLabel[stuck]:
		return "le ou la relancer : diagnostic commencé, rien depuis 2 jours"
	case cl.Status == statusLabel[inProgress]:
		return "laisser finir le diagnostic"
	}
	if s != nil && s.Path != nil && s.Path.State == dialog.PathActive {
		return "parcours de leçons en cours"
	}
	if len(cl.Lacks) > 0 {
		comp, skill, _ := strings.Cut(cl.Lacks[0], "/")
		return "travailler : " + SkillPhrase(bk, comp, skill)
	}
	return "valoriser ses résultats"
}

// Filter keeps the learners an advisor asked for (slack.Filter…), and/or
// those lacking a skill ("4.1/smsarnaque", or just a skill slug).
func (co Cohort) Filter(filter, lacks string) []CohortLearner {
	return co.FilterPalier(filter, lacks, "")
}

// FilterPalier is Filter, keeping only the learners who reached a palier
// too: its number (1 = the lowest) or the start of its title, any case.
func (co Cohort) FilterPalier(filter, lacks, palier string) []CohortLearner {
	var out []CohortLearner
	want := ""
	if palier != "" {
		if want = palierTitle(co.Campaign, palier); want == "" {
			return nil // no such palier: nobody reached it
		}
	}
	for _, l := range co.Learners {
		if palier != "" && l.Palier != want {
			continue
		}
		switch filter {
		case slack.FilterStuck:
			if l.Status != statusLabel[stuck] {
				continue
			}
		case slack.FilterFinished:
			if l.Status != statusLabel[finished] {
				continue
			}
		case slack.FilterHelp:
			if !l.Help {
				continue
			}
		case slack.FilterProgress:
			if l.Status != statusLabel[inProgress] {
				continue
			}
		}
		if lacks != "" && !lacksSkill(l, lacks) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func lacksSkill(l CohortLearner, want string) bool {
	for _, k := range l.Lacks {
		_, skill, _ := strings.Cut(k, "/")
		if k == want || skill == want {
			return true
		}
	}
	return false
}

// Topic is a skill several learners of a campaign lack.
type Topic struct {
	Competence string   `json:"competence"`
	Skill      string   `json:"skill"`
	Phrase     string   `json:"phrase"` // SkillPhrase
	Learners   []string `json:"-"`      // their ids
	Count      int      `json:"count"`
	Lesson     bool     `json:"lesson"` // the bank has a micro-lesson for it
}

// Topics are the skills most learners lack, most first (ties: the skill
// most useful for a job search first, then framework order).
func (co Cohort) Topics(bk *bank.Bank, max int) []Topic {
	by := map[string]*Topic{}
	for _, l := range co.Learners {
		for _, k := range l.Lacks {
			t := by[k]
			if t == nil {
				comp, skill, _ := strings.Cut(k, "/")
				t = &Topic{Competence: comp, Skill: skill, Phrase: SkillPhrase(bk, comp, skill)}
				if bk != nil {
					_, t.Lesson = bk.Lesson(comp, skill)
				}
				by[k] = t
			}
			t.Learners = append(t.Learners, l.ID)
			t.Count++
		}
	}
	out := make([]Topic, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	prio := func(t Topic) int {
		if bk != nil {
			if l, ok := bk.Lesson(t.Competence, t.Skill); ok {
				return l.Priority
			}
		}
		return 2
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if pa, pb := prio(a), prio(b); pa != pb {
			return pa < pb
		}
		if a.Competence != b.Competence {
			return engine.CompetenceIndex(a.Competence) < engine.CompetenceIndex(b.Competence)
		}
		return a.Skill < b.Skill
	})
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

// Label names a learner for an advisor: first name and external id when
// known, and always the pseudonym that finds them again.
func (l CohortLearner) Label() string {
	s := l.Ref
	switch {
	case l.FirstName != "" && l.ExternalID != "":
		s = fmt.Sprintf("%s (%s, %s)", l.FirstName, l.ExternalID, l.Ref)
	case l.FirstName != "":
		s = fmt.Sprintf("%s (%s)", l.FirstName, l.Ref)
	case l.ExternalID != "":
		s = fmt.Sprintf("%s (%s)", l.ExternalID, l.Ref)
	}
	return s
}

func refOf(learnerID string) string { return dialog.LearnerRef(learnerID) }

// sortStable sorts s by less, keeping the order of equals.
func sortStable[T any](s []T, less func(a, b T) bool) {
	sort.SliceStable(s, func(i, j int) bool { return less(s[i], s[j]) })
}

// palierTitle finds a palier of the campaign by its number (from 1) or the
// start of its title; "" matches no learner.
func palierTitle(c storage.Campaign, q string) string {
	ps := PaliersOf(c)
	if n, err := strconv.Atoi(strings.TrimSpace(q)); err == nil {
		if n >= 1 && n <= len(ps) {
			return ps[n-1].Title
		}
		return ""
	}
	f := bank.Fold(q)
	for _, p := range ps {
		if f != "" && strings.HasPrefix(bank.Fold(p.Title), f) {
			return p.Title
		}
	}
	return ""
}
