package slack

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/diagbot/diagbot/engine"
)

// The App Home is the advisor's dashboard: their campaigns with counts, the
// open help requests, who finished this week, and buttons for what they do
// most (create a campaign in a form, see stuck learners, the skills to work).

// Home is what an advisor's Home tab shows; the bot fills it.
type Home struct {
	Advisor   bool // false: the tab says it is for advisors, and nothing else
	Campaigns []HomeCampaign
	Help      []HomeHelp
	Finished  []HomeFinished // this week
	Now       time.Time
}

// HomeCampaign is one campaign with its counts.
type HomeCampaign struct {
	Code, Name                                     string
	Learners, Started, Finished, InProgress, Stuck int
	Mine                                           bool // created by this advisor
}

// HomeHelp is an open help request.
type HomeHelp struct {
	Who, Campaign string
	Since         time.Time
	ClaimedBy     string // Slack user id, "" when nobody took it
	Link          string // the request's permalink, "" when unknown
}

// HomeFinished is a learner who finished this week.
type HomeFinished struct {
	Who, Campaign string
	At            time.Time
	Level         int
}

// Actions of the Home tab and its modals.
const (
	ActionHomeCreate   = "home_create"
	ActionHomeRefresh  = "home_refresh"
	ActionHomeStats    = "home_stats"    // value: campaign code
	ActionHomeLearners = "home_learners" // value: campaign code
	ActionHomeStuck    = "home_stuck"    // value: campaign code
	ActionHomeTopics   = "home_topics"   // value: campaign code
	ActionHomeExport   = "home_export"   // value: campaign code
	CallbackCreate     = "diagbot_create_campaign"
	ActionTopicLesson  = "topic_lesson" // value: "CODE|4.1/skill"
)

// Block Kit limits (checked by the tests on every view built here).
const (
	maxViewBlocks  = 100
	maxSectionText = 3000
	maxViewTitle   = 24
	homeCampaigns  = 10 // shown on the Home tab; the others through /diagbot campagne liste
	homeHelp       = 8
	homeFinished   = 15
)

