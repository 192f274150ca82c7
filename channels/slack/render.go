package slack

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/diagbot/diagbot/channels/chart"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
)

// This file turns notifications into Slack text and blocks. It does no I/O,
// so every rendering is tested without a server.

// Block ids of a help notification: a claim or a resolve replaces the status
// and the actions, and keeps the rest as it was posted.
const (
	blockHelpHead     = "help_head"
	blockHelpText     = "help_text"
	blockHelpQuestion = "help_question"
	blockHelpRef      = "help_ref"
	blockHelpStatus   = "help_status"
	blockHelpActions  = "help_actions"
)

// Action ids of the help buttons; their value is the learner id.
const (
	ActionClaim   = "claim"
	ActionResolve = "resolve"
)

// Slack limits: a section's text holds 3,000 characters, a message 40,000
// (past 4,000 Slack folds it behind "Show more").
const (
	maxQuote     = 1500 // a learner's message, quoted
	maxPrompt    = 300  // a question's prompt, as a reminder
	maxNames     = 40   // names in one line of the digest
	maxPlainText = 4000 // an advisor's reply to a learner
)

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes any text safe inside Slack mrkdwn: Slack asks for &, < and >
// only, and once they are escaped no text can ping a channel or forge a link.
// The bot uses it for its command answers too.
func Escape(s string) string { return mrkdwnEscaper.Replace(s) }

// cut keeps at most n runes of s, ending with "…" when it cuts.
func cut(s string, n int) string {
	s = strings.ToValidUTF8(s, "�")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimRight(string([]rune(s)[:n-1]), " \n") + "…"
}

// quote renders a learner's text as a mrkdwn quote, escaped.
func quote(s string) string {
	s = strings.TrimSpace(cut(s, maxQuote))
	if s == "" {
		return "_(sans message)_"
	}
	lines := strings.Split(Escape(s), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}

// who names the learner for advisors: their first name and external id when
// they gave them, else their pseudonym. Escaped.
func who(n dialog.Notification) string {
	name, ext := strings.TrimSpace(n.Event.FirstName), strings.TrimSpace(n.Event.ExternalID)
	switch {
	case name != "" && ext != "":
		return Escape(cut(name, 40)) + " (ID " + Escape(cut(ext, 40)) + ")"
	case name != "":
		return Escape(cut(name, 40))
	case ext != "":
		return "ID " + Escape(cut(ext, 40))
	case n.LearnerID != "":
		return dialog.LearnerRef(n.LearnerID)
	}
	return "Un·e apprenant·e"
}

// pseudonym is the line that lets an advisor look the learner up.
func pseudonym(n dialog.Notification) string {
	if n.LearnerID == "" {
		return ""
	}
	ref := dialog.LearnerRef(n.LearnerID)
	return "Pseudonyme " + ref + " · `/diagbot apprenant " + ref + "`"
}

func campaignLabel(code string) string {
	if code == "" {
		return "sans campagne"
	}
	return "campagne `" + Escape(code) + "`"
}

// levelBar draws a level out of 8: "▰▰▰▱▱▱▱▱ 3".
func levelBar(level int) string {
	l := max(0, min(engine.MaxLevel, level))
	return strings.Repeat("▰", l) + strings.Repeat("▱", engine.MaxLevel-l) + " " + strconv.Itoa(l)
}

// duration says how long a diagnostic took, as a person would.
func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Minute:
		return "moins d'une minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h %02d", int(d.Hours()), int(d.Minutes())%60)
	}
	days := int(d.Hours()) / 24
	return fmt.Sprintf("%d j %d h", days, int(d.Hours())%24)
}

func competenceName(id string) string {
	if c, ok := engine.CompetenceByID(id); ok {
		return c.Short("fr")
	}
	return id
}

// finishedText is the message of a finished notification, in mrkdwn.
func finishedText(n dialog.Notification, skillName func(competence, skill string) string) string {
	ev := n.Event
	var b strings.Builder
	fmt.Fprintf(&b, "✅ *Diagnostic terminé* : *%s* · %s", who(n), campaignLabel(ev.Campaign))
	r := ev.Result
	if r == nil {
		if d := duration(ev.Duration); d != "" {
			b.WriteString("\nDurée : " + d)
		}
		return b.String()
	}
	b.WriteString("\n" + strconv.Itoa(r.Questions) + " questions")
	if d := duration(ev.Duration); d != "" {
		b.WriteString(" en " + d)
	}
	fmt.Fprintf(&b, " · niveau global %d · %d/%d pix", r.Level, r.Pix, r.PixMax)
	if ev.Palier != "" {
		b.WriteString("\n🎯 Palier : *" + Escape(cut(ev.Palier, 200)) + "*")
	}
	b.WriteString("\n")
	for _, c := range r.Competences {
		fmt.Fprintf(&b, "\n`%s` %s %s", levelBar(c.Level), c.Competence, competenceName(c.Competence))
	}
	if len(r.Train) > 0 {
		b.WriteString("\n\n*À travailler ensuite :*")
		for i, t := range r.Train {
			if i == engine.MaxRecommendations {
				break
			}
			name := ""
			if skillName != nil {
				name = skillName(t.Competence, t.Skill)
			}
			if name == "" {
				name = t.Skill
			}
			fmt.Fprintf(&b, "\n• %s %s : %s (niveau %d)", t.Competence, competenceName(t.Competence), Escape(cut(name, 80)), t.Level)
		}
	}
	if p := pseudonym(n); p != "" {
		b.WriteString("\n\n_" + p + "_")
	}
	return b.String()
}

