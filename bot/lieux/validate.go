package lieux

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The schema's patterns (schema-lieux-mediation-numerique.json, v1.0.2).
var (
	rePivot     = regexp.MustCompile(`^[a-zA-Z0-9]{9,14}$`)
	rePostcode  = regexp.MustCompile(`^\d{5}$`)
	reInsee     = regexp.MustCompile(`^([013-9]\d|2[AB1-9])\d{3}$`)
	rePhone     = regexp.MustCompile(`^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$`)
	reFrenchNum = regexp.MustCompile(`^0\d{9}$`)
)

// maxResume is the schema's maxLength of presentation_resume, in characters.
const maxResume = 280

// row is one record read from a file: field name (current names) -> text.
type row map[string]string

// build checks a row against the schema's rules and returns the place, or
// every reason it cannot be taken. seps are the list separators: `|` in the
// schema's CSV, `|` and `;` in the earlier JSON export.
func build(r row, seps string) (Place, []string) {
	var (
		p    Place
		errs []string
	)
	bad := func(field, value, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s %q: %s", field, value, fmt.Sprintf(format, args...)))
	}
	for _, f := range requiredFields {
		if strings.TrimSpace(r[f]) == "" {
			errs = append(errs, fmt.Sprintf("%s is required and empty", f))
		}
	}
	text := func(f string) string { return strings.TrimSpace(r[f]) }
	list := func(f string, vocab []string) []string {
		items := splitList(r[f], seps)
		for i, it := range items {
			if vocab == nil {
				continue
			}
			if v, ok := inVocab(it, vocab); ok {
				items[i] = v
				continue
			}
			bad(f, it, "not a value of the schema; use one of: %s (separated by |)", strings.Join(vocab, " ; "))
		}
		return items
	}

	p.ID, p.Nom, p.Commune, p.Adresse = text("id"), text("nom"), text("commune"), text("adresse")
	p.ComplementAdresse, p.Source, p.StructureParente = text("complement_adresse"), text("source"), text("structure_parente")
	p.PresentationDetail, p.AutresLabels = text("presentation_detail"), text("autres_formations_labels")
	if p.Pivot = text("pivot"); p.Pivot != "" && !rePivot.MatchString(p.Pivot) {
		bad("pivot", p.Pivot, "write the SIRET (14 digits), the RNA (W and 9 digits) or the RIDET: 9 to 14 letters or digits")
	}
	if p.CodePostal = text("code_postal"); p.CodePostal != "" && !rePostcode.MatchString(p.CodePostal) {
		bad("code_postal", p.CodePostal, "write the 5 digits of the postcode, e.g. 16000")
	}
	if p.CodeInsee = text("code_insee"); p.CodeInsee != "" && !reInsee.MatchString(p.CodeInsee) {
		bad("code_insee", p.CodeInsee, "write the commune's 5-character INSEE code, e.g. 16015 or 2A004")
	}
	if p.DateMaj = text("date_maj"); p.DateMaj != "" {
		if _, err := time.Parse(time.DateOnly, p.DateMaj); err != nil {
			bad("date_maj", p.DateMaj, "write the date as YYYY-MM-DD, e.g. 2024-04-02")
		}
	}
	if p.PresentationResume = text("presentation_resume"); utf8.RuneCountInString(p.PresentationResume) > maxResume {
		bad("presentation_resume", clip(p.PresentationResume), "%d characters, the schema allows %d: shorten it or move the rest to presentation_detail",
			utf8.RuneCountInString(p.PresentationResume), maxResume)
	}
	if p.Telephone = text("telephone"); p.Telephone != "" && !rePhone.MatchString(p.Telephone) {
		hint := "write it in international form without spaces, e.g. +33545932222"
		if d := strings.NewReplacer(" ", "", ".", "", "-", "").Replace(p.Telephone); reFrenchNum.MatchString(d) {
			hint = fmt.Sprintf("write it in international form without spaces: +33%s", d[1:])
		}
		bad("telephone", p.Telephone, "%s", hint)
	}
	p.Latitude, p.Longitude = coordinates(r, bad, &errs)

	p.Typologie = list("typologie", nil)
	p.Courriels = list("courriels", nil)
	for _, c := range p.Courriels {
		if a, err := mail.ParseAddress(c); err != nil || a.Address != c {
			bad("courriels", c, "not an e-mail address (name@domain.fr; several separated by |)")
		}
	}
	p.SiteWeb = list("site_web", nil)
	for _, u := range p.SiteWeb {
		if msg := checkURL(u); msg != "" {
			bad("site_web", u, "%s", msg)
		}
	}
	for _, u := range []struct {
		field string
		dst   *string
	}{{"fiche_acces_libre", &p.FicheAccesLibre}, {"prise_rdv", &p.PriseRdv}} {
		if *u.dst = text(u.field); *u.dst != "" {
			if msg := checkURL(*u.dst); msg != "" {
				bad(u.field, *u.dst, "%s", msg)
			}
		}
	}
	p.Horaires = text("horaires")
	p.Itinerance = list("itinerance", itineranceValues)
	p.Services = list("services", ServiceValues)
	p.Publics = list("publics_specifiquement_adresses", publicValues)
	p.PriseEnCharge = list("prise_en_charge_specifique", priseValues)
	p.Frais = list("frais_a_charge", fraisValues)
	for _, d := range splitList(r["dispositif_programmes_nationaux"], seps) {
		if cur, ok := legacyDispositifs[d]; ok {
			d = cur // the earlier export's name of the same programme
		}
		if v, ok := inVocab(d, dispositifValues); ok {
			p.Dispositifs = append(p.Dispositifs, v)
		} else {
			bad("dispositif_programmes_nationaux", d, "not a value of the schema; use one of: %s (separated by |)", strings.Join(dispositifValues, " ; "))
		}
	}
	p.FormationsLabels = list("formations_labels", formationValues)
	p.ModalitesAcces = list("modalites_acces", accesValues)
	p.Accompagnement = list("modalites_accompagnement", accompagnementValues)
	p.PublicsAccueillis = list("publics_accueillis", nil)
	for k, v := range r {
		if !slices.Contains(knownFields, k) && strings.TrimSpace(v) != "" {
			if p.Extra == nil {
				p.Extra = map[string]string{}
			}
			p.Extra[k] = v
		}
	}
	return p, errs
}

