package attest

import (
	"testing"
	"time"

	"github.com/diagbot/diagbot/storage"
)

func BenchmarkIssue(b *testing.B) {
	is, err := NewIssuer(Settings{PublicURL: "https://diagbot.example.fr", IssuerName: "Mission Locale de Lille"}, testKeys(b))
	if err != nil {
		b.Fatal(err)
	}
	v := view("Yanis Benali")
	slot := storage.AttestationSlot{Code: "ABCDEFGHJK", List: 1, Index: 4242}
	page := PageOf(v, slot.Code, VerifyURL(is.Settings.PublicURL, slot.Code), "ML", time.Now())
	b.Run("sign", func(b *testing.B) {
		for b.Loop() {
			c := Build(v, Issue{Code: slot.Code, Subject: "urn:uuid:x", List: 1, Index: 2, IssuedAt: t0, PublicURL: is.Settings.PublicURL, Issuer: is.Profile()})
			if _, err := SignCredential(c, is.Keys.Signing(), is.Settings.PublicURL); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		for b.Loop() {
			if _, err := page.PDF(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("png", func(b *testing.B) {
		for b.Loop() {
			if _, err := page.PNG(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
