package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"

	"github.com/diagbot/diagbot/bot/attest"
	"github.com/diagbot/diagbot/bot/attest/attesttest"
	"github.com/diagbot/diagbot/channels/telegram"
	"github.com/diagbot/diagbot/channels/telegram/telegramtest"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// tgSender sends the outbox to the fake Bot API as diagbot run does.
type tgSender struct{ s *telegram.Sender }

func (t tgSender) Send(ctx context.Context, m storage.Message) (string, error) {
	chat, _ := telegram.ChatID(m.To)
	var o dialog.Output
	if err := json.Unmarshal(m.Payload, &o); err != nil {
		return "", err
	}
	if o.Kind == dialog.OutAttestation {
		return t.s.SendFiles(ctx, chat, fmt.Sprint(m.ID), o)
	}
	return t.s.Send(ctx, chat, o)
}

// TestAttestationThroughTelegram: a learner in Telegram (the fake Bot API)
// receives the PDF, the PNG and the credential; an independent verifier
// accepts the credential against the JWKS the bot serves, and refuses it
// once the learner erased their data.
func TestAttestationThroughTelegram(t *testing.T) {
	_, web, srv, h := attestBot(t)
	h.bot.step = askAttestation
	h.run()
	const chat = 98765432
	learner := telegram.LearnerID(chat)
	say := func(key, text string) {
		p, _ := json.Marshal(dialog.ParseText(text))
		if err := h.bot.Receive(storage.Update{Key: key, Channel: telegram.Name, LearnerID: learner, Payload: p}); err != nil {
			t.Fatal(err)
		}
	}
	documents := func() []telegramtest.SentMessage {
		var out []telegramtest.SentMessage
		for _, m := range srv.Sent(chat) {
			if m.Method == "sendDocument" {
				out = append(out, m)
			}
		}
		return out
	}
	say("telegram:1", "attestation Yanis Benali")
	eventually(t, 90*time.Second, func() bool { return len(documents()) == 3 }, func() string { return fmt.Sprintf("%d documents sent", len(documents())) })
	docs := documents()
	if docs[0].FileName != attest.FilePDF || docs[1].FileName != attest.FilePNG || docs[2].FileName != attest.FileJWT || docs[0].PlainText != "Voici votre attestation." {
		t.Errorf("documents %s %s %s, caption %q", docs[0].FileName, docs[1].FileName, docs[2].FileName, docs[0].PlainText)
	}
	token := string(docs[2].Document)
	jwks := web.URL + "/.well-known/jwks.json"
	c, err := attesttest.Verify(jwks, token)
	if err != nil {
		t.Fatalf("the independent verifier refuses the credential sent: %v", err)
	}
	if subj, _ := c["credentialSubject"].(map[string]any); strings.Contains(fmt.Sprint(subj["id"]), "98765432") {
		t.Errorf("the subject names the chat: %v", subj["id"])
	}

	say("telegram:2", "efface")
	eventually(t, 60*time.Second, func() bool {
		sent := srv.Sent(chat)
		return len(sent) == 4 && sent[3].PlainText == "Tout est effacé."
	}, func() string { return "no goodbye" })
	if _, err := attesttest.Verify(jwks, token); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("after /supprimer the independent verifier says %v, want revoked", err)
	}
	id, _ := c["id"].(string)
	resp, err := http.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(page), "révoquée") || strings.Contains(string(page), "Yanis") {
		t.Errorf("the verification page after /supprimer:\n%s", page)
	}
}