// coordinates reads latitude and longitude: both or neither, numbers, in France.
func coordinates(r row, bad func(field, value, format string, args ...any), errs *[]string) (*float64, *float64) {
	ls, gs := strings.TrimSpace(r["latitude"]), strings.TrimSpace(r["longitude"])
	if ls == "" && gs == "" {
		return nil, nil
	}
	if ls == "" || gs == "" {
		*errs = append(*errs, "latitude and longitude go together: give both (WGS84 degrees) or neither")
		return nil, nil
	}
	lat, err1 := strconv.ParseFloat(ls, 64)
	lon, err2 := strconv.ParseFloat(gs, 64)
	for _, c := range []struct {
		name, text string
		err        error
	}{{"latitude", ls, err1}, {"longitude", gs, err2}} {
		if c.err != nil {
			hint := "write a number in decimal degrees with a dot, e.g. 45.65"
			if strings.Contains(c.text, ",") {
				hint = fmt.Sprintf("write the decimals after a dot: %s", strings.Replace(c.text, ",", ".", 1))
			}
			bad(c.name, c.text, "%s", hint)
		}
	}
	if err1 != nil || err2 != nil {
		return nil, nil
	}
	if !InFrance(Position{lat, lon}) {
		msg := "not in France (metropolitan or overseas): check the coordinates (WGS84, decimal degrees)"
		if InFrance(Position{lon, lat}) {
			msg = "latitude and longitude seem swapped: exchange them"
		}
		*errs = append(*errs, fmt.Sprintf("latitude %s, longitude %s: %s", ls, gs, msg))
		return nil, nil
	}
	return &lat, &lon
}

