package chart

import (
	"os"
	"path/filepath"
	"testing"
)

// crcn holds the 16 CRCN competences with the short labels diagbot uses.
var crcn = []Axis{
	{Label: "1.1 Recherche et veille", Value: 3.4, Low: 2.8, High: 4.0},
	{Label: "1.2 Gérer des données", Value: 2.1, Low: 1.5, High: 2.9},
	{Label: "1.3 Traiter des données", Value: 1.2, Low: 0.6, High: 2.0},
	{Label: "2.1 Interagir", Value: 5.1, Low: 4.4, High: 5.6},
	{Label: "2.2 Partager et publier", Value: 4.0, Low: 3.2, High: 4.7},
	{Label: "2.3 Collaborer", Value: 3.3, Low: 2.5, High: 4.1},
	{Label: "2.4 S'insérer dans le monde numérique", Value: 2.6, Low: 1.8, High: 3.5},
	{Label: "3.1 Documents textuels", Value: 3.0, Low: 2.4, High: 3.7},
	{Label: "3.2 Multimédia", Value: 4.6, Low: 3.9, High: 5.3},
	{Label: "3.3 Adapter les documents", Value: 1.8, Low: 1.0, High: 2.6},
	{Label: "3.4 Programmer", Value: 0.7, Low: 0, High: 1.6},
	{Label: "4.1 Sécuriser l'environnement", Value: 2.4, Low: 1.7, High: 3.2},
	{Label: "4.2 Données personnelles", Value: 3.1, Low: 2.3, High: 3.8},
	{Label: "4.3 Santé et environnement", Value: 4.2, Low: 3.5, High: 5.0},
	{Label: "5.1 Problèmes techniques", Value: 2.9, Low: 2.1, High: 3.6},
	{Label: "5.2 Environnement numérique", Value: 3.6, Low: 2.9, High: 4.4},
}

// TestSamples writes the pictures to look at into $CHART_SAMPLES, e.g.
//
//	CHART_SAMPLES=/tmp go test -run Samples ./channels/chart
//
// A chart is only right when a person has looked at it.
func TestSamples(t *testing.T) {
	dir := os.Getenv("CHART_SAMPLES")
	if dir == "" {
		t.Skip("set CHART_SAMPLES to a directory to write sample pictures")
	}
	noBand := make([]Axis, len(crcn))
	for i, a := range crcn {
		noBand[i] = Axis{Label: a.Label, Value: a.Value}
	}
	long := []Axis{
		{Label: "1.1 Mener une recherche et une veille d'information", Value: 3},
		{Label: "1.2 Gérer des données", Value: 2},
		{Label: "4.2 Protéger les données personnelles et la vie privée", Value: 5},
		{Label: "4.3 Protéger la santé, le bien-être et l'environnement", Value: 6.5},
		{Label: "Anticonstitutionnellementàrallongeincroyable", Value: 8},
	}
	samples := []struct {
		name string
		draw func() ([]byte, error)
	}{
		{"radar-16", func() ([]byte, error) { return Radar(crcn, Options{Title: "Tes niveaux en numérique"}) }},
		{"radar-16-noband", func() ([]byte, error) { return Radar(noBand, Options{}) }},
		{"radar-16-400", func() ([]byte, error) { return Radar(crcn, Options{Title: "Tes niveaux", Size: 400}) }},
		{"radar-3", func() ([]byte, error) { return Radar(crcn[3:6], Options{Title: "Communication"}) }},
		{"radar-5-long", func() ([]byte, error) {
			return Radar(long, Options{Title: "Un titre très long qui doit passer sur deux lignes sans déborder du cadre"})
		}},
		{"radar-2", func() ([]byte, error) { return Radar(crcn[:2], Options{Title: "Information"}) }},
		{"bars-16", func() ([]byte, error) { return Bars(crcn, Options{Title: "Campagne ML75 : niveau moyen (24 jeunes)"}) }},
		{"bars-16-noband", func() ([]byte, error) { return Bars(noBand, Options{}) }},
		{"bars-1", func() ([]byte, error) { return Bars(crcn[:1], Options{Title: "Une seule"}) }},
		{"qr", func() ([]byte, error) {
			return QR("https://t.me/diagbot_bot?start=ML75-PARIS-12", 800, "ML75-PARIS-12")
		}},
		{"qr-nocaption", func() ([]byte, error) { return QR("https://t.me/diagbot_bot?start=ML75", 400, "") }},
	}
	for _, s := range samples {
		b, err := s.draw()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "chart-"+s.name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
