package attest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
)

// testBits: 2048-bit keys are the least RS256 allows and quick to make;
// production keys are KeyBits.
const testBits = 2048

var t0 = time.Date(2026, 12, 7, 15, 30, 0, 0, time.UTC)

// sharedKeys is one key file made once for the package's tests (a key
// costs a second under -race); tests copy it.
var sharedKeys = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "attest-keys")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r, _, err := OpenKeys(filepath.Join(dir, "k.json"), testBits)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(r.Path())
})

func testKeys(t testing.TB) *KeyRing {
	t.Helper()
	raw, err := sharedKeys()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "diagbot-attestation-keys.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	r, created, err := OpenKeys(path, testBits)
	if err != nil || created {
		t.Fatalf("OpenKeys: created=%v err=%v", created, err)
	}
	return r
}

// env is a database, an issuer and its public address on an httptest server.
type env struct {
	db     *storage.DB
	issuer *Issuer
	srv    *httptest.Server
	public *Server
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "diagbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	e := &env{db: db}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.public.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.issuer, err = NewIssuer(Settings{PublicURL: e.srv.URL, IssuerName: "Mission Locale de Lille", IssuerEmail: "contact@ml-lille.example"}, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	e.public = &Server{DB: db, Issuer: e.issuer, Now: func() time.Time { return t0.Add(time.Hour) }}
	return e
}

// view is a finished diagnostic of four competences, one not measured.
func view(name string) dialog.AttestationView {
	return dialog.AttestationView{Name: name, Questions: 18, FinishedAt: t0, Campaign: "QWERTY789",
		Result: engine.Result{Questions: 18, Level: 3, Competences: []engine.CompetenceResult{
			{Competence: "1.1", Level: 3, Questions: 6},
			{Competence: "2.1", Level: 5, Questions: 5},
			{Competence: "4.2", Level: 1, Questions: 7},
			{Competence: "5.2", Level: 0, Questions: 0},
		}}}
}

// issueFor issues and stores an attestation as a turn of the learner does.
func (e *env) issueFor(t testing.TB, learner, name string) (storage.AttestationSlot, Issued) {
	t.Helper()
	slot, err := e.db.ReserveAttestation()
	if err != nil {
		t.Fatal(err)
	}
	subject, ok, err := e.db.AttestationSubject(learner)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		subject = NewSubject()
	}
	is, err := e.issuer.Issue(view(name), slot, subject, t0)
	if err != nil {
		t.Fatal(err)
	}
	l := storage.Learner{ID: learner, Channel: "telegram", Lang: "fr"}
	_, err = e.db.CommitTurn(storage.Turn{Learner: &l, LearnerID: learner, Session: json.RawMessage(`{}`),
		Attestation: &storage.IssuedAttestation{Slot: slot, Subject: subject, JWT: is.JWT, IssuedAt: t0}})
	if err != nil {
		t.Fatal(err)
	}
	return slot, is
}

func (e *env) verifier() Verifier {
	return Verifier{Keys: Web{}, Status: Web{}.StatusList, Trust: e.srv.URL, Now: func() time.Time { return t0.Add(time.Hour) }}
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b = append(b, buf[:n]...)
		if err != nil {
			break
		}
	}
	return resp.StatusCode, string(b)
}

func asError(err error, target **Error) bool { return errors.As(err, target) }
