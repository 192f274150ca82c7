package attest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/bot/attest/attesttest"
)

func TestKeysCreatedOnceWithMode600(t *testing.T) {
	path := KeyPath(filepath.Join(t.TempDir(), "data", "diagbot.db"))
	if filepath.Base(path) != "diagbot-attestation-keys.json" {
		t.Errorf("key path %s", path)
	}
	r, created, err := OpenKeys(path, testBits)
	if err != nil || !created {
		t.Fatalf("first run: created=%v err=%v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v (err %v), want 600", fi.Mode().Perm(), err)
	}
	again, created, err := OpenKeys(path, testBits)
	if err != nil || created || again.Signing().Thumbprint != r.Signing().Thumbprint {
		t.Fatalf("second run: created=%v err=%v, same key %v", created, err, again.Signing().Thumbprint == r.Signing().Thumbprint)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenKeys(path, testBits); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key file: %v, want a refusal saying chmod 600", err)
	}
	for _, bad := range []string{"", "{", `{"keys":[]}`, `{"keys":[{"pkcs8":"!!"}]}`} {
		p := filepath.Join(t.TempDir(), "k.json")
		if err := os.WriteFile(p, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := OpenKeys(p, testBits); err == nil {
			t.Errorf("key file %q accepted", bad)
		}
	}
}

// TestRotationKeepsOldAttestationsVerifiable: after a rotation the new key
// signs, and an attestation signed before still verifies, online (the old
// kid URL still answers, the JWKS has both) and offline.
func TestRotationKeepsOldAttestationsVerifiable(t *testing.T) {
	e := newEnv(t)
	_, before := e.issueFor(t, "telegram:1", "Avant Rotation")
	old := e.issuer.Keys.Signing()
	if _, err := e.issuer.Keys.Rotate(testBits); err != nil {
		t.Fatal(err)
	}
	if e.issuer.Keys.Signing().Thumbprint == old.Thumbprint {
		t.Fatal("the new key does not sign")
	}
	_, after := e.issueFor(t, "telegram:2", "Après Rotation")
	for name, tok := range map[string]string{"before": before.JWT, "after": after.JWT} {
		if _, err := attesttest.Verify(e.srv.URL+"/.well-known/jwks.json", tok); err != nil {
			t.Errorf("%s the rotation: %v", name, err)
		}
		if _, err := (Verifier{Keys: e.issuer.Keys, Now: e.verifier().Now}).Verify(context.Background(), tok); err != nil {
			t.Errorf("%s the rotation, offline: %v", name, err)
		}
	}
	_, body := get(t, e.srv.URL+"/.well-known/jwks.json")
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &set); err != nil || len(set.Keys) != 2 {
		t.Fatalf("JWKS %s", body)
	}
	for _, k := range set.Keys {
		if k["d"] != nil || k["p"] != nil {
			t.Error("the JWKS leaks a private key")
		}
	}
	reopened, _, err := OpenKeys(e.issuer.Keys.Path(), testBits)
	if err != nil || len(reopened.Keys()) != 2 || reopened.Signing().Thumbprint == old.Thumbprint {
		t.Errorf("the rotation is not in the file: %v", err)
	}
}
