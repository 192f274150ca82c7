package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/diagbot/diagbot/channels/chart"
	"github.com/diagbot/diagbot/dialog"
)

// Sender delivers dialog outputs to Telegram chats.
type Sender struct {
	api     *tg.Bot
	limiter *Limiter
	images  fs.FS // the question bank, for question images

	refs RefStore // question messages per chat, session and number
}

// RefStore remembers what the sender must find again after a restart: each
// question message, so its answer can be shown in it. storage.DB is one.
type RefStore interface {
	PutRef(learnerID, name string, value []byte) error
	Ref(learnerID, name string) ([]byte, bool, error)
	DeleteRef(learnerID, name string) error
}

// questionRef remembers a question message so the answer can be shown in it.
type questionRef struct {
	ID      int    `json:"id"`
	Text    string `json:"text"`
	Caption bool   `json:"caption,omitempty"`
}

// NewSender returns a sender using api (a go-telegram/bot client), limiter,
// the bank's files for images and refs to remember question messages (nil:
// in memory, forgotten at restart).
func NewSender(api *tg.Bot, limiter *Limiter, images fs.FS, refs RefStore) *Sender {
	if refs == nil {
		refs = &memRefs{m: map[string][]byte{}}
	}
	return &Sender{api: api, limiter: limiter, images: images, refs: refs}
}

// memRefs is a RefStore in memory.
type memRefs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (r *memRefs) PutRef(l, n string, v []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[l+"/"+n] = v
	return nil
}

func (r *memRefs) Ref(l, n string) ([]byte, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[l+"/"+n]
	return v, ok, nil
}

func (r *memRefs) DeleteRef(l, n string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, l+"/"+n)
	return nil
}

func (s *Sender) getRef(chat int64, key string) (questionRef, bool, error) {
	raw, ok, err := s.refs.Ref(LearnerID(chat), key)
	if err != nil || !ok {
		return questionRef{}, false, err
	}
	var q questionRef
	if err := json.Unmarshal(raw, &q); err != nil {
		return questionRef{}, false, nil // unreadable: as if unknown
	}
	return q, true, nil
}

// SendError is a failed send, classified for the bot's dispatcher.
type SendError struct {
	Err   error
	Retry time.Duration // Telegram's retry_after on a 429
	Gone  bool          // the learner blocked the bot (403)
}

func (e *SendError) Error() string             { return e.Err.Error() }
func (e *SendError) Unwrap() error             { return e.Err }
func (e *SendError) RetryAfter() time.Duration { return e.Retry }
func (e *SendError) Unreachable() bool         { return e.Gone }

func classify(err error) error {
	if err == nil {
		return nil
	}
	var tooMany *tg.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		return &SendError{Err: err, Retry: time.Duration(tooMany.RetryAfter) * time.Second}
	case errors.Is(err, tg.ErrorForbidden):
		return &SendError{Err: err, Gone: true}
	}
	return &SendError{Err: err}
}

// harmless tells edits that failed because there is nothing to do.
func harmless(err error) bool {
	return err != nil && errors.Is(err, tg.ErrorBadRequest) &&
		(strings.Contains(err.Error(), "message is not modified") || strings.Contains(err.Error(), "message to edit not found"))
}

func esc(s string) string { return html.EscapeString(s) }

