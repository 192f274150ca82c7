package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/bot/attest"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
)

// askAttestation stands in for the dialog's side (not written yet): the
// text "attestation NAME" asks for one, "efface" erases the learner;
// anything else goes to the real dialog.
func askAttestation(s dialog.Session, in dialog.Input, env dialog.Env) (dialog.Turn, error) {
	if name, ok := strings.CutPrefix(in.Text, "attestation "); ok {
		v := &dialog.AttestationView{Name: name, Questions: 12, FinishedAt: env.Now.Add(-time.Hour),
			Result: engine.Result{Competences: []engine.CompetenceResult{{Competence: "1.1", Level: 4, Questions: 6}, {Competence: "4.1", Level: 2, Questions: 6}}}}
		s.Lang, s.State = "fr", "results"
		return dialog.Turn{Session: s, Outputs: []dialog.Output{{Kind: dialog.OutAttestation, Lang: "fr", Text: "Voici votre attestation.", Attestation: v}}}, nil
	}
	if in.Text == "efface" {
		return dialog.Turn{Erase: true, Outputs: []dialog.Output{{Kind: dialog.OutText, Lang: "fr", Text: "Tout est effacé."}}}, nil
	}
	return dialog.Step(s, in, env)
}

// TestAttestationIssuedInTheTurn: the bot issues the attestation the dialog
// asks for in the turn's transaction, sends its three files, and the
// erasure revokes it.
func TestAttestationIssuedInTheTurn(t *testing.T) {
	dir := t.TempDir()
	keys, _, err := attest.OpenKeys(filepath.Join(dir, "keys.json"), 2048)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := attest.NewIssuer(attest.Settings{PublicURL: "https://diagbot.example.fr", IssuerName: "Mission Locale de Lille"}, keys)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(dir, "diagbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := prepare(t, db, func(c *Config) { c.Attest = issuer })
	h.bot.step = askAttestation
	h.run()
	const learner = "test:42"
	h.send(learner, "attestation Yanis Benali")
	eventually(t, 10*time.Second, func() bool { return h.rec.count(learner) == 1 }, func() string { return "no attestation sent" })
	o := h.rec.sent[learner][0]
	if o.Kind != dialog.OutAttestation || len(o.Files) != 3 {
		t.Fatalf("sent %s with %d files", o.Kind, len(o.Files))
	}
	names := []string{o.Files[0].Name, o.Files[1].Name, o.Files[2].Name}
	if strings.Join(names, " ") != "attestation-positionnement.pdf attestation-positionnement.png attestation-positionnement.jwt" {
		t.Errorf("files %v", names)
	}
	v, err := attest.Verifier{Keys: keys}.Verify(context.Background(), string(o.Files[2].Data))
	if err != nil {
		t.Fatalf("the sent credential does not verify: %v", err)
	}
	code := strings.TrimPrefix(v.Credential.ID, "https://diagbot.example.fr/v/")
	a, ok, err := db.Attestation(code)
	if err != nil || !ok || a.JWT != string(o.Files[2].Data) || a.LearnerID != learner {
		t.Fatalf("the attestation on record: %+v ok=%v err=%v", a, ok, err)
	}
	subject, _, _ := db.AttestationSubject(learner)
	if v.Credential.Subject.ID != subject || strings.Contains(subject, learner) {
		t.Errorf("subject %q, stored %q", v.Credential.Subject.ID, subject)
	}
	// A second one names the learner by the same subject, with a new code.
	h.send(learner, "attestation Yanis B.")
	eventually(t, 10*time.Second, func() bool { return h.rec.count(learner) == 2 }, func() string { return "no second attestation" })
	v2, err := attest.Verifier{Keys: keys}.Verify(context.Background(), string(h.rec.sent[learner][1].Files[2].Data))
	if err != nil || v2.Credential.Subject.ID != subject || v2.Credential.ID == v.Credential.ID {
		t.Errorf("second attestation: %v, subject %q, id %q", err, v2.Credential.Subject.ID, v2.Credential.ID)
	}

	// Counted once the turn has committed, which the sender may outrun.
	eventually(t, 10*time.Second, func() bool { return h.bot.Metrics().Attestations.Load() == 2 },
		func() string {
			return fmt.Sprintf("%d attestations counted, want 2", h.bot.Metrics().Attestations.Load())
		})
	h.send(learner, "efface")
	eventually(t, 10*time.Second, func() bool { return h.rec.count(learner) == 3 }, func() string { return "no goodbye" })
	a, _, _ = db.Attestation(code)
	bits, _, _ := db.StatusList(a.List)
	if a.RevokedAt == nil || a.JWT != "" || !attest.Bit(bits, a.Index) {
		t.Errorf("after the erasure: %+v, bit %v", a, attest.Bit(bits, a.Index))
	}
}

func TestAttestationWithoutPublicAddress(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "diagbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := prepare(t, db, nil)
	h.bot.step = askAttestation
	h.run()
	h.send("test:1", "attestation Yanis")
	eventually(t, 10*time.Second, func() bool { return h.rec.count("test:1") == 1 }, func() string { return "nothing sent" })
	if o := h.rec.sent["test:1"][0]; o.Kind != dialog.OutText || !strings.Contains(o.Text, "pas disponible") || len(o.Files) != 0 {
		t.Errorf("sent %+v", o)
	}
}
