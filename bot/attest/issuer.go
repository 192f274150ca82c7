package attest

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// Settings say who issues and where the public address is.
type Settings struct {
	// PublicURL is the bot's public address (HTTPS in production), without
	// a trailing slash: the issuer profile, the keys, the status lists and
	// the verification pages are under it. It must not change once
	// attestations are out: their links and key ids point there.
	PublicURL   string
	IssuerName  string // "Mission Locale de Lille"
	IssuerURL   string // the issuer's own web site; default PublicURL
	IssuerEmail string
}

// Check validates the settings and fills the defaults.
func (s Settings) Check() (Settings, error) {
	s.PublicURL = strings.TrimRight(strings.TrimSpace(s.PublicURL), "/")
	u, err := url.Parse(s.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return s, fmt.Errorf("the public address %q is not a web address such as https://diagbot.example.fr", s.PublicURL)
	}
	if strings.TrimSpace(s.IssuerName) == "" {
		return s, fmt.Errorf("the issuer has no name: set the name of the organisation that issues the attestations")
	}
	if s.IssuerURL == "" {
		s.IssuerURL = s.PublicURL
	}
	return s, nil
}

// Issuer issues attestations: it builds, signs and renders them.
type Issuer struct {
	Settings Settings
	Keys     *KeyRing
}

// NewIssuer checks the settings.
func NewIssuer(s Settings, keys *KeyRing) (*Issuer, error) {
	s, err := s.Check()
	if err != nil {
		return nil, err
	}
	if keys == nil {
		return nil, fmt.Errorf("attestation: no signing keys")
	}
	return &Issuer{Settings: s, Keys: keys}, nil
}

// Profile is the issuer as credentials name it and /issuer serves it.
func (is *Issuer) Profile() Profile {
	return Profile{ID: IssuerURL(is.Settings.PublicURL), Type: []string{"Profile"}, Name: is.Settings.IssuerName,
		URL: is.Settings.IssuerURL, Email: is.Settings.IssuerEmail}
}

// File names and types of what the learner receives.
const (
	FilePDF = "attestation-positionnement.pdf"
	FilePNG = "attestation-positionnement.png"
	FileJWT = "attestation-positionnement.jwt"
	MIMEJWT = "application/jwt"
)

// Issued is an attestation ready to store and to send.
type Issued struct {
	JWT   string
	Files []dialog.OutFile
}

// Issue builds the credential of v in slot, signs it with the newest key
// and renders the PDF and the PNG.
func (is *Issuer) Issue(v dialog.AttestationView, slot storage.AttestationSlot, subject string, at time.Time) (Issued, error) {
	if err := is.Keys.Ready(); err != nil {
		return Issued{}, err
	}
	base := is.Settings.PublicURL
	c := Build(v, Issue{Code: slot.Code, Subject: subject, List: slot.List, Index: slot.Index, IssuedAt: at,
		PublicURL: base, Issuer: is.Profile()})
	jwt, err := SignCredential(c, is.Keys.Signing(), base)
	if err != nil {
		return Issued{}, err
	}
	page := PageOf(v, slot.Code, VerifyURL(base, slot.Code), is.Settings.IssuerName, at)
	pdf, err := page.PDF()
	if err != nil {
		return Issued{}, err
	}
	png, err := page.PNG()
	if err != nil {
		return Issued{}, err
	}
	return Issued{JWT: jwt, Files: []dialog.OutFile{
		{Name: FilePDF, MIME: "application/pdf", Data: pdf},
		{Name: FilePNG, MIME: "image/png", Data: png},
		{Name: FileJWT, MIME: MIMEJWT, Data: []byte(jwt)},
	}}, nil
}

// NewSubject is a random urn:uuid (version 4) naming a learner in their
// credentials: nothing of their name, phone or chat.
func NewSubject() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
