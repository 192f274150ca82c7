package dialog

import (
	"slices"
	"strings"
	"testing"
)

// TestPlacesDialog: after the results a button (and /lieux, /places) asks
// the postcode; "passer" skips; a wrong one gets a kind answer and the
// question stays; a right one asks the caller for the places (OutPlaces,
// with the levels measured) and tells the advisor (EvPlaces).
func TestPlacesDialog(t *testing.T) {
	c := finished(t, testLesson, func(i int) bool { return i%2 == 0 })
	var results Output
	for _, o := range c.text("/resultats").Outputs {
		if o.Kind == OutResults {
			results = o
		}
	}
	last := results.Buttons[len(results.Buttons)-1]
	if len(last) != 1 || last[0].Data != "m:places:start" || last[0].Label != T("fr", "btn_places") {
		t.Fatalf("the results' last button is %+v", last)
	}
	steps := []struct {
		name      string
		in        func() Turn
		wantText  string // the first output's text
		wantAsk   bool   // the postcode is still asked after
		wantPlace string // the postcode of an OutPlaces, "" for none
	}{
		{"button", func() Turn { return c.press(last[0].Data) }, T("fr", "places_ask"), true, ""},
		{"a word", func() Turn { return c.text("Angoulême") }, T("fr", "places_bad"), true, ""},
		{"four digits", func() Turn { return c.text("1600") }, T("fr", "places_bad"), true, ""},
		{"a department", func() Turn { return c.text("16") }, T("fr", "places_bad"), true, ""},
		{"skip", func() Turn { return c.text("Passer") }, T("fr", "places_skipped"), false, ""},
		{"text after the skip is not a postcode", func() Turn { return c.text("16000") }, "", false, ""},
		{"command", func() Turn { return c.text("/lieux") }, T("fr", "places_ask"), true, ""},
		{"skip button", func() Turn { return c.menu("places", "skip") }, T("fr", "places_skipped"), false, ""},
		{"stale skip", func() Turn { return c.menu("places", "skip") }, T("fr", "stale_plain"), false, ""},
		{"english command", func() Turn { return c.text("/places") }, T("fr", "places_ask"), true, ""},
		{"another command ends the question", func() Turn { return c.text("/resultats") }, "", false, ""},
		{"again", func() Turn { return c.menu("places", "start") }, T("fr", "places_ask"), true, ""},
		{"a postcode with a space", func() Turn { return c.text(" 16 000 ") }, T("fr", "places_wait", "postcode", "16000"), false, "16000"},
	}
	for _, s := range steps {
		turn := s.in()
		if c.s.PlacesAsk != s.wantAsk {
			t.Errorf("%s: asked %v, want %v", s.name, c.s.PlacesAsk, s.wantAsk)
		}
		if s.wantText != "" && (len(turn.Outputs) == 0 || !strings.HasPrefix(turn.Outputs[0].Text, s.wantText)) {
			t.Errorf("%s: outputs %+v, want %q", s.name, turn.Outputs, s.wantText)
		}
		var got *PlacesView
		for _, o := range turn.Outputs {
			if o.Kind == OutPlaces {
				got = o.Places
			}
		}
		switch {
		case s.wantPlace == "" && got != nil:
			t.Errorf("%s: places asked for %+v", s.name, got)
		case s.wantPlace != "" && (got == nil || got.Postcode != s.wantPlace || len(got.Levels) != 16):
			t.Errorf("%s: places %+v, want %s with 16 levels", s.name, got, s.wantPlace)
		case s.wantPlace != "" && (len(turn.Events) != 1 || turn.Events[0].Kind != EvPlaces):
			t.Errorf("%s: events %+v, want one EvPlaces", s.name, turn.Events)
		}
	}
	if c.s.State != StateResults {
		t.Errorf("state %s, want %s: places leave the conversation where it was", c.s.State, StateResults)
	}
	if !strings.Contains(T("fr", "commands"), "/lieux") || !strings.Contains(T("en", "commands"), "/places") {
		t.Error("the list of commands does not name /lieux and /places")
	}
}

// TestPlacesBeforeTheEnd: before a diagnostic is finished the learner may
// still ask; the caller then gets no levels and chooses for a job search.
func TestPlacesBeforeTheEnd(t *testing.T) {
	c := newConv(t)
	c.text("/start")
	c.text("oui")
	c.text("/lieux")
	if !c.s.PlacesAsk {
		t.Fatal("/lieux does not ask the postcode")
	}
	turn := c.text("75011")
	i := slices.IndexFunc(turn.Outputs, func(o Output) bool { return o.Kind == OutPlaces })
	if i < 0 || turn.Outputs[i].Places.Postcode != "75011" || len(turn.Outputs[i].Places.Levels) != 0 || c.s.State != StateQuestion {
		t.Errorf("outputs %+v, state %s", turn.Outputs, c.s.State)
	}
	// The question is still there: an answer goes on.
	if q := c.question(); q == nil {
		t.Error("no question after the places")
	}
}
