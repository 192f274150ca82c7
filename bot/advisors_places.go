package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/diagbot/diagbot/bot/lieux"
	"github.com/diagbot/diagbot/channels/slack"
)

// PlaceServices are the national schema's services, the choices of the
// Slack form that adds a place.
func (a *Advisors) PlaceServices() []string { return lieux.ServiceValues }

// AddPlace adds a place or workshop an advisor typed in Slack; its checks
// are an import's, told in French.
func (a *Advisors) AddPlace(_ context.Context, user string, f slack.PlaceForm) (string, error) {
	cfg := a.Bot.cfg
	p := lieux.Place{Nom: f.Name, Adresse: f.Address, CodePostal: f.Postcode, Commune: f.Commune, Telephone: frenchPhone(f.Phone),
		Horaires: f.Hours, PriseRdv: f.Booking, Services: f.Services, DateMaj: cfg.Now().Format("2006-01-02")}
	if f.Free {
		p.Frais = []string{"Gratuit"}
	}
	if f.Young {
		p.Publics = []string{"Jeunes"}
	}
	added, err := AddLocalPlace(cfg.DB, p, user)
	if err != nil {
		cfg.Log.Info().Err(err).Msg("slack: a place was refused")
		return "", fmt.Errorf("Ce lieu ne peut pas être ajouté : %s", placeAdvice(err.Error()))
	}
	cfg.Log.Info().Str("place", added.ID).Str("advisor", user).Msg("a local place was added from Slack")
	text := fmt.Sprintf("📍 Lieu ajouté : *%s*, %s %s. Il sera proposé aux jeunes près de chez eux qui ont besoin de : %s.",
		slack.Escape(added.Nom), slack.Escape(added.CodePostal), slack.Escape(added.Commune), slack.Escape(strings.Join(added.Services, ", ")))
	if !f.Free {
		text += "\n⚠️ Il n'est pas indiqué gratuit : il ne sera pas proposé aux jeunes, qui ne voient que des lieux gratuits."
	}
	return text, nil
}

// frenchPhone writes a French number as the schema wants it: "05 45 00 00
// 00" is "+33545000000"; anything else is left for the check to name.
func frenchPhone(s string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' {
			return r
		}
		return -1
	}, s)
	if len(d) == 10 && d[0] == '0' {
		return "+33" + d[1:]
	}
	if d == "" {
		return s
	}
	return d
}

// placeAdvice says in French which fields to fix, from the check's
// message (which names them by the schema's field names).
func placeAdvice(msg string) string {
	var out []string
	for _, f := range []struct{ field, advice string }{
		{"code_postal", "le code postal a 5 chiffres"},
		{"telephone", "le téléphone : 10 chiffres, comme 05 45 00 00 00"},
		{"horaires", "les horaires s'écrivent comme « Mo-Fr 09:00-12:00 » ou « We 14:00-17:00 »"},
		{"prise_rdv", "le lien de rendez-vous commence par https://"},
		{"services", "choisissez les services dans la liste"},
		{"nom", "le nom"}, {"adresse", "l'adresse"}, {"commune", "la commune"},
	} {
		if strings.Contains(msg, f.field) {
			out = append(out, f.advice)
		}
	}
	if len(out) == 0 {
		return "vérifiez les champs du formulaire."
	}
	return strings.Join(out, " ; ") + "."
}
