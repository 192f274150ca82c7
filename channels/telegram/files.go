package telegram

import (
	"bytes"
	"context"
	"fmt"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/diagbot/diagbot/dialog"
)

// SendFiles sends an output's files (an attestation: the PDF, the PNG and
// the signed credential) as one document each, the output's text as the
// first one's caption. key names the outbox message: each file sent is
// remembered under it, so a retry after a failure in the middle sends only
// the files not sent yet, and none twice. Once all are sent the marks go.
// An empty key remembers nothing (every call sends every file).
func (s *Sender) SendFiles(ctx context.Context, chat int64, key string, o dialog.Output) (string, error) {
	if len(o.Files) == 0 {
		if o.Text == "" {
			return "", fmt.Errorf("telegram: an output of kind %s without files or text: nothing to send", o.Kind)
		}
		// No files (the issuer could not make them): the text alone.
		if err := s.limiter.Wait(ctx, chat); err != nil {
			return "", err
		}
		m, err := s.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: chat, Text: esc(o.Text), ParseMode: models.ParseModeHTML, ReplyMarkup: keyboard(o.Buttons)})
		return ref(m), classify(err)
	}
	learner := LearnerID(chat)
	mark := func(i int) string { return fmt.Sprintf("f:%s:%d", key, i) }
	var last string
	for i, f := range o.Files {
		if key != "" {
			if _, done, err := s.refs.Ref(learner, mark(i)); err != nil {
				return "", err
			} else if done {
				continue
			}
		}
		params := &tg.SendDocumentParams{ChatID: chat,
			Document: &models.InputFileUpload{Filename: f.Name, Data: bytes.NewReader(f.Data)}}
		if i == 0 && o.Text != "" {
			params.Caption, params.ParseMode = captionHTML(o.Text), models.ParseModeHTML
		}
		if err := s.limiter.Wait(ctx, chat); err != nil {
			return "", err
		}
		m, err := s.api.SendDocument(ctx, params)
		if err != nil {
			return "", classify(err)
		}
		last = ref(m)
		if key != "" {
			// Sent: failing to remember it only risks this file twice.
			_ = s.refs.PutRef(learner, mark(i), []byte(last))
		}
	}
	if key != "" {
		for i := range o.Files {
			_ = s.refs.DeleteRef(learner, mark(i))
		}
	}
	return last, nil
}

// captionHTML escapes a caption and cuts it to Telegram's 1,024 characters.
func captionHTML(text string) string {
	if utf8.RuneCountInString(text) > 1000 {
		text = string([]rune(text)[:999]) + "…"
	}
	return esc(text)
}
