package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCalibrateFlagsALanguage: half the learners read the bank in English,
// where one item is a level harder (its English text is harder to read);
// the calibration finds that item, says the language, and flags no other.
func TestCalibrateFlagsALanguage(t *testing.T) {
	items := genBank(14, 23)
	e := mustEngine(t, items)
	truth := wrongWorld(items, 7)
	var hard string
	for _, it := range items {
		if it.Competence == "1.1" && it.Level == 3 {
			hard = it.ID
			break
		}
	}
	var log [][]Response
	for l := 0; l < 2400; l++ {
		rng := rand.New(rand.NewPCG(uint64(l), 9))
		lang := []string{"fr", "en"}[l%2]
		theta := rng.NormFloat64()
		s, err := e.Start(Config{Competences: []string{"1.1"}, MaxQuestions: 7, Seed: uint64(l)})
		if err != nil {
			t.Fatal(err)
		}
		playWith(t, e, s, func(it Item) (bool, bool) {
			p := truth[it.ID]
			if it.ID == hard && lang == "en" {
				p[1] += 1
			}
			return rng.Float64() < prob(p[0], p[1], theta), false
		})
		for k := range s.Responses {
			s.Responses[k].Lang = lang
		}
		log = append(log, s.Responses)
	}
	cal, err := Calibrate(items, sliceSource(log), CalibrationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	judged := 0
	for _, ci := range cal.Items {
		d := ci.Languages
		if ci.N == 0 {
			continue
		}
		if d == nil || len(d.Groups) != 2 || d.Groups[0].Lang != "en" || d.Groups[1].Lang != "fr" {
			t.Fatalf("item %s: no comparison of its two languages: %+v", ci.ID, d)
		}
		if d.Groups[0].N+d.Groups[1].N != ci.N {
			t.Errorf("item %s: %d + %d answers by language, %d in all", ci.ID, d.Groups[0].N, d.Groups[1].N, ci.N)
		}
		flagged := hasFlag(ci.Flags, FlagLanguage)
		if flagged != d.Flagged {
			t.Errorf("item %s: flags %v but comparison %+v", ci.ID, ci.Flags, d)
		}
		if d.Groups[0].N >= MinDIFAnswers && d.Groups[1].N >= MinDIFAnswers {
			judged++
		}
		switch {
		case ci.ID == hard:
			t.Logf("%s: %+v", ci.ID, *d)
			// en is first, fr second: harder in English is a negative log odds.
			if !flagged || d.Harder != "en" || math.Abs(d.LogOdds+ci.A) > 3*d.SE+0.2 {
				t.Errorf("the item harder in English: %+v (a %.2f)", *d, ci.A)
			}
		case flagged:
			t.Errorf("item %s flagged for its language without cause: %+v", ci.ID, *d)
		}
	}
	if judged < 8 {
		t.Errorf("only %d items had %d answers in each language", judged, MinDIFAnswers)
	}
}

// TestCalibrateWithoutLanguages: a log that does not say the language (an
// older one) compares nothing and flags nothing for it.
func TestCalibrateWithoutLanguages(t *testing.T) {
	items := genBank(14, 24)
	e := mustEngine(t, items)
	log := adaptiveLog(t, e, wrongWorld(items, 8), Config{Competences: []string{"1.1"}, MaxQuestions: 7}, 300)
	cal, err := Calibrate(items, sliceSource(log), CalibrationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range cal.Items {
		if ci.Languages != nil || hasFlag(ci.Flags, FlagLanguage) {
			t.Errorf("item %s: %+v %v", ci.ID, ci.Languages, ci.Flags)
		}
	}
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}