// HomeView renders the Home tab.
func HomeView(h Home) slackapi.HomeTabViewRequest {
	v := slackapi.HomeTabViewRequest{Type: slackapi.VTHomeTab, CallbackID: "diagbot_home"}
	if !h.Advisor {
		v.Blocks.BlockSet = []slackapi.Block{
			slackapi.NewSectionBlock(mrkdwn("*diagbot* suit les jeunes qui passent le diagnostic numérique.\n"+
				"Cet espace est réservé aux conseillers et conseillères de la structure. "+
				"Si vous accompagnez des jeunes, demandez à la personne qui gère diagbot de vous ajouter."), nil, nil),
		}
		return v
	}
	var bs []slackapi.Block
	bs = append(bs,
		slackapi.NewHeaderBlock(plain("Suivi de vos jeunes")),
		slackapi.NewActionBlock("home_actions",
			slackapi.NewButtonBlockElement(ActionHomeCreate, "new", plain("Créer une campagne")).WithStyle(slackapi.StylePrimary),
			slackapi.NewButtonBlockElement(ActionHomePlace, "place", plain("Ajouter un lieu ou un atelier")),
			slackapi.NewButtonBlockElement(ActionHomeRefresh, "refresh", plain("Actualiser"))),
		slackapi.NewContextBlock("home_updated", mrkdwn("Mis à jour le "+frTime(h.Now)+" · `/diagbot aide` pour toutes les commandes")),
		slackapi.NewDividerBlock(),
	)

	bs = append(bs, slackapi.NewSectionBlock(mrkdwn(fmt.Sprintf("*🆘 Demandes d'aide ouvertes : %d*", len(h.Help))), nil, nil))
	if len(h.Help) == 0 {
		bs = append(bs, slackapi.NewContextBlock("", mrkdwn("Aucune demande en attente.")))
	}
	for i, r := range h.Help {
		if i == homeHelp {
			bs = append(bs, slackapi.NewContextBlock("", mrkdwn(fmt.Sprintf("… et %d autres : voyez le canal de chaque campagne.", len(h.Help)-homeHelp))))
			break
		}
		who := "*" + Escape(r.Who) + "*"
		if r.Link != "" {
			who = "<" + r.Link + "|" + Escape(r.Who) + ">"
		}
		status := "⏳ personne ne l'a prise"
		if r.ClaimedBy != "" {
			status = "✋ prise par " + mention(r.ClaimedBy)
		}
		bs = append(bs, slackapi.NewSectionBlock(mrkdwn(fmt.Sprintf("%s · %s · depuis %s · %s", who, campaignLabel(r.Campaign), since(h.Now, r.Since), status)), nil, nil))
	}
	bs = append(bs, slackapi.NewDividerBlock())

	bs = append(bs, slackapi.NewSectionBlock(mrkdwn(fmt.Sprintf("*📋 Campagnes : %d*", len(h.Campaigns))), nil, nil))
	if len(h.Campaigns) == 0 {
		bs = append(bs, slackapi.NewContextBlock("", mrkdwn("Pas encore de campagne : « Créer une campagne » donne un code et un QR code à distribuer.")))
	}
	for i, c := range h.Campaigns {
		if i == homeCampaigns {
			bs = append(bs, slackapi.NewContextBlock("", mrkdwn(fmt.Sprintf("… et %d autres : `/diagbot campagne liste`.", len(h.Campaigns)-homeCampaigns))))
			break
		}
		mine := ""
		if c.Mine {
			mine = " · la vôtre"
		}
		counts := fmt.Sprintf("%s · %s · %s · %s", count(c.Learners, "inscrit", "inscrits"), count(c.Started, "a commencé", "ont commencé"),
			count(c.Finished, "a terminé", "ont terminé"), count(c.Stuck, "bloqué depuis 2 jours", "bloqués depuis 2 jours"))
		if c.Stuck > 0 {
			counts = "⚠️ " + counts
		}
		bs = append(bs,
			slackapi.NewSectionBlock(mrkdwn(fmt.Sprintf("*%s* · code *%s*%s\n%s", Escape(c.Name), c.Code, mine, counts)), nil, nil),
			slackapi.NewActionBlock("home_c_"+c.Code,
				slackapi.NewButtonBlockElement(ActionHomeLearners, c.Code, plain("Apprenants")),
				slackapi.NewButtonBlockElement(ActionHomeStuck, c.Code, plain("Bloqués")),
				slackapi.NewButtonBlockElement(ActionHomeTopics, c.Code, plain("Sujets à travailler")),
				slackapi.NewButtonBlockElement(ActionHomeStats, c.Code, plain("Statistiques")),
				slackapi.NewButtonBlockElement(ActionHomeExport, c.Code, plain("Export CSV"))),
		)
	}
	bs = append(bs, slackapi.NewDividerBlock())

	bs = append(bs, slackapi.NewSectionBlock(mrkdwn(fmt.Sprintf("*✅ Terminé cette semaine : %d*", len(h.Finished))), nil, nil))
	if len(h.Finished) == 0 {
		bs = append(bs, slackapi.NewContextBlock("", mrkdwn("Personne pour l'instant.")))
	} else {
		var lines []string
		for i, f := range h.Finished {
			if i == homeFinished {
				lines = append(lines, fmt.Sprintf("… et %d autres.", len(h.Finished)-homeFinished))
				break
			}
			lines = append(lines, fmt.Sprintf("• *%s* · %s · niveau %d (%s) · %s", Escape(f.Who), campaignLabel(f.Campaign), f.Level, engine.BandWord(f.Level), frTime(f.At)))
		}
		bs = append(bs, slackapi.NewSectionBlock(mrkdwn(cut(strings.Join(lines, "\n"), maxSectionText)), nil, nil))
	}
	v.Blocks.BlockSet = bs
	return v
}

// since is "12 min", "3 h", "2 jours".
func since(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Hour:
		return strconv.Itoa(max(1, int(d.Minutes()))) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " jours"
}

// paris is the advisors' time zone.
var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return loc
}()

func frTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(paris).Format("02/01 à 15:04")
}

// count is "1 inscrit", "0 inscrit", "3 inscrits".
func count(n int, one, many string) string {
	if n > 1 {
		return strconv.Itoa(n) + " " + many
	}
	return strconv.Itoa(n) + " " + one
}
