package dialog

import (
	"strings"
	"unicode"
)

// Places near the learner (issue 20 §3): after the results (a button) or
// with /lieux, the learner types a postcode or skips. The dialog does no
// I/O: it asks the caller for the places (OutPlaces: the caller chooses
// them and fills Text) and tells the advisor (EvPlaces: the caller fills
// Text with one line).

const (
	// OutPlaces asks the caller to choose places near Places.Postcode for
	// the competences Places.Levels says to work, and to fill Text.
	OutPlaces OutputKind = "places"
	// EvPlaces tells the advisor which places were proposed; the caller
	// fills Text.
	EvPlaces EventKind = "places"
)

// PlacesView is what the caller needs to choose places.
type PlacesView struct {
	Postcode string `json:"postcode"`
	// Levels are the learner's measured levels by competence (empty before
	// a diagnostic is finished): the caller works out the competences to
	// work from them.
	Levels map[string]int `json:"levels,omitempty"`
}

var placeTexts = map[string]map[string]string{
	"fr": {
		"btn_places":      "📍 Trouver un lieu près de chez moi",
		"places_ask":      "Près de chez vous, des lieux gratuits aident au numérique.\nQuel est votre code postal ? (5 chiffres, par exemple 16000)\nOu appuyez sur « Passer ».",
		"places_bad":      "Je n'ai pas reconnu ce code postal. Il a 5 chiffres, par exemple 16000.\nRéessayez, ou appuyez sur « Passer ».",
		"places_skipped":  "D'accord. Écrivez /lieux quand vous voudrez.",
		"places_wait":     "Je cherche des lieux près de {postcode}…",
		"btn_places_skip": "Passer",
		"cmd_places":      "/lieux : des lieux près de chez moi",
	},
	"en": {
		"btn_places":      "📍 Find a place near me",
		"places_ask":      "Near you, free places help with the digital.\nWhat is your postcode? (5 digits, for example 16000)\nOr press “Skip”.",
		"places_bad":      "I did not recognise this postcode. It has 5 digits, for example 16000.\nTry again, or press “Skip”.",
		"places_skipped":  "All right. Type /places whenever you like.",
		"places_wait":     "Looking for places near {postcode}…",
		"btn_places_skip": "Skip",
		"cmd_places":      "/places: places near me",
	},
}

func init() {
	for lang, m := range placeTexts {
		for k, v := range m {
			texts[lang][k] = v
		}
		texts[lang]["commands"] += "\n" + m["cmd_places"]
	}
	Commands["lieux"], Commands["places"] = "lieux", "lieux"
}

// placesButton is the results' button that starts it.
func placesButton(lang string) []ButtonView {
	return []ButtonView{{Label: T(lang, "btn_places"), Data: Button{Menu: "places", Value: "start"}.Encode()}}
}

// askPlaces asks for the postcode.
func (st *step) askPlaces() error {
	st.s.PlacesAsk = true
	st.sayButtons(T(st.lang(), "places_ask"),
		ButtonView{Label: T(st.lang(), "btn_places_skip"), Data: Button{Menu: "places", Value: "skip"}.Encode()})
	return nil
}

// placesButtonPressed handles the places' buttons: start and skip.
func (st *step) placesButtonPressed(value string) error {
	switch {
	case value == "start":
		return st.askPlaces()
	case value == "skip" && st.s.PlacesAsk:
		return st.skipPlaces()
	}
	st.say("stale_plain")
	return nil
}

func (st *step) skipPlaces() error {
	st.s.PlacesAsk = false
	st.say("places_skipped")
	return st.backToQuestion()
}

// backToQuestion asks again the question a learner in the middle of a
// diagnostic left for places.
func (st *step) backToQuestion() error {
	if st.m.current() == StateQuestion {
		return st.resend()
	}
	return nil
}

// placesPostcode reads the postcode typed: "passer" skips; a postcode
// written with spaces or a dot ("16 000") is read; anything else gets a
// kind answer and the question stays open.
func (st *step) placesPostcode(text string) error {
	word := strings.ToLower(strings.Trim(strings.TrimSpace(text), ".!"))
	switch word {
	case "passer", "skip", "non", "no", "plus tard", "later":
		return st.skipPlaces()
	}
	pc := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '\u00a0' {
			return -1
		}
		return r
	}, text)
	if len(pc) != 5 || strings.IndexFunc(pc, func(r rune) bool { return !unicode.IsDigit(r) || r > '9' }) >= 0 {
		st.notUnderstood("places_bad", [][]ButtonView{{{Label: T(st.lang(), "btn_places_skip"), Data: Button{Menu: "places", Value: "skip"}.Encode()}}})
		return nil
	}
	st.s.PlacesAsk = false
	v := &PlacesView{Postcode: pc}
	if st.s.Engine != nil && !st.s.FinishedAt.IsZero() {
		res, err := st.env.Engine.Result(st.s.Engine)
		if err != nil {
			return err
		}
		v.Levels = map[string]int{}
		for _, c := range res.Competences {
			v.Levels[c.Competence] = c.Level
		}
	}
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutPlaces, Lang: st.lang(), Text: T(st.lang(), "places_wait", "postcode", pc), Places: v})
	ev := st.event(EvPlaces, "")
	ev.Question, ev.Item, ev.Progress = 0, "", ""
	st.t.Events = append(st.t.Events, ev)
	return st.backToQuestion()
}