// TestAttestationThroughTheDialog: the whole learner's way, with the real
// conversation: a campaign's diagnostic to the end, /attestation, the name,
// the yes; the three documents arrive in Telegram; an independent verifier
// accepts the credential against the bot's JWKS; after /supprimer and its
// yes, it says revoked.
func TestAttestationThroughTheDialog(t *testing.T) {
	db, web, srv, h := attestBot(t)
	h.run()
	camp, err := CreateCampaign(db, storage.Campaign{Name: "Atelier", Competences: []string{"4.1"}, MaxQuestions: 3}, testRand(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const chat = 55501234
	learner := telegram.LearnerID(chat)
	n := 0
	send := func(in dialog.Input) {
		t.Helper()
		n++
		p, _ := json.Marshal(in)
		if err := h.bot.Receive(storage.Update{Key: fmt.Sprintf("telegram:%d", n), Channel: telegram.Name, LearnerID: learner, Payload: p}); err != nil {
			t.Fatal(err)
		}
		h.waitIdle()
	}
	say := func(text string) { t.Helper(); send(dialog.ParseText(text)) }
	press := func(menu, value string) {
		t.Helper()
		send(dialog.Input{Kind: dialog.InButton, Data: dialog.Button{Menu: menu, Value: value}.Encode()})
	}
	sent := func(s string) bool {
		for _, m := range srv.Sent(chat) {
			if strings.Contains(m.PlainText+m.Caption, s) {
				return true
			}
		}
		return false
	}
	say("/start " + camp.Code)
	say("oui")
	for i := 0; i < 3; i++ {
		say("je ne sais pas")
	}
	eventually(t, 30*time.Second, func() bool { return sent("c'est terminé") }, func() string { return "the diagnostic did not end" })
	say("/attestation")
	say("Yanis Benali")
	press("attest", "yes")
	var docs []telegramtest.SentMessage
	eventually(t, 90*time.Second, func() bool {
		docs = docs[:0]
		for _, m := range srv.Sent(chat) {
			if m.Method == "sendDocument" {
				docs = append(docs, m)
			}
		}
		return len(docs) == 3
	}, func() string { return fmt.Sprintf("%d documents sent", len(docs)) })
	if docs[0].FileName != attest.FilePDF || docs[1].FileName != attest.FilePNG || docs[2].FileName != attest.FileJWT {
		t.Errorf("documents %s %s %s", docs[0].FileName, docs[1].FileName, docs[2].FileName)
	}
	token := string(docs[2].Document)
	jwks := web.URL + "/.well-known/jwks.json"
	c, err := attesttest.Verify(jwks, token)
	if err != nil {
		t.Fatalf("the independent verifier refuses the credential: %v", err)
	}
	if subj, _ := c["credentialSubject"].(map[string]any); !strings.Contains(fmt.Sprint(subj), "Yanis Benali") {
		t.Errorf("the name asked is not in the credential: %v", subj)
	}
	say("/supprimer")
	press("erase", "yes")
	eventually(t, 30*time.Second, func() bool {
		_, err := attesttest.Verify(jwks, token)
		return err != nil && strings.Contains(err.Error(), "revoked")
	}, func() string {
		_, err := attesttest.Verify(jwks, token)
		return fmt.Sprintf("after /supprimer the verifier says %v, want revoked", err)
	})
}

// attestBot is a bot that issues attestations (its public address served by
// web) and speaks to a fake Telegram (srv); not running yet.
func attestBot(t *testing.T) (*storage.DB, *httptest.Server, *telegramtest.Server, *harness) {
	t.Helper()
	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "diagbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	var public http.Handler
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { public.ServeHTTP(w, r) }))
	t.Cleanup(web.Close)
	keys, _, err := attest.OpenKeys(attest.KeyPath(db.Path()), 2048)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := attest.NewIssuer(attest.Settings{PublicURL: web.URL, IssuerName: "Mission Locale de Lille"}, keys)
	if err != nil {
		t.Fatal(err)
	}
	public = &attest.Server{DB: db, Issuer: issuer}
	srv := telegramtest.NewServer(t)
	api, err := tg.New(srv.Token(), tg.WithServerURL(srv.URL()), tg.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	limiter := &telegram.Limiter{PerChat: 1000, Burst: 1000, Global: 1000, Now: time.Now, Sleep: func(context.Context, time.Duration) error { return nil }}
	h := prepare(t, db, func(c *Config) {
		c.Attest = issuer
		c.Senders = map[string]Sender{telegram.Name: tgSender{telegram.NewSender(api, limiter, nil, db)}}
	})
	return db, web, srv, h
}