// radar draws the learner's levels, with the uncertainty band of one
// standard error around each.
func radar(r *engine.Result) ([]byte, error) {
	if r == nil || len(r.Competences) == 0 {
		return nil, fmt.Errorf("no competence to draw")
	}
	axes := make([]chart.Axis, 0, len(r.Competences))
	for _, c := range r.Competences {
		if math.IsNaN(c.Theta) || math.IsNaN(c.SE) {
			return nil, fmt.Errorf("competence %s has no finite ability", c.Competence)
		}
		axes = append(axes, chart.Axis{
			Label: c.Competence + " " + competenceName(c.Competence),
			Value: engine.ContinuousLevel(c.Theta),
			Low:   engine.ContinuousLevel(c.Theta - c.SE),
			High:  engine.ContinuousLevel(c.Theta + c.SE),
		})
	}
	return chart.Radar(axes, chart.Options{Title: "Niveaux par compétence"})
}

func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, false)
}

func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, true, false)
}

// promptFunc returns the prompt of an item (the learner's current question).
type promptFunc func(itemID string) string

// helpBlocks is a help notification: who, the campaign, the learner's
// message, their current question and progress, a status line and the
// "Je m'en occupe" button.
func helpBlocks(n dialog.Notification, prompt promptFunc) []slackapi.Block {
	ev := n.Event
	blocks := []slackapi.Block{
		slackapi.NewSectionBlock(mrkdwn(fmt.Sprintf("🆘 *Demande d'aide* de *%s* · %s", who(n), campaignLabel(ev.Campaign))), nil, nil, slackapi.SectionBlockOptionBlockID(blockHelpHead)),
		slackapi.NewSectionBlock(mrkdwn(quote(ev.Text)), nil, nil, slackapi.SectionBlockOptionBlockID(blockHelpText)),
	}
	if q := questionLine(ev, prompt); q != "" {
		blocks = append(blocks, slackapi.NewContextBlock(blockHelpQuestion, mrkdwn(q)))
	}
	if p := pseudonym(n); p != "" {
		blocks = append(blocks, slackapi.NewContextBlock(blockHelpRef, mrkdwn(p)))
	}
	return append(blocks, statusBlocks(n.LearnerID, "", false)...)
}

// questionLine says where the learner is: "Question 7 · 6/20 · « prompt »".
func questionLine(ev dialog.Event, prompt promptFunc) string {
	var parts []string
	if ev.Question > 0 {
		parts = append(parts, "Question "+strconv.Itoa(ev.Question))
	}
	if ev.Progress != "" {
		parts = append(parts, Escape(ev.Progress)+" répondues")
	}
	if ev.Question > 0 && ev.Item != "" && prompt != nil {
		if p := strings.Join(strings.Fields(prompt(ev.Item)), " "); p != "" {
			parts = append(parts, "« "+Escape(cut(p, maxPrompt))+" »")
		}
	}
	return strings.Join(parts, " · ")
}

// statusBlocks are the last blocks of a help notification: waiting with the
// claim button, claimed by an advisor with the resolve button, or resolved.
func statusBlocks(learnerID, advisor string, resolved bool) []slackapi.Block {
	switch {
	case resolved:
		return []slackapi.Block{slackapi.NewContextBlock(blockHelpStatus, mrkdwn("✅ Résolu par "+mention(advisor)))}
	case advisor != "":
		return []slackapi.Block{
			slackapi.NewContextBlock(blockHelpStatus, mrkdwn("✋ Pris en charge par "+mention(advisor)+" · répondez dans le fil : l'apprenant·e reçoit vos messages.")),
			slackapi.NewActionBlock(blockHelpActions, slackapi.NewButtonBlockElement(ActionResolve, learnerID, plain("Résolu"))),
		}
	}
	return []slackapi.Block{
		slackapi.NewContextBlock(blockHelpStatus, mrkdwn("⏳ En attente d'un·e conseiller·e")),
		slackapi.NewActionBlock(blockHelpActions, slackapi.NewButtonBlockElement(ActionClaim, learnerID, plain("Je m'en occupe")).WithStyle(slackapi.StylePrimary)),
	}
}

