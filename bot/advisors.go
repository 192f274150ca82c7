package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/diagbot/diagbot/channels/chart"
	"github.com/diagbot/diagbot/channels/slack"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// Advisors answers the Slack channel: advisors' /diagbot commands run the
// campaign operations (the same as `diagbot campaign …`), and their actions on
// a help request enter the inbox like any update, so they are handled in
// order with the learner's own messages, once.
type Advisors struct {
	Bot     *Bot
	BotName string // the Telegram bot's username, for campaign links
	// DefaultChannel receives the notifications of campaigns without a
	// channel of their own (DIAGBOT_SLACK_CHANNEL).
	DefaultChannel string
}

var _ slack.Handler = (*Advisors)(nil)

// Advisor stores an advisor's claim, reply or resolution for the learner.
func (a *Advisors) Advisor(_ context.Context, act slack.AdvisorAction) error {
	if act.LearnerID == "" || act.ID == "" {
		return errors.New("advisor action without a learner or an id")
	}
	in := dialog.Input{Kind: dialog.InAdvisor, What: act.Kind, Text: act.Text, Advisor: act.User, Ref: act.Ref}
	p, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return a.Bot.Receive(storage.Update{Key: act.ID, Channel: NotifyChannel, LearnerID: act.LearnerID, Payload: p})
}

// LearnerOfThread finds whose help request a Slack thread is.
func (a *Advisors) LearnerOfThread(ref string) (string, bool, error) {
	return a.Bot.cfg.DB.ThreadLearner(ref)
}

