package bot

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/diagbot/diagbot/channels/webhook"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
)

// WebhookChannel is the outbox channel of campaigns' webhooks; an entry's
// To is the campaign's code, its Kind "webhook_" + the event.
const WebhookChannel = "webhook"

// Webhook events.
const (
	HookStarted  = "started"
	HookFinished = "finished"
	HookPalier   = "palier"
	HookPathDone = "path_done"
)

// HookEvent is the JSON a campaign's webhook receives. It names the learner
// by pseudonym and by the external id the agency gave, never by name.
type HookEvent struct {
	ID         string         `json:"event_id"` // the same for every try
	Event      string         `json:"event"`
	At         time.Time      `json:"at"`
	Campaign   string         `json:"campaign"`
	Learner    string         `json:"learner"` // pseudonym, as in Slack and the CSV
	ExternalID string         `json:"external_id,omitempty"`
	Questions  int            `json:"questions"`
	Max        int            `json:"max_questions,omitempty"`
	Level      *int           `json:"level,omitempty"`  // overall, 0–8
	Levels     map[string]int `json:"levels,omitempty"` // per competence
	Pix        *int           `json:"pix,omitempty"`
	Palier     *HookStage     `json:"palier,omitempty"`
	Path       *HookPath      `json:"path,omitempty"`
}

// HookStage is the palier a learner reached.
type HookStage struct {
	Index int    `json:"index"` // 0 = the lowest
	Title string `json:"title"`
}

// HookPath is a finished follow-up path.
type HookPath struct {
	Lessons  int `json:"lessons"`
	Retained int `json:"retained"`
}

// checkWebhook accepts an https address (http only on this machine, for
// tests and a local connector).
func checkWebhook(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost")) {
		return nil
	}
	if err == nil {
		err = errors.New("not an https address")
	}
	return problem(fmt.Errorf("webhook URL %q: %w", raw, err), "L'adresse du webhook doit être une adresse https:// complète.")
}

// newSecret is a campaign's webhook secret: 130 random bits.
func newSecret() string { return "whsec_" + crand.Text() }

// hookID names an event for good: the update that caused it and the event.
func hookID(updateKey, event string) string {
	h := sha256.Sum256([]byte(updateKey + "\x00" + event))
	return "evt_" + hex.EncodeToString(h[:12])
}

// webhookMessages are the webhook deliveries of a turn: the campaign's
// events, if it has a webhook.
func (b *Bot) webhookMessages(u storage.Update, before dialog.Session, turn dialog.Turn, now time.Time) ([]storage.Message, error) {
	s := turn.Session
	if s.Campaign == nil {
		return nil, nil
	}
	c, ok, err := b.cfg.DB.Campaign(s.Campaign.Code)
	if err != nil || !ok || c.WebhookURL == "" {
		return nil, err
	}
	base := HookEvent{At: now, Campaign: c.Code, Learner: dialog.LearnerRef(u.LearnerID), ExternalID: s.ExternalID, Max: s.Campaign.MaxQuestions}
	if s.Engine != nil {
		base.Questions = len(s.Engine.Responses)
	}
	var events []HookEvent
	for _, ev := range turn.Events {
		switch ev.Kind {
		case dialog.EvStarted:
			e := base
			e.Event = HookStarted
			events = append(events, e)
		case dialog.EvFinished:
			if ev.Result == nil {
				continue
			}
			e := base
			e.Event = HookFinished
			withResult(&e, *ev.Result)
			events = append(events, e)
			i, p := PalierOf(c, *ev.Result)
			pe := base
			pe.Event, pe.Palier = HookPalier, &HookStage{Index: i, Title: p.Title}
			withResult(&pe, *ev.Result)
			events = append(events, pe)
		}
	}
	if p := s.Path; p != nil && p.State == dialog.PathFinished && (before.Path == nil || before.Path.State != dialog.PathFinished) {
		e := base
		e.Event = HookPathDone
		e.Path = &HookPath{Lessons: len(p.Steps)}
		for _, st := range p.Steps {
			if st.Retired {
				e.Path.Retained++
			}
		}
		events = append(events, e)
	}
	var out []storage.Message
	for _, e := range events {
		e.ID = hookID(u.Key, e.Event)
		body, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		out = append(out, storage.Message{Channel: WebhookChannel, To: c.Code, About: u.LearnerID, Kind: "webhook_" + e.Event, Payload: body})
	}
	return out, nil
}

func withResult(e *HookEvent, r engine.Result) {
	lv, pix := r.Level, r.Pix
	e.Level, e.Pix = &lv, &pix
	e.Questions = r.Questions
	e.Levels = map[string]int{}
	for _, c := range r.Competences {
		e.Levels[c.Competence] = c.Level
	}
}

// WebhookSender delivers the outbox's webhook entries: it reads the
// campaign's address and secret at send time (an advisor may have fixed
// them since).
type WebhookSender struct {
	DB *storage.DB
	S  *webhook.Sender
}

// Send implements Sender.
func (w WebhookSender) Send(ctx context.Context, m storage.Message) (string, error) {
	c, ok, err := w.DB.Campaign(m.To)
	if err != nil {
		return "", err
	}
	if !ok || c.WebhookURL == "" {
		return "", nil // the campaign or its webhook is gone: nothing to deliver
	}
	var e HookEvent
	if err := json.Unmarshal(m.Payload, &e); err != nil {
		return "", fmt.Errorf("webhook: outbox message %d does not hold an event: %w", m.ID, err)
	}
	return "", w.S.Send(ctx, webhook.Delivery{URL: c.WebhookURL, Secret: c.WebhookSecret, Event: e.Event, ID: e.ID, Body: m.Payload})
}