// mention is a Slack user mention, or "un·e conseiller·e" for a bad id.
func mention(user string) string {
	if !isUserID(user) {
		return "un·e conseiller·e"
	}
	return "<@" + user + ">"
}

// restatus keeps a posted help notification's blocks but its status and
// actions, then adds the new ones.
func restatus(posted []slackapi.Block, learnerID, advisor string, resolved bool) []slackapi.Block {
	var out []slackapi.Block
	for _, b := range posted {
		if id := b.ID(); id == blockHelpStatus || id == blockHelpActions {
			continue
		}
		out = append(out, b)
	}
	return append(out, statusBlocks(learnerID, advisor, resolved)...)
}

// helpFallback is the notification text of a help message (what a phone's
// banner shows; the blocks are the message).
func helpFallback(n dialog.Notification) string {
	return "Demande d'aide de " + who(n) + " (" + campaignLabel(n.Event.Campaign) + ")"
}

// helpMessageText is a learner's message while their help request is open;
// inThread is false when it is not in a help thread, which the advisor must
// know: a reply there does not reach the learner.
func helpMessageText(n dialog.Notification, inThread bool) string {
	head := "💬 *" + who(n) + "* :"
	if !inThread {
		head = "💬 *" + who(n) + "* (" + campaignLabel(n.Event.Campaign) + ") écrit, sans demande d'aide ouverte ici. " +
			"_Une réponse à ce message ne lui parviendra pas._"
	}
	return head + "\n" + quote(n.Event.Text)
}

// erasedText tells advisors a learner erased their data, without saying who.
func erasedText(n dialog.Notification) string {
	return "🗑️ Un·e apprenant·e (" + campaignLabel(n.Event.Campaign) + ") a effacé ses données de diagbot. " +
		"Les messages précédents à son sujet restent dans Slack : supprimez-les si besoin."
}

// digestText is a campaign's week.
func digestText(n dialog.Notification) string {
	d := n.Event.Digest
	if d == nil {
		return "📅 Bilan de la semaine · " + campaignLabel(n.Event.Campaign) + " : rien à signaler."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "📅 *Bilan de la semaine %s* · %s · %d apprenant·e%s", Escape(d.Week), campaignLabel(n.Event.Campaign), d.Learners, plural(d.Learners))
	line := func(title string, names []string) {
		fmt.Fprintf(&b, "\n• *%s* (%d) : %s", title, len(names), nameList(names))
	}
	line("Actif·ves cette semaine", d.Active)
	line("Ont terminé leur parcours", d.Finished)
	line("Arrêté·es ou silencieux·ses depuis 7 jours", d.Stopped)
	return b.String()
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

func nameList(names []string) string {
	if len(names) == 0 {
		return "aucun·e"
	}
	shown := names
	if len(shown) > maxNames {
		shown = shown[:maxNames]
	}
	parts := make([]string, len(shown))
	for i, s := range shown {
		parts[i] = Escape(cut(s, 40))
	}
	out := strings.Join(parts, ", ")
	if rest := len(names) - len(shown); rest > 0 {
		out += fmt.Sprintf(" et %d autre%s", rest, plural(rest))
	}
	return out
}

// slackMarkup matches Slack's <…> markup in a message: mentions, channels,
// links, dates and special mentions.
var slackMarkup = regexp.MustCompile(`<([^<>]*)>`)

// plainText turns an advisor's Slack message into plain text for a learner:
// <@U1> mentions become "@Name" (name resolves the id; "" drops it), links
// "label (url)", @here and the like vanish, and &amp; &lt; &gt; are undone.
func plainText(s string, name func(userID string) string) string {
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		target, label, _ := strings.Cut(m[1:len(m)-1], "|")
		switch {
		case strings.HasPrefix(target, "@"):
			if label != "" {
				return "@" + strings.TrimPrefix(label, "@")
			}
			if name != nil {
				if n := name(target[1:]); n != "" {
					return "@" + n
				}
			}
			return ""
		case strings.HasPrefix(target, "#"):
			if label != "" {
				return "#" + label
			}
			return ""
		case strings.HasPrefix(target, "!subteam^"):
			return label
		case strings.HasPrefix(target, "!date^"):
			return label
		case strings.HasPrefix(target, "!"):
			return "" // @here, @channel, @everyone mean nothing to a learner
		case strings.HasPrefix(target, "mailto:"):
			if label != "" {
				return label
			}
			return strings.TrimPrefix(target, "mailto:")
		case label != "" && label != target:
			return label + " (" + target + ")"
		}
		return target
	})
	s = unescapeEntities(s)
	// Dropped mentions leave double spaces; keep line breaks.
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return cut(strings.TrimSpace(strings.Join(lines, "\n")), maxPlainText)
}