// Command runs an advisor's command.
func (a *Advisors) Command(_ context.Context, c slack.Command) (slack.Reply, error) {
	cfg := a.Bot.cfg
	now := cfg.Now()
	fail := func(err error) (slack.Reply, error) {
		cfg.Log.Info().Err(err).Str("op", c.Op).Msg("slack: an advisor's command failed")
		return slack.Reply{Text: "⚠️ " + AdviceOf(err), Ephemeral: true, Failed: true}, nil
	}
	switch c.Op {
	case slack.OpCampaignCreate:
		rng := rand.New(rand.NewPCG(cfg.Random(), cfg.Random()))
		room := c.Channel
		if c.BotAbsent {
			room = "" // nothing can arrive there: the default channel, if any
		}
		paliers, err := ParsePaliers(c.Paliers)
		if err != nil {
			r, _ := fail(err)
			r.Field = slack.FieldPaliers
			return r, nil
		}
		var link *storage.Link
		if c.LinkURL != "" {
			link = &storage.Link{Label: c.LinkLabel, URL: c.LinkURL}
		}
		if err := CheckCallToAction(c.ResultText, link); err != nil {
			r, _ := fail(err)
			r.Field = slack.FieldResult
			return r, nil
		}
		camp, err := CreateCampaign(cfg.DB, storage.Campaign{Name: c.Name, Competences: c.Competences, MaxQuestions: c.MaxQuestions,
			StopWhenKnown: c.StopWhenKnown, MinQuestions: c.MinQuestions, Feedback: c.Feedback, AskExternalID: c.AskExternalID, PathLength: c.PathLength, SlackChannel: room, Owner: c.User,
			Paliers: paliers, ResultText: c.ResultText, ResultLink: link, ExternalIDKind: c.IDKind, HelpHours: c.HelpHours, Profile: c.Profile}, rng, now)
		if err != nil {
			return fail(err)
		}
		cfg.Log.Info().Str("campaign", camp.Code).Str("advisor", c.User).Bool("bot_absent", c.BotAbsent).Msg("campaign created from Slack")
		text := fmt.Sprintf("Campagne *%s* créée : code *%s*.", slack.Escape(camp.Name), camp.Code)
		reply := slack.Reply{Ephemeral: c.BotAbsent}
		if link := linkOf(a.BotName, camp.Code); link != "" {
			text += "\nLien à partager : " + link
			png, err := chart.QR(link, 800, camp.Code)
			if err != nil {
				return fail(err)
			}
			reply.Files = append(reply.Files, slack.File{Name: "qr-" + camp.Code + ".png", Title: "QR code " + camp.Code, Data: png})
		} else {
			text += "\nLes jeunes écrivent au bot : /start " + camp.Code
		}
		switch {
		case !c.BotAbsent:
			text += fmt.Sprintf("\nLes notifications de cette campagne arrivent dans <#%s>.", c.Channel)
		case c.Channel == "" && a.DefaultChannel != "":
			text += fmt.Sprintf("\nLes notifications de cette campagne arrivent dans <#%s>, le canal par défaut.", a.DefaultChannel)
		case c.Channel == "":
			text += "\n⚠️ Aucun canal pour les notifications de cette campagne : elles attendront. " +
				"Créez-la plutôt depuis le canal de votre équipe, après m'y avoir invité (`/invite @diagbot`)."
		case a.DefaultChannel != "":
			text += fmt.Sprintf("\n⚠️ Je ne suis pas dans <#%s> : les notifications de cette campagne ne peuvent pas y arriver. "+
				"Elles iront dans <#%s>. Pour les recevoir ailleurs, invitez-moi dans le canal de votre équipe (`/invite @diagbot`) et créez-y la campagne.", c.Channel, a.DefaultChannel)
		default:
			text += fmt.Sprintf("\n⚠️ Je ne suis pas dans <#%s> : les notifications de cette campagne ne peuvent pas y arriver. "+
				"Invitez-moi dans le canal de votre équipe (`/invite @diagbot`), puis créez-y la campagne : c'est là que je vous préviendrai.", c.Channel)
		}
		reply.Text = text
		return reply, nil
	case slack.OpCampaignList:
		list, err := ListCampaigns(cfg.DB, a.BotName)
		if err != nil {
			return fail(err)
		}
		if len(list) == 0 {
			return slack.Reply{Text: "Aucune campagne pour l'instant. `/diagbot campagne créer NOM` pour commencer."}, nil
		}
		var b strings.Builder
		b.WriteString("*Campagnes*\n")
		for _, ci := range list {
			state := ""
			if ci.ArchivedAt != nil {
				state = " (archivée)"
			}
			fmt.Fprintf(&b, "• *%s* %s%s · %d jeune(s)", ci.Code, slack.Escape(ci.Name), state, ci.Learners)
			if ci.Link != "" && ci.ArchivedAt == nil {
				b.WriteString(" · " + ci.Link)
			}
			b.WriteString("\n")
		}
		return slack.Reply{Text: b.String()}, nil
	case slack.OpCampaignArchive:
		code, _ := NormalizeCode(c.Code)
		camp, err := ArchiveCampaign(cfg.DB, code, now)
		if err != nil {
			return fail(err)
		}
		return slack.Reply{Text: fmt.Sprintf("Campagne *%s* (%s) archivée : son code n'inscrit plus personne.", camp.Code, slack.Escape(camp.Name))}, nil
	case slack.OpCampaignStats:
		code, _ := NormalizeCode(c.Code)
		st, err := Stats(cfg.DB, cfg.Engine, code, now)
		if err != nil {
			return fail(err)
		}
		reply := slack.Reply{Text: slack.Escape(st.Text())}
		if png, err := st.Chart("fr"); err == nil {
			reply.Files = append(reply.Files, slack.File{Name: "niveaux-" + code + ".png", Title: "Niveaux moyens " + code, Data: png})
		} else {
			cfg.Log.Warn().Err(err).Str("campaign", code).Msg("no stats chart")
		}
		return reply, nil
	case slack.OpCampaignExport:
		code, _ := NormalizeCode(c.Code)
		var buf bytes.Buffer
		rows, err := ExportCSVAt(cfg.DB, cfg.Engine, cfg.Bank, code, now, &buf)
		if err != nil {
			return fail(err)
		}
		return slack.Reply{Text: fmt.Sprintf("Export de *%s* : %d jeune(s).", code, rows),
			Files: []slack.File{{Name: "diagbot-" + code + "-" + now.Format("2006-01-02") + ".csv", Title: "Export " + code, Data: buf.Bytes()}}}, nil
	case slack.OpCampaignLearners:
		text, err := a.learnersText(c, now)
		if err != nil {
			return fail(err)
		}
		return slack.Reply{Text: text, Ephemeral: true}, nil
	case slack.OpCampaignTopics:
		text, acts, err := a.topicsText(c, now)
		if err != nil {
			return fail(err)
		}
		return slack.Reply{Text: text, Ephemeral: true, Actions: acts}, nil
	case slack.OpCampaignLesson:
		text, err := a.sendLesson(c, now)
		if err != nil {
			return fail(err)
		}
		cfg.Log.Info().Str("campaign", c.Code).Str("advisor", c.User).Msg("advisor sent a lesson to a campaign")
		return slack.Reply{Text: text, Ephemeral: true}, nil
	case slack.OpLearner:
		l, ok, err := FindLearner(cfg.DB, c.Learner)
		if err != nil {
			return fail(err)
		}
		if !ok {
			return slack.Reply{Text: "Je ne trouve pas « " + slack.Escape(c.Learner) + " ». Donnez le pseudonyme (A-…) d'une notification ou l'identifiant France Travail.", Ephemeral: true}, nil
		}
		rep, err := Report(cfg.DB, cfg.Engine, cfg.Bank, l.ID)
		if err != nil {
			return fail(err)
		}
		return slack.Reply{Text: slack.Escape(rep.Text())}, nil
	}
	return slack.Reply{Text: slack.Usage, Ephemeral: true}, nil
}

// SkillNames gives Slack a skill in words an advisor reads: what the learner
// will be able to do ("reconnaître un SMS d'arnaque"), else its lesson's title.
func SkillNames(bk *bank.Bank) func(competence, skill string) string {
	return func(competence, skill string) string {
		if l, ok := bk.Lesson(competence, skill); ok {
			if l.Can != "" {
				return l.Can
			}
			return l.Title
		}
		return ""
	}
}
