package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/bot/attest"
	"github.com/diagbot/diagbot/channels/telegram/telegramtest"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
)

// issueIn issues an attestation with the keys beside dbPath, as a running
// bot at base would, and stores it for learner.
func issueIn(t *testing.T, db *storage.DB, dbPath, base, learner string) (string, string) {
	t.Helper()
	keys, _, err := attest.OpenKeys(attest.KeyPath(dbPath), 2048)
	if err != nil {
		t.Fatal(err)
	}
	is, err := attest.NewIssuer(attest.Settings{PublicURL: base, IssuerName: "Mission Locale de Lille"}, keys)
	if err != nil {
		t.Fatal(err)
	}
	slot, err := db.ReserveAttestation()
	if err != nil {
		t.Fatal(err)
	}
	v := dialog.AttestationView{Name: "Yanis Benali", Questions: 14, FinishedAt: time.Now().Add(-time.Hour),
		Result: engine.Result{Competences: []engine.CompetenceResult{{Competence: "3.1", Level: 6, Questions: 7}}}}
	out, err := is.Issue(v, slot, attest.NewSubject(), time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	l := storage.Learner{ID: learner, Channel: "telegram", Lang: "fr"}
	if _, err := db.CommitTurn(storage.Turn{Learner: &l, Session: json.RawMessage(`{}`),
		Attestation: &storage.IssuedAttestation{Slot: slot, JWT: out.JWT, IssuedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), attest.FileJWT)
	if err := os.WriteFile(file, out.Files[2].Data, 0o600); err != nil {
		t.Fatal(err)
	}
	return slot.Code, file
}

func TestAttestationVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "diagbot.db")
	db, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var public http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { public.ServeHTTP(w, r) }))
	defer srv.Close()
	code, file := issueIn(t, db, dbPath, srv.URL, "telegram:1")
	keys, _, _ := attest.OpenKeys(attest.KeyPath(dbPath), 0)
	is, _ := attest.NewIssuer(attest.Settings{PublicURL: srv.URL, IssuerName: "Mission Locale de Lille"}, keys)
	public = &attest.Server{DB: db, Issuer: is}

	changed := filepath.Join(dir, "changed.jwt")
	tok, _ := os.ReadFile(file)
	parts := strings.Split(string(tok), ".")
	parts[1] = strings.Replace(parts[1], parts[1][40:44], "AAAA", 1)
	os.WriteFile(changed, []byte(strings.Join(parts, ".")), 0o600)

	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"attestation"}, args...), nil, &out, &errb)
		return code, out.String() + errb.String()
	}
	tests := []struct {
		name string
		args []string
		exit int
		want []string
	}{
		{"file offline", []string{"verify", file, "--db", dbPath}, 0, []string{"Attestation valide", "Yanis Benali", "3.1 Développer des documents textuels : 6/8 (avancé)", "non vérifiée hors ligne", "ce n'est pas une certification"}},
		{"file online", []string{"verify", "--url", srv.URL, file}, 0, []string{"Attestation valide", "non révoquée"}},
		{"code online", []string{"verify", strings.ToLower(attest.PrintCode(code)), "--url", srv.URL}, 0, []string{"Attestation valide", "Yanis Benali"}},
		{"changed file", []string{"verify", changed, "--db", dbPath}, 1, []string{"attestation refusée"}},
		{"unknown code", []string{"verify", "ABCDEFGHJK", "--url", srv.URL}, 1, []string{"attestation inconnue"}},
		{"code offline", []string{"verify", "ABCDEFGHJK"}, 1, []string{"--url"}},
		{"no key file", []string{"verify", file, "--db", filepath.Join(dir, "other.db")}, 1, []string{"no key file", "--url"}},
		{"no operand", []string{"verify"}, 2, []string{"one .jwt file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envPublicURL, "")
			exit, out := run(tt.args...)
			if exit != tt.exit {
				t.Errorf("exit %d, want %d:\n%s", exit, tt.exit, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	// After the erasure: the code is revoked, and so is the file online.
	if err := db.Erase("telegram:1"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"verify", code, "--url", srv.URL}, {"verify", file, "--url", srv.URL}} {
		if exit, out := run(args...); exit != 1 || !strings.Contains(out, "révoqu") {
			t.Errorf("%v after the erasure: exit %d\n%s", args, exit, out)
		}
	}
	// A rotation keeps the old file verifiable offline.
	if exit, out := run("rotate-key", "--db", dbPath); exit != 0 || !strings.Contains(out, "1 older ones stay published") {
		t.Fatalf("rotate-key: %d\n%s", exit, out)
	}
	if exit, out := run("verify", file, "--db", dbPath); exit != 0 {
		t.Errorf("after a rotation: %d\n%s", exit, out)
	}
}

func TestBackupSaysWhereTheKeysAre(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "diagbot.db")
	db, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"backup", "--db", dbPath, filepath.Join(t.TempDir(), "b.db")}, nil, &out, &errb); code != 0 {
		t.Fatalf("backup: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), attest.KeyPath(dbPath)) {
		t.Errorf("backup output does not name the key file:\n%s", out.String())
	}
}

// TestRunServesThePublicAddress: with DIAGBOT_PUBLIC_URL, diagbot run makes
// the signing key beside the database (mode 600) and serves the keys.
func TestRunServesThePublicAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := telegramtest.NewServer(t)
	dbPath := filepath.Join(t.TempDir(), "tg.db")
	serveWith(t, srv, dbPath, func(cfg *runConfig) {
		cfg.attest = attest.Settings{PublicURL: "http://" + addr, IssuerName: "Mission Locale de Lille"}
		cfg.publicListen = addr
	})
	fi, err := os.Stat(attest.KeyPath(dbPath))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v", err)
	}
	resp, err := http.Get("http://" + addr + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct{ Keys []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || len(set.Keys) != 1 || set.Keys[0]["n"] == nil {
		t.Errorf("JWKS: %v %+v", err, set)
	}
}
