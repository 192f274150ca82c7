package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/diagbot/diagbot/channels/slack"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
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
	list := co.FilterPalier(filter, c.Lacks, c.Palier)
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* (%s) · %s", slack.Escape(co.Campaign.Name), co.Campaign.Code, filterTitle[filter])
	if c.Lacks != "" {
		comp, skill, _ := strings.Cut(c.Lacks, "/")
		if skill == "" { // a slug alone: name it from the first learner who lacks it
			skill, comp = comp, ""
			for _, l := range list {
				for _, k := range l.Lacks {
					if kc, ks, _ := strings.Cut(k, "/"); ks == skill {
						comp = kc
					}
				}
			}
		}
		fmt.Fprintf(&b, " · à qui manque : %s", slack.Escape(SkillPhrase(cfg.Bank, comp, skill)))
	}
	if c.Palier != "" {
		title := palierTitle(co.Campaign, c.Palier)
		if title == "" {
			return "", problem(fmt.Errorf("no palier %q in %s", c.Palier, co.Campaign.Code),
				"Je ne trouve pas le palier « %s » : donnez son numéro (1 = le premier) ou le début de son titre.", c.Palier)
		}
		fmt.Fprintf(&b, " · palier %s", slack.Escape(title))
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
			line += fmt.Sprintf(" · niveau %d (%s) · %s", l.Level, engine.BandWord(l.Level), slack.Escape(l.Palier))
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
// the campaign lack, with how many, and a button per skill that has a
// micro-lesson to send it to them.
func (a *Advisors) topicsText(c slack.Command, now time.Time) (string, []slack.ReplyAction, error) {
	cfg := a.Bot.cfg
	code, _ := NormalizeCode(c.Code)
	co, err := LoadCohort(cfg.DB, cfg.Engine, cfg.Bank, code, now)
	if err != nil {
		return "", nil, err
	}
	topics := co.Topics(cfg.Bank, 10)
	var b strings.Builder
	fmt.Fprintf(&b, "*Sujets à travailler* · %s (%s)\n", slack.Escape(co.Campaign.Name), co.Campaign.Code)
	if len(topics) == 0 {
		b.WriteString("Rien pour l'instant : les sujets viennent des diagnostics terminés et des leçons pas encore retenues.")
		return b.String(), nil, nil
	}
	var acts []slack.ReplyAction
	for _, t := range topics {
		fmt.Fprintf(&b, "• %s : *%d* %s\n", slack.Escape(t.Phrase), t.Count, map[bool]string{true: "jeunes", false: "jeune"}[t.Count > 1])
		if t.Lesson {
			acts = append(acts, slack.ReplyAction{Label: "Envoyer la leçon : " + t.Phrase, ActionID: slack.ActionTopicLesson,
				Value: co.Campaign.Code + "|" + dialog.LessonFor(t.Competence, t.Skill)})
		}
	}
	fmt.Fprintf(&b, "_Pour voir qui : `/diagbot campagne apprenants %s manque=%s`. Pour leur envoyer la leçon : `/diagbot campagne leçon %s %s`._",
		co.Campaign.Code, topics[0].Skill, co.Campaign.Code, dialog.LessonFor(topics[0].Competence, topics[0].Skill))
	return b.String(), acts, nil
}

// sendLesson answers "campagne leçon CODE 4.1/skill": the skill's lesson
// goes, as the next lesson of their path, to the campaign's learners who
// lack it and follow a path. Once per learner and skill: pressing twice, or
// Slack delivering twice, sends nothing more (the inbox key).
func (a *Advisors) sendLesson(c slack.Command, now time.Time) (string, error) {
	cfg := a.Bot.cfg
	code, _ := NormalizeCode(c.Code)
	comp, skill, ok := strings.Cut(c.Lacks, "/")
	if !ok || skill == "" {
		return "", problem(fmt.Errorf("lesson %q is not competence/skill", c.Lacks), "Indiquez le savoir-faire comme dans `campagne sujets`, par exemple 4.1/smsarnaque.")
	}
	if cfg.Bank != nil {
		if _, ok := cfg.Bank.Lesson(comp, skill); !ok {
			return "", problem(fmt.Errorf("no lesson for %s/%s", comp, skill), "Il n'y a pas de mini-leçon pour « %s » : voyez `campagne sujets %s`.", c.Lacks, code)
		}
	}
	co, err := LoadCohort(cfg.DB, cfg.Engine, cfg.Bank, code, now)
	if err != nil {
		return "", err
	}
	sent, without := 0, 0
	for _, l := range co.Filter(slack.FilterAll, dialog.LessonFor(comp, skill)) {
		s, err := loadSession(cfg.DB, l.ID)
		if err != nil {
			return "", err
		}
		if s == nil || !dialog.CanTakeLesson(*s) {
			without++
			continue
		}
		in := dialog.Input{Kind: dialog.InAdvisor, What: "lesson", Data: dialog.LessonFor(comp, skill), Advisor: c.User}
		p, err := json.Marshal(in)
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256([]byte(co.Campaign.Code + "\x00" + c.Lacks + "\x00" + l.ID))
		if err := a.Bot.Receive(storage.Update{Key: "lesson:" + hex.EncodeToString(sum[:12]), Channel: NotifyChannel, LearnerID: l.ID, Payload: p}); err != nil {
			return "", err
		}
		sent++
	}
	phrase := SkillPhrase(cfg.Bank, comp, skill)
	if sent == 0 && without == 0 {
		return fmt.Sprintf("Personne dans %s ne manque de « %s » pour l'instant : rien n'est envoyé.", co.Campaign.Code, slack.Escape(phrase)), nil
	}
	text := fmt.Sprintf("La leçon « %s » est programmée pour *%d* %s de %s, à leur prochain moment de leçon (jamais la nuit, jamais deux le même jour).",
		slack.Escape(phrase), sent, map[bool]string{true: "jeunes", false: "jeune"}[sent > 1], co.Campaign.Code)
	if without > 0 {
		text += fmt.Sprintf("\n%d ne %s pas de parcours de leçons (refusé ou arrêté) : rien ne leur est envoyé, leur choix est respecté.",
			without, map[bool]string{true: "suivent", false: "suit"}[without > 1])
	}
	return text, nil
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