// keyboard turns dialog buttons into an inline keyboard.
func keyboard(rows [][]dialog.ButtonView) models.ReplyMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{}
	for _, row := range rows {
		var r []models.InlineKeyboardButton
		for _, b := range row {
			r = append(r, models.InlineKeyboardButton{Text: b.Label, CallbackData: b.Data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return kb
}

// QuestionHTML renders a question: its header in bold, the prompt, the
// choices numbered (buttons may cut long ones) and the hint.
func QuestionHTML(q *dialog.QuestionView) string {
	var b strings.Builder
	b.WriteString("<b>" + esc(q.Header) + "</b>\n\n" + esc(q.Prompt))
	if len(q.Choices) > 0 {
		b.WriteString("\n")
		for i, c := range q.Choices {
			fmt.Fprintf(&b, "\n%d. %s", i+1, esc(c))
		}
	}
	if q.Hint != "" {
		b.WriteString("\n\n<i>" + esc(q.Hint) + "</i>")
	}
	return b.String()
}

// ResultsHTML renders results as text (the chart comes as a photo).
func ResultsHTML(r *dialog.ResultsView) string {
	var b strings.Builder
	b.WriteString("<b>" + esc(r.Title) + "</b>\n" + esc(r.Summary) + "\n")
	for _, c := range r.Competences {
		fmt.Fprintf(&b, "\n%s %s · %d/8\n%s", strings.Repeat("🟦", c.Level)+strings.Repeat("⬜", 8-c.Level), esc(c.ID), c.Level, esc(c.Name))
	}
	if len(r.Train) > 0 {
		b.WriteString("\n\n<b>" + esc(r.TrainTitle) + "</b>")
		for _, t := range r.Train {
			fmt.Fprintf(&b, "\n• %s %s", esc(t.Competence), esc(t.Name))
			for _, tip := range t.Tips {
				b.WriteString("\n  💡 " + esc(tip))
			}
		}
	}
	return truncateHTML(b.String(), 4096)
}

// truncateHTML cuts plain-escaped text at a line end within limit characters.
func truncateHTML(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)[:limit-1]
	cut := strings.LastIndex(string(r), "\n")
	if cut < 0 {
		return string(r)
	}
	return string(r)[:cut] + "\n…"
}

func refKey(session uint32, number int) string {
	return fmt.Sprintf("q:%d:%d", session, number)
}

// Send delivers one output to a chat and returns a reference to what was sent
// (the message id).
func (s *Sender) Send(ctx context.Context, chat int64, o dialog.Output) (string, error) {
	switch o.Kind {
	case dialog.OutQuestion:
		return s.question(ctx, chat, o.Question)
	case dialog.OutAnswered:
		return s.answered(ctx, chat, o.Answered)
	case dialog.OutResults:
		return s.results(ctx, chat, o)
	case dialog.OutAttestation:
		return s.SendFiles(ctx, chat, "", o)
	case dialog.OutExport:
		if err := s.limiter.Wait(ctx, chat); err != nil {
			return "", err
		}
		m, err := s.api.SendDocument(ctx, &tg.SendDocumentParams{ChatID: chat, Caption: esc(o.Text), ParseMode: models.ParseModeHTML,
			Document: &models.InputFileUpload{Filename: o.FileName, Data: bytes.NewReader(o.File)}})
		return ref(m), classify(err)
	}
	if err := s.limiter.Wait(ctx, chat); err != nil {
		return "", err
	}
	m, err := s.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: chat, Text: esc(o.Text), ParseMode: models.ParseModeHTML, ReplyMarkup: keyboard(o.Buttons)})
	return ref(m), classify(err)
}

func ref(m *models.Message) string {
	if m == nil {
		return ""
	}
	return fmt.Sprint(m.ID)
}

func (s *Sender) question(ctx context.Context, chat int64, q *dialog.QuestionView) (string, error) {
	key := refKey(q.Session, q.Number)
	text := QuestionHTML(q)
	prev, known, err := s.getRef(chat, key)
	if err != nil {
		return "", err
	}
	if err := s.limiter.Wait(ctx, chat); err != nil {
		return "", err
	}
	if q.Refresh && known { // ticks changed: update the keyboard in place
		_, err := s.api.EditMessageReplyMarkup(ctx, &tg.EditMessageReplyMarkupParams{ChatID: chat, MessageID: prev.ID, ReplyMarkup: keyboard(q.Buttons)})
		if harmless(err) {
			err = nil
		}
		return fmt.Sprint(prev.ID), classify(err)
	}
	var m *models.Message
	caption := false
	if q.Image != "" && s.images != nil {
		data, rerr := fs.ReadFile(s.images, q.Image)
		if rerr == nil && utf8.RuneCountInString(text) <= 1024 {
			caption = true
			m, err = s.api.SendPhoto(ctx, &tg.SendPhotoParams{ChatID: chat, Caption: text, ParseMode: models.ParseModeHTML,
				Photo: &models.InputFileUpload{Filename: path.Base(q.Image), Data: bytes.NewReader(data)}, ReplyMarkup: keyboard(q.Buttons)})
		}
	}
	if !caption {
		m, err = s.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: chat, Text: text, ParseMode: models.ParseModeHTML, ReplyMarkup: keyboard(q.Buttons)})
	}
	if err != nil {
		return "", classify(err)
	}
	// Sent: a failure to remember it only means the answer will not be shown
	// in place, so it is not an error of the send (which must not repeat).
	if raw, err := json.Marshal(questionRef{ID: m.ID, Text: text, Caption: caption}); err == nil {
		_ = s.refs.PutRef(LearnerID(chat), key, raw)
	}
	return ref(m), nil
}

