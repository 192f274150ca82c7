package lieux

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/diagbot/diagbot/engine"
)

// Text is the suggestion as the learner reads it (lang "fr" or "en"), plain
// text: the places, one block each, with the address, the distance, whether
// it is open at now, the phone and the appointment link.
func (s Suggestions) Text(lang string, now time.Time) string {
	en := lang == "en"
	var b strings.Builder
	switch {
	case len(s.Places) == 0 && s.Located.By == "":
		fmt.Fprintf(&b, pick(en, "I do not know any place near %s yet. Your advisor can tell you one.",
			"Je ne connais pas encore de lieu près de %s. Votre conseiller ou conseillère peut vous en indiquer un."), s.Located.Postcode)
		return b.String()
	case len(s.Places) == 0:
		fmt.Fprintf(&b, pick(en, "I found no free place for young people within %.0f km of %s. Your advisor can tell you one.",
			"Je n'ai pas trouvé de lieu gratuit pour les jeunes à moins de %.0f km de %s. Votre conseiller ou conseillère peut vous en indiquer un."), s.MaxKm, s.Located.Postcode)
		return b.String()
	case len(s.Places) == 1:
		fmt.Fprintf(&b, pick(en, "A free place near %s where someone can help you", "Un lieu gratuit près de %s où l'on peut vous aider"), s.Located.Postcode)
	default:
		fmt.Fprintf(&b, pick(en, "%d free places near %s where someone can help you", "%d lieux gratuits près de %s où l'on peut vous aider"), len(s.Places), s.Located.Postcode)
	}
	names := s.needNames(lang)
	switch {
	case s.General:
		b.WriteString(pick(en, " with the digital in everyday life.\n", " avec le numérique du quotidien.\n"))
		if names != "" {
			fmt.Fprintf(&b, pick(en, "None near you lists exactly: %s; ask them, they can often help.\n",
				"Aucun lieu proche ne propose exactement : %s ; demandez-leur, ils peuvent souvent aider.\n"), names)
		}
	case names != "":
		b.WriteString(pick(en, " with: ", " pour : ") + names + ".\n")
	default:
		b.WriteString(".\n")
	}
	for i, p := range s.Places {
		b.WriteString("\n")
		p.write(&b, i+1, lang, now)
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s Suggestions) needNames(lang string) string {
	var names []string
	for _, id := range s.Focus {
		if c, ok := engine.CompetenceByID(id); ok {
			names = append(names, strings.ToLower(c.Short(lang)))
		}
	}
	return strings.Join(names, ", ")
}

func (s Suggestion) write(b *strings.Builder, n int, lang string, now time.Time) {
	en := lang == "en"
	p := s.Place
	fmt.Fprintf(b, "%d. %s", n, p.Nom)
	if s.HasKm {
		b.WriteString(" — " + KmText(lang, s.Km))
	}
	b.WriteString("\n")
	addr := p.Adresse
	if p.ComplementAdresse != "" {
		addr += ", " + p.ComplementAdresse
	}
	fmt.Fprintf(b, "%s, %s %s\n", addr, p.CodePostal, p.Commune)
	if line := HoursText(p.Horaires, lang, now); line != "" {
		b.WriteString(line + "\n")
	}
	if p.Telephone != "" {
		fmt.Fprintf(b, "%s %s\n", pick(en, "Phone:", "Tél. :"), p.Telephone)
	}
	if p.PriseRdv != "" {
		fmt.Fprintf(b, "%s %s\n", pick(en, "Appointment:", "Rendez-vous :"), p.PriseRdv)
	}
}

// HoursText says whether a place is open at now, from its opening_hours
// text: the text as written when it cannot be read, "" when there is none.
func HoursText(horaires, lang string, now time.Time) string {
	if horaires == "" {
		return ""
	}
	h, err := ParseHours(horaires)
	if err != nil {
		return pick(lang == "en", "Hours: ", "Horaires : ") + horaires
	}
	return h.At(now).Text(lang, now)
}

// KmText writes a distance: "800 m", "2,3 km", "15 km" ("2.3 km" in English).
func KmText(lang string, km float64) string {
	switch {
	case km < 1:
		return fmt.Sprintf("%d m", max(100, int(math.Round(km*10))*100))
	case km < 10:
		s := fmt.Sprintf("%.1f km", km)
		if lang != "en" {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	return fmt.Sprintf("%.0f km", km)
}

// Line is the suggestion in one line for the advisor (French): the
// postcode, the competences worked and the places proposed.
func (s Suggestions) Line() string {
	if len(s.Places) == 0 {
		if s.Located.By == "" {
			return fmt.Sprintf("Lieux près de %s : aucun lieu connu dans ce secteur.", s.Located.Postcode)
		}
		return fmt.Sprintf("Lieux près de %s : aucun lieu gratuit pour les jeunes à moins de %.0f km.", s.Located.Postcode, s.MaxKm)
	}
	var names []string
	for _, p := range s.Places {
		n := p.Place.Nom + ", " + p.Place.Commune
		if p.HasKm {
			n += " (" + KmText("fr", p.Km) + ")"
		}
		names = append(names, n)
	}
	general := ""
	if s.General {
		general = " (aucun ne propose ces compétences : lieux d'aide au numérique du quotidien)"
	}
	return fmt.Sprintf("Lieux proposés près de %s pour %s%s : %s.", s.Located.Postcode, strings.Join(s.Focus, ", "), general, strings.Join(names, " ; "))
}
