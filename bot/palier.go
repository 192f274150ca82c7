package bot

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
)

// DefaultPaliers are the stages of a campaign that sets none: what an
// advisor in a Mission Locale does next for each, and a word for the young
// person that is never a failure.
var DefaultPaliers = []storage.Palier{
	{MinLevel: 0, Title: "Premiers pas",
		Advice:  "orienter vers un atelier de médiation numérique avant les démarches en ligne seul",
		Message: "Vous avez fait le premier pas : le numérique, ça s'apprend petit à petit, et on va vous aider."},
	{MinLevel: 2, Title: "Bases en place",
		Advice:  "accompagner les démarches en ligne (France Travail, CAF) et proposer les leçons",
		Message: "Vous avez déjà de bonnes bases. Avec un peu d'entraînement, vous ferez vos démarches seul ou seule."},
	{MinLevel: 4, Title: "Autonome pour ses démarches",
		Advice:  "proposer l'atelier CV et candidature en ligne",
		Message: "Vous êtes à l'aise pour vos démarches en ligne. Vous pouvez le montrer avec votre attestation."},
	{MinLevel: 6, Title: "À l'aise avec le numérique",
		Advice:  "valoriser ses compétences (attestation) et regarder les métiers et formations du numérique",
		Message: "Vous maîtrisez bien le numérique : c'est un atout à mettre en avant auprès d'un employeur."},
}

// Limits of a campaign's paliers and call to action.
const (
	MinPaliers, MaxPaliers = 3, 5
	maxPalierTitle         = 60
	maxPalierText          = 200
	maxResultText          = 300
	maxLinkLabel           = 30
)

// PaliersOf is the campaign's stages: its own, or the defaults.
func PaliersOf(c storage.Campaign) []storage.Palier {
	if len(c.Paliers) > 0 {
		return c.Paliers
	}
	return DefaultPaliers
}

// PalierOf is the stage a result reaches in the campaign, and its index
// (0 = the lowest).
func PalierOf(c storage.Campaign, r engine.Result) (int, storage.Palier) {
	ps := PaliersOf(c)
	at := 0
	for i, p := range ps {
		if r.Level >= p.MinLevel {
			at = i
		}
	}
	return at, ps[at]
}

// CheckPaliers validates an advisor's paliers: 3 to 5, levels rising from
// 0 to 8, titles and texts short enough for a phone and a Slack line.
func CheckPaliers(ps []storage.Palier) error {
	if len(ps) == 0 {
		return nil
	}
	if len(ps) < MinPaliers || len(ps) > MaxPaliers {
		return problem(fmt.Errorf("a campaign has %d to %d paliers, not %d", MinPaliers, MaxPaliers, len(ps)),
			"Donnez de %d à %d paliers, un par ligne (vous en avez donné %d).", MinPaliers, MaxPaliers, len(ps))
	}
	for i, p := range ps {
		switch {
		case p.MinLevel < 0 || p.MinLevel > engine.MaxLevel:
			return problem(fmt.Errorf("palier %d: level %d out of 0–8", i+1, p.MinLevel), "Palier %d : le niveau doit aller de 0 à 8.", i+1)
		case i == 0 && p.MinLevel != 0:
			return problem(fmt.Errorf("the first palier must start at level 0"), "Le premier palier commence au niveau 0, pour que chaque jeune en ait un.")
		case i > 0 && p.MinLevel <= ps[i-1].MinLevel:
			return problem(fmt.Errorf("palier %d: levels must rise", i+1), "Palier %d : les niveaux doivent monter d'un palier à l'autre.", i+1)
		case strings.TrimSpace(p.Title) == "" || utf8.RuneCountInString(p.Title) > maxPalierTitle:
			return problem(fmt.Errorf("palier %d: title of 1 to %d characters", i+1, maxPalierTitle), "Palier %d : donnez un titre de 1 à %d caractères.", i+1, maxPalierTitle)
		case utf8.RuneCountInString(p.Advice) > maxPalierText || utf8.RuneCountInString(p.Message) > maxPalierText:
			return problem(fmt.Errorf("palier %d: texts of %d characters at most", i+1, maxPalierText), "Palier %d : %d caractères au plus par texte.", i+1, maxPalierText)
		}
	}
	return nil
}

// ParsePaliers reads paliers written one per line, as an advisor types them
// in Slack: "niveau ; titre ; ce que je propose ; message au jeune" (the
// last two may be left out).
func ParsePaliers(text string) ([]storage.Palier, error) {
	var ps []storage.Palier
	for n, line := range strings.Split(strings.TrimSpace(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, ";")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		lv, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(parts[0]), "niveau "))
		if err != nil || len(parts) < 2 {
			return nil, problem(fmt.Errorf("palier line %d: %q is not \"level ; title ; advice ; message\"", n+1, line),
				"Ligne %d : écrivez « niveau ; titre ; ce que vous proposez ; message au jeune », par exemple « 4 ; Autonome ; atelier CV ; Bravo ! ».", n+1)
		}
		p := storage.Palier{MinLevel: lv, Title: parts[1]}
		if len(parts) > 2 {
			p.Advice = parts[2]
		}
		if len(parts) > 3 {
			p.Message = strings.Join(parts[3:], "; ")
		}
		ps = append(ps, p)
	}
	return ps, CheckPaliers(ps)
}

// CheckCallToAction validates a campaign's result text and button.
func CheckCallToAction(text string, link *storage.Link) error {
	if utf8.RuneCountInString(text) > maxResultText {
		return problem(fmt.Errorf("result text over %d characters", maxResultText), "Le texte des résultats fait plus de %d caractères : raccourcissez-le.", maxResultText)
	}
	if link == nil {
		return nil
	}
	u, err := url.Parse(link.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(link.URL, " \n") {
		if err == nil {
			err = errors.New("not an https address")
		}
		return problem(fmt.Errorf("result link %q: %w", link.URL, err), "Le lien du bouton doit être une adresse https:// complète.")
	}
	if l := strings.TrimSpace(link.Label); l == "" || utf8.RuneCountInString(l) > maxLinkLabel {
		return problem(fmt.Errorf("result button label of 1 to %d characters", maxLinkLabel), "Le texte du bouton fait de 1 à %d caractères (par exemple « Prendre rendez-vous »).", maxLinkLabel)
	}
	return nil
}

// withPalier names, in a finished event, the palier the learner reached.
func (b *Bot) withPalier(ev *dialog.Event) {
	if ev.Kind != dialog.EvFinished || ev.Result == nil || ev.Campaign == "" {
		return
	}
	c, ok, err := b.cfg.DB.Campaign(ev.Campaign)
	if err != nil || !ok {
		return
	}
	_, p := PalierOf(c, *ev.Result)
	ev.Palier = p.Title
	if p.Advice != "" {
		ev.Palier += " — " + p.Advice
	}
}