// answered shows the answer in the question message and removes its keyboard,
// so an old question cannot be pressed again by mistake.
func (s *Sender) answered(ctx context.Context, chat int64, a *dialog.AnsweredView) (string, error) {
	key := refKey(a.Session, a.Number)
	q, known, err := s.getRef(chat, key)
	if err != nil {
		return "", err
	}
	if !known {
		return "", nil // sent before a restart: the dialog answers stale presses anyway
	}
	if err := s.limiter.Wait(ctx, chat); err != nil {
		return "", err
	}
	text := q.Text + "\n\n<b>" + esc(a.Text) + "</b>"
	if q.Caption {
		_, err = s.api.EditMessageCaption(ctx, &tg.EditMessageCaptionParams{ChatID: chat, MessageID: q.ID, Caption: text, ParseMode: models.ParseModeHTML})
	} else {
		_, err = s.api.EditMessageText(ctx, &tg.EditMessageTextParams{ChatID: chat, MessageID: q.ID, Text: text, ParseMode: models.ParseModeHTML})
	}
	if harmless(err) {
		err = nil
	}
	if err == nil {
		_ = s.refs.DeleteRef(LearnerID(chat), key)
	}
	return fmt.Sprint(q.ID), classify(err)
}

// ResultsChart sends the picture of the levels as a photo: bars per area
// in plain words, whole levels out of 8, no band to explain (results stored
// before the areas get the radar of the competences). While it is drawn and
// uploaded the learner sees "envoie une photo…" (best effort: a failed chat
// action changes nothing).
func (s *Sender) ResultsChart(ctx context.Context, chat int64, r *dialog.ResultsView) (string, error) {
	_, _ = s.api.SendChatAction(ctx, &tg.SendChatActionParams{ChatID: chat, Action: models.ChatActionUploadPhoto})
	if len(r.Areas) > 0 {
		png, err := ResultsBars(r)
		if err != nil {
			return "", err
		}
		if err := s.limiter.Wait(ctx, chat); err != nil {
			return "", err
		}
		m, err := s.api.SendPhoto(ctx, &tg.SendPhotoParams{ChatID: chat, Caption: "<b>" + esc(r.Title) + "</b>", ParseMode: models.ParseModeHTML,
			Photo: &models.InputFileUpload{Filename: "niveaux.png", Data: bytes.NewReader(png)}})
		return ref(m), classify(err)
	}
	axes := make([]chart.Axis, len(r.Competences))
	for i, c := range r.Competences {
		label := c.Short
		if label == "" {
			label = c.Name
		}
		axes[i] = chart.Axis{Label: c.ID + " " + label, Value: c.Value, Low: float64(c.LevelLow), High: min(8, float64(c.LevelHigh)+1)}
	}
	png, err := chart.Radar(axes, chart.Options{Title: r.Title})
	if err != nil {
		return "", err
	}
	if err := s.limiter.Wait(ctx, chat); err != nil {
		return "", err
	}
	m, err := s.api.SendPhoto(ctx, &tg.SendPhotoParams{ChatID: chat, Caption: "<b>" + esc(r.Title) + "</b>\n" + esc(r.Summary), ParseMode: models.ParseModeHTML,
		Photo: &models.InputFileUpload{Filename: "niveaux.png", Data: bytes.NewReader(png)}})
	return ref(m), classify(err)
}

// ResultsBars draws the learner's picture: one bar per area, named in plain
// words, at the whole level the text says, with its word ("3 ·
// intermédiaire"; "débutant" alone below level 1). Bars and not the radar:
// a bar's length against the track to 8 reads without a legend, where the
// radar's shape and uncertainty band need one.
func ResultsBars(r *dialog.ResultsView) ([]byte, error) {
	axes := make([]chart.Axis, len(r.Areas))
	for i, a := range r.Areas {
		text := a.Band
		if a.Level > 0 {
			text = strconv.Itoa(a.Level) + " · " + a.Band
		}
		axes[i] = chart.Axis{Label: a.Plain, Value: float64(a.Level), Text: text}
	}
	return chart.Bars(axes, chart.Options{Title: r.ChartTitle})
}

// results sends the first results message (short, with a button per area
// and the attestation's), or, for results stored before it, every level and
// the skills to train.
func (s *Sender) results(ctx context.Context, chat int64, o dialog.Output) (string, error) {
	if err := s.limiter.Wait(ctx, chat); err != nil {
		return "", err
	}
	text := ResultsHTML(o.Results)
	if len(o.Results.Areas) > 0 {
		text = esc(o.Results.Summary)
	}
	m, err := s.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: chat, Text: text, ParseMode: models.ParseModeHTML, ReplyMarkup: keyboard(o.Buttons)})
	return ref(m), classify(err)
}
