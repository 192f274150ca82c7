package bot

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/bot/lieux"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

func TestPlacesStoredAndSuggested(t *testing.T) {
	f, err := os.Open("../../shared/data/lieux/charente-2023-07-11.json")
	if err != nil {
		t.Skipf("the shared data is not beside the repository: %v", err)
	}
	defer f.Close()
	imp, err := lieux.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "diagbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := ImportPlaces(db, "charente", "charente.json", imp); err != nil {
		t.Fatal(err)
	}
	sm, err := PlaceServices()
	if err != nil {
		t.Fatal(err)
	}
	lat, lon := 45.6485, 0.1562 // Angoulême, the town hall
	atelier := lieux.Place{Nom: "Atelier CV de la Mission Locale", Adresse: "15 rue de Paris", Commune: "Angoulême", CodePostal: "16000",
		Latitude: &lat, Longitude: &lon, Services: []string{"Insertion professionnelle via le numérique"}, Frais: []string{"Gratuit"},
		Horaires: "Tu 14:00-16:00", PriseRdv: "https://rdv.example.fr/cv"}
	added, err := AddLocalPlace(db, atelier, "U123")
	if err != nil || added.ID != "local-16000-atelier-cv-de-la-mission-locale" {
		t.Fatalf("%+v %v", added, err)
	}
	// A re-import of the source keeps the advisor's place.
	if n, err := ImportPlaces(db, "charente", "charente.json", imp); err != nil || n != 188 {
		t.Fatalf("re-import replaced %d: %v", n, err)
	}
	var book PlaceBook
	places, err := book.Places(db)
	if err != nil || len(places) != 189 {
		t.Fatalf("%d places: %v", len(places), err)
	}
	s := SuggestPlaces(places, sm, PlacesRequest{Postcode: "16000", Levels: map[string]int{"3.1": 1, "1.1": 4, "4.1": 5}})
	// Only 3.1 is below level 3; the advisor's workshop is the third nearest.
	if len(s.Places) != 3 || s.Places[2].Place.ID != added.ID || strings.Join(s.Focus, ",") != "3.1" {
		t.Fatalf("focus %v, places %+v", s.Focus, s.Places)
	}
	if text := s.Text("fr", time.Date(2026, 12, 8, 15, 0, 0, 0, paris())); !strings.Contains(text, "Atelier CV de la Mission Locale — ") ||
		!strings.Contains(text, "Rendez-vous : https://rdv.example.fr/cv") || !strings.Contains(text, "Ouvert maintenant, jusqu'à 16h") {
		t.Errorf("text:\n%s", text)
	}

	for _, bad := range []struct {
		change func(*lieux.Place)
		want   string
	}{
		{func(p *lieux.Place) { p.Nom = "" }, "nom is required"},
		{func(p *lieux.Place) { p.CodePostal = "16" }, `code_postal "16"`},
		{func(p *lieux.Place) { p.Telephone = "0545" }, `telephone "0545"`},
		{func(p *lieux.Place) { p.Horaires = "mardi" }, `horaires "mardi"`},
		{func(p *lieux.Place) { p.PriseRdv = "rdv.fr" }, `prise_rdv "rdv.fr"`},
	} {
		p := atelier
		bad.change(&p)
		if _, err := AddLocalPlace(db, p, "U123"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v, want %q", err, bad.want)
		}
	}
}

// BenchmarkSuggestPlacesNational suggests from a file holding about 15,000
// places (the Charente's 188 imported as 80 sources): what a turn that fills
// the suggestion costs, the places decoded once (PlaceBook).
func BenchmarkSuggestPlacesNational(b *testing.B) {
	f, err := os.Open("../../shared/data/lieux/charente-2023-07-11.json")
	if err != nil {
		b.Skipf("the shared data is not beside the repository: %v", err)
	}
	imp, err := lieux.Read(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(b.TempDir(), "diagbot.db"), storage.WithNoSync(true))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := range 80 {
		if _, err := ImportPlaces(db, fmt.Sprintf("charente-%d", i), "charente.json", imp); err != nil {
			b.Fatal(err)
		}
	}
	sm, err := PlaceServices()
	if err != nil {
		b.Fatal(err)
	}
	var book PlaceBook
	for b.Loop() {
		places, err := book.Places(db)
		if err != nil {
			b.Fatal(err)
		}
		if s := SuggestPlaces(places, sm, PlacesRequest{Postcode: "16000", Levels: map[string]int{"3.1": 1}}); len(s.Places) != 3 {
			b.Fatal(len(s.Places))
		}
	}
}

// TestPlacesInTheTurn: a learner types /lieux then a postcode; the bot
// fills the places from the file in the turn (a text every channel shows),
// the question comes back, and the advisor's channel gets one line.
func TestPlacesInTheTurn(t *testing.T) {
	f, err := os.Open("../../shared/data/lieux/charente-2023-07-11.json")
	if err != nil {
		t.Skipf("the shared data is not beside the repository: %v", err)
	}
	imp, err := lieux.Read(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "diagbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ImportPlaces(db, "charente", "charente.json", imp); err != nil {
		t.Fatal(err)
	}
	notes := &noteSender{}
	h := prepare(t, db, func(c *Config) { c.Senders[NotifyChannel] = notes })
	h.run()
	const learner = "test:16"
	for _, text := range []string{"/start", "oui", "/lieux", "16000"} {
		h.send(learner, text)
	}
	var placesText string
	eventually(t, 10*time.Second, func() bool {
		h.rec.mu.Lock()
		defer h.rec.mu.Unlock()
		for _, o := range h.rec.sent[learner] {
			if o.Kind == dialog.OutText && strings.Contains(o.Text, "près de 16000") {
				placesText = o.Text
			}
		}
		sent := h.rec.sent[learner]
		return placesText != "" && len(sent) > 0 && sent[len(sent)-1].Kind == dialog.OutQuestion
	}, func() string { return fmt.Sprintf("sent %+v", h.rec.sent[learner]) })
	if !strings.Contains(placesText, "3 lieux gratuits près de 16000") || !strings.Contains(placesText, "1. ") {
		t.Errorf("places:\n%s", placesText)
	}
	eventually(t, 10*time.Second, func() bool {
		notes.mu.Lock()
		defer notes.mu.Unlock()
		for _, m := range notes.notes {
			if m.Kind == "notify_places" {
				var n dialog.Notification
				return json.Unmarshal(m.Payload, &n) == nil && strings.HasPrefix(n.Event.Text, "Lieux proposés près de 16000 pour 1.1, 2.1, 2.4 : ")
			}
		}
		return false
	}, func() string { return fmt.Sprintf("notes %v", notes.kinds()) })
}
