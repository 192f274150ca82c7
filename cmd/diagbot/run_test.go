package main

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/channels/telegram"
	"github.com/diagbot/diagbot/channels/telegram/telegramtest"
)

// serveWith runs the service against a fake Bot API server on dbPath, with
// limits that never wait unless tweak changes them, until the returned stop
// (also called at cleanup). listen is the webhook's address in webhook mode.
func serveWith(t *testing.T, srv *telegramtest.Server, dbPath string, tweak func(*runConfig)) (listen string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	cfg := runConfig{db: dbPath, token: srv.Token(), apiURL: srv.URL(), adminAddr: "127.0.0.1:0",
		log: zerolog.Nop(), pollTimeout: time.Second, ready: ready,
		limiter: &telegram.Limiter{PerChat: 1000, Burst: 1000, Global: 1000, Now: time.Now, Sleep: func(context.Context, time.Duration) error { return nil }}}
	if tweak != nil {
		tweak(&cfg)
	}
	go func() { done <- serve(ctx, cfg) }()
	select {
	case listen = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve ended with %v", err)
		}
	}
	t.Cleanup(stop)
	return listen, stop
}

// startServe runs the Telegram service on a new file, by long polling or,
// with webhookURL, by webhook.
func startServe(t *testing.T, srv *telegramtest.Server, webhookURL string) (dbPath, listen string) {
	t.Helper()
	dbPath = filepath.Join(t.TempDir(), "tg.db")
	listen, _ = serveWith(t, srv, dbPath, func(cfg *runConfig) {
		if webhookURL != "" {
			cfg.webhookURL, cfg.webhookListen, cfg.webhookSecret = webhookURL, "127.0.0.1:0", "0123456789abcdef-secret"
		}
	})
	return dbPath, listen
}

// last returns the newest message of the chat with a keyboard, after n.
func waitMessage(t *testing.T, srv *telegramtest.Server, chat int64, cond func(m telegramtest.SentMessage) bool) telegramtest.SentMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var found telegramtest.SentMessage
	err := srv.WaitFor(ctx, func([]telegramtest.Call) bool {
		for _, m := range srv.Sent(chat) {
			if cond(m) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		var texts []string
		for _, m := range srv.Sent(chat) {
			texts = append(texts, m.Method+": "+m.Text+m.Caption)
		}
		t.Fatalf("timed out; chat has:\n%s", strings.Join(texts, "\n---\n"))
	}
	return found
}

func buttons(m telegramtest.SentMessage) []models.InlineKeyboardButton {
	var out []models.InlineKeyboardButton
	if m.ReplyMarkup != nil {
		for _, row := range m.ReplyMarkup.InlineKeyboard {
			out = append(out, row...)
		}
	}
	return out
}

// TestTelegramWholeDiagnostic: a learner presses buttons through a whole
// diagnostic — multiple choice and typed answers included — and receives the
// chart as a valid PNG.
func TestTelegramWholeDiagnostic(t *testing.T) {
	srv := telegramtest.NewServer(t)
	startServe(t, srv, "")
	const chat = 5551234
	srv.SendText(chat, "Léa", "/start")
	consent := waitMessage(t, srv, chat, func(m telegramtest.SentMessage) bool {
		return strings.Contains(m.Text, "Avant de commencer") && len(buttons(m)) == 2
	})
	srv.PressButton(chat, int64(consent.MessageID), buttons(consent)[0].CallbackData)

	presses := 1
	answered := map[int]bool{}
	kinds := map[string]int{}
	for q := 1; q <= 32; q++ {
		header := "Question " + itoa(q) + " ·"
		msg := waitMessage(t, srv, chat, func(m telegramtest.SentMessage) bool {
			return strings.Contains(m.Text+m.Caption, header) && m.ReplyMarkup != nil && !answered[m.MessageID]
		})
		answered[msg.MessageID] = true
		bs := buttons(msg)
		switch {
		case strings.Contains(msg.Text+msg.Caption, "Cochez toutes"): // multiple: tick two, validate
			kinds["multiple"]++
			srv.PressButton(chat, int64(msg.MessageID), bs[0].CallbackData)
			srv.PressButton(chat, int64(msg.MessageID), bs[1].CallbackData)
			srv.PressButton(chat, int64(msg.MessageID), bs[len(bs)-2].CallbackData) // Valider
			presses += 3
		case len(bs) == 1: // typed answer: only "Je ne sais pas" on the keyboard
			kinds["text"]++
			srv.SendText(chat, "Léa", "12")
		default:
			kinds["choice"]++
			srv.PressButton(chat, int64(msg.MessageID), bs[q%(len(bs)-1)].CallbackData)
			presses++
		}
	}
	photo := waitMessage(t, srv, chat, func(m telegramtest.SentMessage) bool { return m.Method == "sendPhoto" && len(m.Photo) > 0 })
	img, err := png.Decode(bytes.NewReader(photo.Photo))
	if err != nil || img.Bounds().Dx() < 400 {
		t.Fatalf("results chart is not a valid PNG: %v", err)
	}
	waitMessage(t, srv, chat, func(m telegramtest.SentMessage) bool { return strings.Contains(m.Text, "Votre niveau") })
	if acts := srv.CallsTo("sendChatAction"); len(acts) != 1 || acts[0].Params["action"] != "upload_photo" || acts[0].Status != http.StatusOK {
		t.Errorf("while the chart is drawn the learner should see upload_photo: %+v", acts)
	}
	if kinds["choice"] == 0 {
		t.Errorf("question kinds seen: %v", kinds)
	}
	// Every question message was edited to show the answer, keyboard removed.
	edited := 0
	for _, m := range srv.Sent(chat) {
		if strings.Contains(m.Text+m.Caption, "Réponse :") && m.ReplyMarkup == nil {
			edited++
		}
	}
	if edited < 30 {
		t.Errorf("%d question messages show their answer", edited)
	}
	if srv.Commands("fr") == nil || srv.Commands("en") == nil {
		t.Error("commands not registered in fr and en")
	}
	// Every callback query was answered, so the spinner stopped.
	for _, c := range srv.CallsTo("answerCallbackQuery") {
		if c.Status != http.StatusOK {
			t.Errorf("answerCallbackQuery failed: %+v", c)
		}
	}
	if n := len(srv.CallsTo("answerCallbackQuery")); n != presses {
		t.Errorf("%d callback queries answered for %d presses", n, presses)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestTelegramWebhookSecrets(t *testing.T) {
	srv := telegramtest.NewServer(t)
	dbPath, listen := startServe(t, srv, "http://example.invalid/hook")
	if srv.Webhook().SecretToken != "0123456789abcdef-secret" {
		t.Fatalf("webhook not registered with the secret: %+v", srv.Webhook())
	}
	url := "http://" + listen + "/"
	u := srv.TextUpdate(777, "Sam", "/start")
	for _, tt := range []struct {
		secret string
		want   int
	}{{"", 401}, {"wrong", 401}, {"0123456789abcdef-secret", 200}} {
		resp, err := srv.PostWebhook(url, tt.secret, u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("secret %q: HTTP %d, want %d", tt.secret, resp.StatusCode, tt.want)
		}
	}
	waitMessage(t, srv, 777, func(m telegramtest.SentMessage) bool { return strings.Contains(m.Text, "Avant de commencer") })
	_ = dbPath
}
