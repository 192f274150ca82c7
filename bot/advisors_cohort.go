package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/diagbot/diagbot/channels/slack"
	"github.com/diagbot/diagbot/engine"
)

// filterTitle names a filter in the answer's title.
var filterTitle = map[string]string{
	slack.FilterAll: "tous les jeunes", slack.FilterStuck: "bloqués depuis 2 jours", slack.FilterFinished: "ont terminé",
	slack.FilterHelp: "demandent de l'aide", slack.FilterProgress: "en cours",
}

// maxListed bounds a list in Slack; the CSV export has everyone.
const maxListed = 40

// learnersText answers "campagne apprenants CODE …": the learners kept by
// the filter, each with where they stand and the next step.
func (a *Advisors) learnersText(c slack.Command, now time.Time) (string, error) {
	cfg := a.Bot.cfg
	code, _ := NormalizeCode(c.Code)
	co, err := LoadCohort(cfg.DB, cfg.Engine, cfg.Bank, code, now)
	if err != nil {
		return "", err
	}
	filter := c.Filter
	if filter == "" {
		filter = slack.FilterAll
	}
	list := co.Filter(filter, c.Lacks)
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* (%s) · %s", slack.Escape(co.Campaign.Name), co.Campaign.Code, filterTitle[filter])
	if c.Lacks != "" {
		comp, skill, _ := cut(c.Lacks)
		if skill == "" { // a slug alone: name it from the first learner who lacks it
			skill, comp = comp, ""
			for _, l := range list {
				for _, k := range l.Lacks {
					if kc, ks, _ := cut(k); ks == skill {
						comp = kc
					}
				}
			}
		}
		fmt.Fprintf(&b, " · à qui manque : %s", slack.Escape(SkillPhrase(cfg.Bank, comp, skill)))
	}
	fmt.Fprintf(&b, " : *%d*\n", len(list))
	if len(list) == 0 {
		b.WriteString("Personne pour l'instant.")
		return b.String(), nil
	}
	for i, l := range list {
		if i == maxListed {
			fmt.Fprintf(&b, "… et %d autres : `/diagbot campagne export %s` les donne tous.", len(list)-maxListed, co.Campaign.Code)
			break
		}
		line := "• *" + slack.Escape(l.Label()) + "* · " + l.Status
		if l.Status == statusLabel[finished] {
			line += fmt.Sprintf(" · niveau %d (%s)", l.Level, engine.BandWord(l.Level))
		}
		if l.Help {
			line += " · 🆘 aide demandée"
		}
		line += " → " + slack.Escape(l.Next)
		b.WriteString(line + "\n")
	}
	return b.String(), nil
}

// topicsText answers "campagne sujets CODE": the skills most learners of
// the campaign lack, with how many.
func (a *Advisors) topicsText(c slack.Command, now time.Time) (string, error) {
	cfg := a.Bot.cfg
	code, _ := NormalizeCode(c.Code)
	co, err := LoadCohort(cfg.DB, cfg.Engine, cfg.Bank, code, now)
	if err != nil {
		return "", err
	}
	topics := co.Topics(cfg.Bank, 10)
	var b strings.Builder
	fmt.Fprintf(&b, "*Sujets à travailler* · %s (%s)\n", slack.Escape(co.Campaign.Name), co.Campaign.Code)
	if len(topics) == 0 {
		b.WriteString("Rien pour l'instant : les sujets viennent des diagnostics terminés et des leçons pas encore retenues.")
		return b.String(), nil
	}
	for _, t := range topics {
		fmt.Fprintf(&b, "• %s : *%d* %s\n", slack.Escape(t.Phrase), t.Count, map[bool]string{true: "jeunes", false: "jeune"}[t.Count > 1])
	}
	fmt.Fprintf(&b, "_Pour voir qui : `/diagbot campagne apprenants %s manque=%s`._", co.Campaign.Code, topics[0].Skill)
	return b.String(), nil
}

// Home gathers an advisor's Home tab: campaigns (theirs first), open help
// requests, learners who finished in the last 7 days.
func (a *Advisors) Home(_ context.Context, user string) (slack.Home, error) {
	cfg := a.Bot.cfg
	now := cfg.Now()
	h := slack.Home{Now: now, Advisor: true}
	list, err := ListCampaigns(cfg.DB, a.BotName)
	if err != nil {
		return h, err
	}
	for _, ci := range list {
		if ci.ArchivedAt != nil {
			continue
		}
		co, err := LoadCohort(cfg.DB, cfg.Engine, cfg.Bank, ci.Code, now)
		if err != nil {
			return h, err
		}
		hc := slack.HomeCampaign{Code: ci.Code, Name: ci.Name, Learners: len(co.Learners), Mine: co.Campaign.Owner == user}
		for _, l := range co.Learners {
			switch l.Status {
			case statusLabel[notStarted]:
				continue
			case statusLabel[finished]:
				hc.Finished++
				if now.Sub(l.FinishedAt) <= 7*24*time.Hour {
					h.Finished = append(h.Finished, slack.HomeFinished{Who: l.Label(), Campaign: ci.Code, At: l.FinishedAt, Level: l.Level})
				}
			case statusLabel[stuck]:
				hc.Stuck++
			case statusLabel[inProgress]:
				hc.InProgress++
			}
			hc.Started++
		}
		h.Campaigns = append(h.Campaigns, hc)
	}
	// Theirs first, then the busiest.
	sortStable(h.Campaigns, func(x, y slack.HomeCampaign) bool {
		if x.Mine != y.Mine {
			return x.Mine
		}
		return x.Learners > y.Learners
	})
	sortStable(h.Finished, func(x, y slack.HomeFinished) bool { return x.At.After(y.At) })
	open, err := cfg.DB.OpenHelp()
	if err != nil {
		return h, err
	}
	for _, o := range open {
		who := CohortLearner{ID: o.LearnerID}
		who.Ref = refOf(o.LearnerID)
		if l, ok, _ := cfg.DB.Learner(o.LearnerID); ok {
			who.FirstName, who.ExternalID = l.FirstName, l.ExternalID
		}
		h.Help = append(h.Help, slack.HomeHelp{Who: who.Label(), Campaign: o.Campaign, Since: o.Since, ClaimedBy: o.ClaimedBy})
	}
	return h, nil
}
