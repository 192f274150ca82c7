package attest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestPublicAddress: the verification page says valide, révoquée or
// inconnue; once revoked nothing of the learner is served.
func TestPublicAddress(t *testing.T) {
	e := newEnv(t)
	slot, _ := e.issueFor(t, "telegram:1", "Yanis Benali")
	gone, goneIs := e.issueFor(t, "telegram:2", "Chloé Martin")
	if err := e.db.Erase("telegram:2"); err != nil {
		t.Fatal(err)
	}
	u := e.srv.URL
	tests := []struct {
		name, path string
		status     int
		want, not  []string
	}{
		{"valid", "/v/" + slot.Code, 200, []string{"Attestation valide", "Yanis Benali", "7 décembre 2026", "2.1 Interagir", "5/8", "avancé", "ce n'est pas une certification", "width=device-width"}, nil},
		{"typed with a dash, lower case", "/v/" + strings.ToLower(PrintCode(slot.Code)), 200, []string{"Attestation valide"}, nil},
		{"revoked", "/v/" + gone.Code, 200, []string{"Attestation révoquée", PrintCode(gone.Code)}, []string{"Chloé", "Martin", "Interagir", "5/8"}},
		{"unknown", "/v/ABCDEFGHJK", 404, []string{"Code inconnu"}, nil},
		{"form", "/", 200, []string{"Code de vérification"}, nil},
		{"credential", "/v/" + slot.Code + ".jwt", 200, []string{"eyJ"}, nil},
		{"credential revoked", "/v/" + gone.Code + ".jwt", 410, nil, []string{goneIs.JWT[:40]}},
		{"issuer", "/issuer", 200, []string{`"Profile"`, "Mission Locale de Lille", u + "/issuer"}, nil},
		{"rubric", "/referentiel", 200, []string{"RubricCriterionLevel", "Niveau 8 (expert)"}, nil},
		{"status list", "/status/1", 200, []string{"eyJ"}, nil},
		{"no such list", "/status/9", 404, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, u+tt.path)
			if code != tt.status {
				t.Errorf("GET %s: %d, want %d", tt.path, code, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s does not say %q", tt.path, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(body, n) {
					t.Errorf("GET %s still says %q", tt.path, n)
				}
			}
		})
	}
	// The form sends a typed code to its page.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u + "/?code=" + strings.ToLower(PrintCode(slot.Code)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/v/"+slot.Code {
		t.Errorf("form redirects to %q", loc)
	}
	// The status list is signed, at least 16 KiB, and says which is revoked.
	_, tok := get(t, u+"/status/1")
	bits, err := VerifyStatusList(t.Context(), Web{}, u+"/status/1", tok)
	if err != nil {
		t.Fatal(err)
	}
	if len(bits) < 16384 || !Bit(bits, gone.Index) || Bit(bits, slot.Index) {
		t.Errorf("status list of %d bytes: revoked bit %v, valid bit %v", len(bits), Bit(bits, gone.Index), Bit(bits, slot.Index))
	}
	// Each key by its kid URL is a bare public JWK.
	_, jwk := get(t, u+"/keys/"+e.issuer.Keys.Signing().Thumbprint)
	var k map[string]any
	if err := json.Unmarshal([]byte(jwk), &k); err != nil || k["kty"] != "RSA" || k["d"] != nil || k["kid"] != u+"/keys/"+e.issuer.Keys.Signing().Thumbprint {
		t.Errorf("kid URL returns %s", jwk)
	}
}

func TestStatusListEncoding(t *testing.T) {
	bits := make([]byte, ListEntries/8)
	for _, i := range []uint32{0, 7, 8, 131071} {
		SetBit(bits, i)
	}
	enc, err := EncodeList(bits)
	if err != nil || enc[0] != 'u' || strings.ContainsAny(enc, "+/=") {
		t.Fatalf("encoded %q… err %v", enc[:min(20, len(enc))], err)
	}
	back, err := DecodeList(enc)
	if err != nil || len(back) != len(bits) {
		t.Fatal(err)
	}
	// Most significant bit first: entry 0 is 0x80 of byte 0, entry 7 its 0x01.
	if back[0] != 0x81 || back[1] != 0x80 || back[16383] != 0x01 || Bit(back, 1) {
		t.Errorf("bits %x %x … %x", back[0], back[1], back[16383])
	}
	if _, err := EncodeList(make([]byte, 100)); err == nil {
		t.Error("a list under 131,072 entries is encoded")
	}
	for _, bad := range []string{"", "z123", "u!!!", "uAAAA"} {
		if _, err := DecodeList(bad); err == nil {
			t.Errorf("DecodeList(%q) accepted", bad)
		}
	}
}
