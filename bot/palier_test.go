package bot

import (
	"strings"
	"testing"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
)

func TestPalierOf(t *testing.T) {
	def := storage.Campaign{}
	own := storage.Campaign{Paliers: []storage.Palier{{MinLevel: 0, Title: "A"}, {MinLevel: 3, Title: "B"}, {MinLevel: 5, Title: "C"}}}
	for _, tt := range []struct {
		c     storage.Campaign
		level int
		want  string
		index int
	}{
		{def, 0, "Premiers pas", 0}, {def, 1, "Premiers pas", 0}, {def, 2, "Bases en place", 1}, {def, 4, "Autonome pour ses démarches", 2},
		{def, 8, "À l'aise avec le numérique", 3}, {own, 2, "A", 0}, {own, 3, "B", 1}, {own, 8, "C", 2},
	} {
		i, p := PalierOf(tt.c, engine.Result{Level: tt.level})
		if p.Title != tt.want || i != tt.index {
			t.Errorf("level %d: palier %d %q, want %d %q", tt.level, i, p.Title, tt.index, tt.want)
		}
	}
	if err := CheckPaliers(DefaultPaliers); err != nil {
		t.Errorf("the default paliers are refused: %v", err)
	}
	for _, p := range DefaultPaliers {
		if strings.Contains(strings.ToLower(p.Message), "échec") || p.Message == "" || p.Advice == "" {
			t.Errorf("default palier %q: a message for the learner and advice for the advisor, never a failure", p.Title)
		}
	}
}

func TestParsePaliers(t *testing.T) {
	ps, err := ParsePaliers("0 ; Découverte ; atelier numérique ; Bravo pour ce premier pas\nniveau 3 ; Autonome ; atelier CV\n\n6 ; Expert")
	if err != nil || len(ps) != 3 || ps[1].MinLevel != 3 || ps[1].Advice != "atelier CV" || ps[0].Message != "Bravo pour ce premier pas" || ps[2].Title != "Expert" {
		t.Fatalf("%+v %v", ps, err)
	}
	for _, tt := range []struct{ text, advice string }{
		{"0 ; A\n3 ; B", "de 3 à 5 paliers"},
		{"1 ; A\n3 ; B\n5 ; C", "commence au niveau 0"},
		{"0 ; A\n3 ; B\n3 ; C", "doivent monter"},
		{"0 ; A\n3 ; B\n9 ; C", "de 0 à 8"},
		{"0 ; A\ntrois ; B\n5 ; C", "Ligne 2"},
		{"0 ; A\n3 ;  \n5 ; C", "titre"},
		{"0;A\n1;B\n2;C\n3;D\n4;E\n5;F", "de 3 à 5 paliers"},
	} {
		if _, err := ParsePaliers(tt.text); err == nil || !strings.Contains(AdviceOf(err), tt.advice) {
			t.Errorf("%q: %v (advice %q)", tt.text, err, AdviceOf(err))
		}
	}
}

func TestCheckCallToAction(t *testing.T) {
	ok := &storage.Link{Label: "Prendre rendez-vous", URL: "https://www.mission-locale.fr/rdv"}
	for _, tt := range []struct {
		text string
		link *storage.Link
		ok   bool
	}{
		{"", nil, true}, {"Venez nous voir", ok, true},
		{strings.Repeat("a", 301), nil, false},
		{"", &storage.Link{Label: "RDV", URL: "http://x.fr"}, false},
		{"", &storage.Link{Label: "RDV", URL: "https://"}, false},
		{"", &storage.Link{Label: "", URL: "https://x.fr"}, false},
		{"", &storage.Link{Label: strings.Repeat("b", 31), URL: "https://x.fr"}, false},
	} {
		if err := CheckCallToAction(tt.text, tt.link); (err == nil) != tt.ok {
			t.Errorf("%q %+v: %v", tt.text, tt.link, err)
		}
	}
}

// Stats and the CSV export name the palier of each finished learner.
func TestPaliersInStatsAndCSV(t *testing.T) {
	f := newCampaignFixture(t)
	st, err := Stats(f.db, f.eng, "QWERTY789", reportNow)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range st.Paliers {
		total += p.N
	}
	if len(st.Paliers) != len(DefaultPaliers) || total != st.Finished-st.Unreadable {
		t.Errorf("paliers %+v for %d finished", st.Paliers, st.Finished)
	}
	if !strings.Contains(st.Text(), "Paliers : Premiers pas") {
		t.Errorf("stats text lacks the paliers:\n%s", st.Text())
	}
}
