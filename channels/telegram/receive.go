package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"
)

// Handle stores translated updates durably; it returns only once they are
// committed, and only then is Telegram told they were received.
type Handle func(ctx context.Context, in []Incoming) error

// Receiver gets updates from Telegram by long polling or webhook.
type Receiver struct {
	APIURL  string // e.g. https://api.telegram.org
	Token   string
	API     *tg.Bot // for answerCallbackQuery and group replies
	Client  *http.Client
	Log     zerolog.Logger
	Timeout time.Duration // long-poll timeout (default 50 s)
	Sleep   func(ctx context.Context, d time.Duration) error
	Now     func() time.Time // default time.Now: the refusal warnings' pace

	refused  atomic.Int64 // webhook calls refused (wrong or missing secret)
	warnedAt atomic.Int64 // unix ns of the last refusal warning
	unwarned atomic.Int64 // refusals since it
}

// RefusalWarnEvery bounds the warnings about refused webhook calls: one at
// most per period, counting the refusals since the last (a flood of 5,000
// bad calls a second would otherwise fill the disk with log lines).
const RefusalWarnEvery = 10 * time.Second

// Refused counts the webhook calls refused for a missing or wrong secret.
func (r *Receiver) Refused() int64 { return r.refused.Load() }

func (r *Receiver) refuse(remote string) {
	r.refused.Add(1)
	n := r.unwarned.Add(1)
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	t := now().UnixNano()
	last := r.warnedAt.Load()
	if last != 0 && t-last < int64(RefusalWarnEvery) || !r.warnedAt.CompareAndSwap(last, t) {
		return
	}
	r.unwarned.Add(-n)
	r.Log.Warn().Str("remote", remote).Int64("refused", n).
		Msg("webhook calls with a missing or wrong secret refused (count since the last warning; one warning per 10 s at most)")
}

type apiReply struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// ErrBadToken means Telegram refused the token: nothing will work until the
// setting is fixed.
var ErrBadToken = errors.New("Telegram refused the bot token: check DIAGBOT_TELEGRAM_TOKEN (from @BotFather)")

func (r *Receiver) call(ctx context.Context, method string, params any, out any) (retryAfter time.Duration, err error) {
	body, _ := json.Marshal(params)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(r.APIURL, "/")+"/bot"+r.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", method, redact(err, r.Token))
	}
	defer resp.Body.Close()
	var rep apiReply
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&rep); err != nil {
		return 0, fmt.Errorf("%s: unreadable answer (HTTP %d): %w", method, resp.StatusCode, err)
	}
	switch {
	case rep.OK:
		if out != nil {
			return 0, json.Unmarshal(rep.Result, out)
		}
		return 0, nil
	case rep.ErrorCode == http.StatusUnauthorized || rep.ErrorCode == http.StatusNotFound:
		return 0, ErrBadToken
	case rep.ErrorCode == http.StatusTooManyRequests:
		return time.Duration(max(1, rep.Parameters.RetryAfter)) * time.Second, fmt.Errorf("%s: %s", method, rep.Description)
	}
	return 0, fmt.Errorf("%s: %d %s", method, rep.ErrorCode, rep.Description)
}

// redact keeps the token out of error messages and logs.
func redact(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "***"))
}

// Poll long-polls getUpdates until ctx ends. The offset moves past a batch
// only after handle has stored it, so a crash never loses an update; a
// replay after a crash is deduplicated by the inbox.
func (r *Receiver) Poll(ctx context.Context, handle Handle) error {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 50 * time.Second
	}
	sleep := r.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	var offset int64
	backoff := time.Second
	for ctx.Err() == nil {
		var updates []models.Update
		wait, err := r.call(ctx, "getUpdates", map[string]any{
			"offset": offset, "timeout": int(timeout.Seconds()), "allowed_updates": []string{"message", "callback_query"},
		}, &updates)
		if errors.Is(err, ErrBadToken) {
			return err
		}
		if err == nil {
			err = r.deliver(ctx, updates, handle)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if wait == 0 {
				wait = backoff
				backoff = min(2*backoff, time.Minute)
			}
			r.Log.Warn().Err(err).Dur("retry_in", wait).Msg("telegram polling failed, will retry")
			if sleep(ctx, wait) != nil {
				return nil
			}
			continue
		}
		backoff = time.Second
		for _, u := range updates {
			offset = max(offset, u.ID+1)
		}
	}
	return nil
}

// deliver translates, stores, then acknowledges button presses and answers
// group messages.
func (r *Receiver) deliver(ctx context.Context, updates []models.Update, handle Handle) error {
	var batch []Incoming
	var callbacks []string
	groups := map[int64]bool{}
	for _, u := range updates {
		in, ok, group := Translate(u)
		if group != 0 && u.Message != nil && strings.HasPrefix(u.Message.Text, "/") {
			groups[group] = true
		}
		if !ok {
			continue
		}
		batch = append(batch, in)
		if u.CallbackQuery != nil {
			callbacks = append(callbacks, u.CallbackQuery.ID)
		}
	}
	if len(batch) > 0 {
		if err := handle(ctx, batch); err != nil {
			return err
		}
	}
	r.afterCommit(ctx, callbacks, groups)
	return nil
}

