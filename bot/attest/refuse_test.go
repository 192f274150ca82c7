package attest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/bot/attest/attesttest"
)

// TestVerifiersRefuse: both the independent verifier and ours refuse a
// credential with a changed byte, signed by a wrong key, whose kid does not
// resolve, or revoked (after the learner's erasure); ours says why in French.
func TestVerifiersRefuse(t *testing.T) {
	e := newEnv(t)
	_, good := e.issueFor(t, "telegram:5551234", "Yanis Benali")
	_, victim := e.issueFor(t, "telegram:7770001", "Chloé Martin")
	if err := e.db.Erase("telegram:7770001"); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good.JWT, ".")
	// A changed byte: the level of 2.1 goes from 5 to 8 in the payload.
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(payload), `"value":"5"`, `"value":"8"`, 1)
	if forged == string(payload) {
		t.Fatal("the test's forgery changed nothing")
	}
	changed := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
	// A wrong key: the same credential signed by another key under the
	// bot's kid.
	other, _, err := OpenKeys(filepath.Join(t.TempDir(), "other.json"), testBits)
	if err != nil {
		t.Fatal(err)
	}
	k := other.Signing()
	k.Thumbprint = e.issuer.Keys.Signing().Thumbprint
	cred, err := credentialOf(good.JWT)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey, err := SignCredential(cred, k, e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// A kid that does not resolve: a key the bot does not have.
	lost, err := SignCredential(cred, other.Signing(), e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// One byte of the signature changed.
	sig := []byte(parts[2])
	sig[10] = 'A'
	if parts[2][10] == 'A' {
		sig[10] = 'B'
	}
	badSig := parts[0] + "." + parts[1] + "." + string(sig)
	tests := []struct {
		name, token, code string
	}{
		{"changed byte in the payload", changed, "signature"},
		{"changed byte in the signature", badSig, "signature"},
		{"wrong key", wrongKey, "signature"},
		{"kid that does not resolve", lost, "key"},
		{"revoked after the erasure", victim.JWT, "revoked"},
		{"not a JWT", "bonjour", "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := attesttest.Verify(e.srv.URL+"/.well-known/jwks.json", tt.token); err == nil {
				t.Error("the independent verifier accepts it")
			}
			_, err := e.verifier().Verify(context.Background(), tt.token)
			var ve *Error
			if err == nil || !asError(err, &ve) || ve.Code != tt.code {
				t.Fatalf("our verifier: %v, want code %s", err, tt.code)
			}
			if !strings.ContainsAny(ve.Msg, "éàè") && !strings.Contains(ve.Msg, "la ") {
				t.Errorf("message %q is not French", ve.Msg)
			}
		})
	}
	// The good one still passes: the erasure revoked only the victim's.
	if _, err := attesttest.Verify(e.srv.URL+"/.well-known/jwks.json", good.JWT); err != nil {
		t.Errorf("the other learner's attestation: %v", err)
	}
	// Offline, against the key file, the revoked one passes the signature
	// (the status needs the network) and a forged one does not.
	off := Verifier{Keys: e.issuer.Keys, Now: e.verifier().Now}
	if v, err := off.Verify(context.Background(), victim.JWT); err != nil || v.StatusChecked {
		t.Errorf("offline: %v, status checked %v", err, v != nil && v.StatusChecked)
	}
	if _, err := off.Verify(context.Background(), changed); err == nil {
		t.Error("offline: a changed byte passes")
	}
	// A verifier that trusts another address refuses.
	if _, err := (Verifier{Keys: Web{}, Trust: "https://diagbot.example.fr"}).Verify(context.Background(), good.JWT); err == nil {
		t.Error("an attestation from another issuer passes a verifier that trusts only one")
	}
	if code, _ := get(t, e.srv.URL+"/keys/nope"); code != http.StatusNotFound {
		t.Errorf("unknown key: %d", code)
	}
}

// TestHeaderIsExactlyAlgKidTyp: any other header member is refused.
func TestHeaderIsExactlyAlgKidTyp(t *testing.T) {
	e := newEnv(t)
	_, is := e.issueFor(t, "telegram:1", "A")
	parts := strings.Split(is.JWT, ".")
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if string(h) != `{"alg":"RS256","kid":"`+e.srv.URL+`/keys/`+e.issuer.Keys.Signing().Thumbprint+`","typ":"JWT"}` {
		t.Errorf("header %s", h)
	}
	for _, header := range []string{
		`{"alg":"RS256","kid":"x","typ":"JWT","cty":"vc"}`,
		`{"alg":"RS256","kid":"x"}`,
		`{"alg":"HS256","kid":"x","typ":"JWT"}`,
		`{"alg":"none","kid":"x","typ":"JWT"}`,
		`{"alg":"RS256","kid":"x","typ":"vc+jwt"}`,
		`[]`,
	} {
		tok := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + parts[1] + "." + parts[2]
		if _, err := e.verifier().Verify(context.Background(), tok); err == nil {
			t.Errorf("header %s accepted", header)
		}
	}
}

// TestIssuerAsAnID: a credential whose issuer is its id alone (VC 2.0
// allows it) is read, and its claims still checked.
func TestIssuerAsAnID(t *testing.T) {
	var c Credential
	if err := json.Unmarshal([]byte(`{"issuer":"https://diagbot.example.fr/issuer"}`), &c); err != nil || c.Issuer.ID != "https://diagbot.example.fr/issuer" {
		t.Errorf("issuer %+v, err %v", c.Issuer, err)
	}
	long := PageOf(view(strings.Repeat("Yanis ", 40)), "ABCDEFGHJK", "https://x/v/ABCDEFGHJK", "ML", t0)
	if n := len([]rune(long.Name)); n != maxPrintedName {
		t.Errorf("a long name prints %d characters", n)
	}
}
