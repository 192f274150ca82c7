package bot

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/bot/lieux"
	"github.com/diagbot/diagbot/channels/slack"
)

func TestAdvisorAddsAPlace(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	adv := &Advisors{Bot: h.bot}
	if len(adv.PlaceServices()) < 5 {
		t.Fatalf("services %v", adv.PlaceServices())
	}
	ok := slack.PlaceForm{Name: "Atelier numérique du mercredi", Address: "3 place du Minage", Postcode: "16000", Commune: "Angoulême",
		Phone: "05 45 00 00 00", Hours: "We 14:00-17:00", Booking: "https://rdv.example.org/atelier", Services: []string{lieux.ServiceValues[0]}, Free: true, Young: true}
	text, err := adv.AddPlace(context.Background(), "UADV", ok)
	if err != nil || !strings.Contains(text, "Atelier numérique du mercredi") || strings.Contains(text, "⚠️") {
		t.Fatalf("%q %v", text, err)
	}
	_, locals, err := h.db.Places()
	if err != nil || len(locals) != 1 || locals[0].AddedBy != "UADV" {
		t.Fatalf("stored %+v %v", locals, err)
	}
	paid := ok
	paid.Name, paid.Free = "Cours payant", false
	if text, err := adv.AddPlace(context.Background(), "UADV", paid); err != nil || !strings.Contains(text, "pas indiqué gratuit") {
		t.Errorf("a place not free: %q %v", text, err)
	}
	bad := ok
	bad.Name, bad.Hours, bad.Postcode = "Autre", "le mercredi", "1600"
	if _, err := adv.AddPlace(context.Background(), "UADV", bad); err == nil || !strings.HasPrefix(err.Error(), "Ce lieu ne peut pas être ajouté") ||
		!strings.Contains(err.Error(), "code postal") || !strings.Contains(err.Error(), "horaires") {
		t.Errorf("bad hours and postcode: %v", err)
	}
	if frenchPhone("05 45 00 00 00") != "+33545000000" || frenchPhone("+33 5 45 00 00 00") != "+33545000000" {
		t.Error("frenchPhone")
	}
}