// afterCommit stops the phone's spinner on every pressed button and points
// group chats to the private chat. Failures here lose nothing.
func (r *Receiver) afterCommit(ctx context.Context, callbacks []string, groups map[int64]bool) {
	if r.API == nil {
		return
	}
	for _, id := range callbacks {
		if _, err := r.API.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id}); err != nil {
			r.Log.Debug().Err(err).Msg("answerCallbackQuery failed")
		}
	}
	for chat := range groups {
		r.API.SendMessage(ctx, &tg.SendMessageParams{ChatID: chat,
			Text: "Je fonctionne en conversation privée : écrivez-moi directement. 🙂\nI only work in a private chat: message me directly."})
	}
}

// SecretHeader carries the webhook secret Telegram sends back.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Webhook returns the handler for Telegram's webhook: 401 for a missing or
// wrong secret, 200 only after the update is stored, 500 when storing failed
// (Telegram then retries). Handling happens later, never in the request.
func (r *Receiver) Webhook(secret string, handle Handle) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		got := req.Header.Get(SecretHeader)
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			r.refuse(req.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u models.Update
		if err := json.NewDecoder(io.LimitReader(req.Body, 1<<20)).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		if err := r.deliver(req.Context(), []models.Update{u}, handle); err != nil {
			r.Log.Error().Err(err).Msg("webhook update not stored; Telegram will retry")
			http.Error(w, "not stored", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// BotCommands is the menu Telegram shows, per language: what a learner needs
// (every name is a dialog command).
var BotCommands = map[string][]models.BotCommand{
	"fr": {{Command: "start", Description: "Commencer le diagnostic"}, {Command: "aide", Description: "Demander de l'aide"},
		{Command: "pause", Description: "Faire une pause"}, {Command: "reprendre", Description: "Continuer"},
		{Command: "resultats", Description: "Mes résultats"}, {Command: "attestation", Description: "Mon attestation"},
		{Command: "lieux", Description: "Des lieux près de chez moi"},
		{Command: "langue", Description: "Changer de langue"},
		{Command: "parcours", Description: "Mon parcours de leçons"}, {Command: "progres", Description: "Mes progrès"},
		{Command: "stop", Description: "Arrêter les leçons"},
		{Command: "mesdonnees", Description: "Mes données"}, {Command: "supprimer", Description: "Tout effacer"}},
	"en": {{Command: "start", Description: "Start the diagnostic"}, {Command: "aide", Description: "Ask for help"},
		{Command: "pause", Description: "Take a break"}, {Command: "reprendre", Description: "Continue"},
		{Command: "resultats", Description: "My results"}, {Command: "certificate", Description: "My certificate"},
		{Command: "places", Description: "Places near me"},
		{Command: "langue", Description: "Change language"},
		{Command: "parcours", Description: "My lessons"}, {Command: "progres", Description: "My progress"},
		{Command: "stop", Description: "Stop the lessons"},
		{Command: "mesdonnees", Description: "My data"}, {Command: "supprimer", Description: "Erase everything"}},
}

// Setup registers the commands in French and English and the description,
// and sets or deletes the webhook for the chosen mode.
func (r *Receiver) Setup(ctx context.Context, webhookURL, secret string) error {
	cmds := BotCommands
	for lang, list := range cmds {
		params := &tg.SetMyCommandsParams{Commands: list, LanguageCode: lang}
		if lang == "fr" {
			params.LanguageCode = "" // the default for every language without its own list
			if _, err := r.API.SetMyCommands(ctx, params); err != nil {
				return fmt.Errorf("setMyCommands: %w", err)
			}
			params = &tg.SetMyCommandsParams{Commands: list, LanguageCode: "fr"}
		}
		if _, err := r.API.SetMyCommands(ctx, params); err != nil {
			return fmt.Errorf("setMyCommands %s: %w", lang, err)
		}
	}
	if _, err := r.API.SetMyDescription(ctx, &tg.SetMyDescriptionParams{Description: "Testez vos compétences numériques en quelques minutes, avec des questions courtes. Votre conseiller ou conseillère voit vos résultats."}); err != nil {
		return fmt.Errorf("setMyDescription: %w", err)
	}
	if webhookURL != "" {
		_, err := r.API.SetWebhook(ctx, &tg.SetWebhookParams{URL: webhookURL, SecretToken: secret, AllowedUpdates: []string{"message", "callback_query"}})
		return err
	}
	_, err := r.API.DeleteWebhook(ctx, &tg.DeleteWebhookParams{})
	return err
}