// franceBoxes are generous bounding boxes of France: the metropolitan
// territory with Corsica, then the overseas departments and territories.
var franceBoxes = [][4]float64{ // lat min, lat max, lon min, lon max
	{41.2, 51.2, -5.3, 9.7},      // métropole, Corse
	{15.8, 16.6, -61.9, -60.9},   // Guadeloupe
	{14.3, 14.95, -61.3, -60.75}, // Martinique
	{2.0, 6.0, -54.7, -51.5},     // Guyane
	{-21.45, -20.85, 55.15, 55.9},
	{-13.1, -12.55, 44.95, 45.35},  // Mayotte
	{46.7, 47.2, -56.5, -56.1},     // Saint-Pierre-et-Miquelon
	{17.85, 18.15, -63.2, -62.75},  // Saint-Martin, Saint-Barthélemy
	{-23.0, -19.0, 163.5, 168.5},   // Nouvelle-Calédonie
	{-28.0, -7.0, -155.0, -134.0},  // Polynésie française
	{-14.5, -13.1, -178.3, -176.0}, // Wallis-et-Futuna
}

// InFrance reports whether a position is on French territory (within a box).
func InFrance(p Position) bool {
	for _, b := range franceBoxes {
		if p.Lat >= b[0] && p.Lat <= b[1] && p.Lon >= b[2] && p.Lon <= b[3] {
			return true
		}
	}
	return false
}

// checkURL returns why u is not an absolute web address, or "".
func checkURL(u string) string {
	parsed, err := url.Parse(u)
	switch {
	case err != nil || strings.ContainsAny(u, " \t\n"):
		return "not a web address: write it whole, without spaces, e.g. https://www.example.fr/"
	case parsed.Scheme != "http" && parsed.Scheme != "https":
		return "a web address must start with https:// (or http://)"
	case parsed.Host == "":
		return "the web address has no domain: write it whole, e.g. https://www.example.fr/"
	}
	return ""
}

// splitList splits a list field on any of seps, trimming spaces and
// skipping empty items.
func splitList(s, seps string) []string {
	var out []string
	for _, it := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// inVocab finds v in vocab, ignoring case, and returns the schema's spelling.
func inVocab(v string, vocab []string) (string, bool) {
	for _, w := range vocab {
		if strings.EqualFold(v, w) {
			return w, true
		}
	}
	return "", false
}

// clip shortens a long value for an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	r := []rune(s)
	return string(r[:57]) + "…"
}

// CheckLocal checks a place an advisor adds by hand: a name, an address, a
// commune and a postcode at least; a phone, coordinates and links, when
// given, as the schema wants them. It returns every problem, or nil.
func CheckLocal(p Place) []string {
	r := row{"nom": p.Nom, "adresse": p.Adresse, "commune": p.Commune, "code_postal": p.CodePostal,
		"telephone": p.Telephone, "prise_rdv": p.PriseRdv, "site_web": strings.Join(p.SiteWeb, "|"),
		"services": strings.Join(p.Services, "|"), "frais_a_charge": strings.Join(p.Frais, "|"),
		"publics_specifiquement_adresses": strings.Join(p.Publics, "|"), "horaires": p.Horaires,
		// What only an open-data producer has: not asked of an advisor.
		"id": "local", "pivot": "000000000", "date_maj": "2000-01-01"}
	if p.Latitude != nil && p.Longitude != nil {
		r["latitude"], r["longitude"] = strconv.FormatFloat(*p.Latitude, 'f', -1, 64), strconv.FormatFloat(*p.Longitude, 'f', -1, 64)
	}
	_, errs := build(r, "|")
	if p.Horaires != "" {
		if _, err := ParseHours(p.Horaires); err != nil {
			errs = append(errs, fmt.Sprintf("horaires %q: %v", p.Horaires, err))
		}
	}
	return errs
}
