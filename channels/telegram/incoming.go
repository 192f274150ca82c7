// Package telegram is the learner's channel in Telegram, through
// github.com/go-telegram/bot for sending. diagbot owns receiving itself (its
// own getUpdates loop and webhook handler) so an update is stored before it
// is acknowledged: the library's loop moves the offset before handling and
// its webhook handler answers 200 to a wrong secret.
package telegram

import (
	"strconv"

	"github.com/go-telegram/bot/models"

	"github.com/diagbot/diagbot/dialog"
)

// Name is the channel's name in the inbox and outbox.
const Name = "telegram"

// Incoming is an update translated for the bot: stored under Key (a replay
// is a no-op), handled in the order of LearnerID.
type Incoming struct {
	Key       string
	LearnerID string
	Input     dialog.Input
}

// LearnerID is the learner id of a private chat.
func LearnerID(chatID int64) string { return Name + ":" + strconv.FormatInt(chatID, 10) }

// ChatID reads the chat back from a learner id ("telegram:123").
func ChatID(learnerID string) (int64, bool) {
	if len(learnerID) <= len(Name)+1 || learnerID[:len(Name)+1] != Name+":" {
		return 0, false
	}
	id, err := strconv.ParseInt(learnerID[len(Name)+1:], 10, 64)
	return id, err == nil
}

// Translate turns a Telegram update into a dialog input. ok is false for
// updates diagbot does not handle (edits, channel posts …); group reports a
// message from a group or channel chat, which gets a polite pointer to the
// private chat instead.
func Translate(u models.Update) (in Incoming, ok bool, group int64) {
	key := Name + ":" + strconv.FormatInt(u.ID, 10)
	switch {
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		chat := q.From.ID
		if m := q.Message.Message; m != nil {
			if m.Chat.Type != models.ChatTypePrivate {
				return Incoming{}, false, 0
			}
			chat = m.Chat.ID
		}
		return Incoming{Key: key, LearnerID: LearnerID(chat), Input: dialog.Input{
			Kind: dialog.InButton, Data: q.Data, FirstName: q.From.FirstName, Lang: q.From.LanguageCode}}, true, 0
	case u.Message != nil:
		m := u.Message
		if m.Chat.Type != models.ChatTypePrivate {
			return Incoming{}, false, m.Chat.ID
		}
		var input dialog.Input
		switch {
		case m.Text != "":
			input = dialog.ParseText(m.Text)
		default:
			input = dialog.Input{Kind: dialog.InOther, What: kindOf(m)}
		}
		if m.From != nil {
			input.FirstName, input.Lang = m.From.FirstName, m.From.LanguageCode
		}
		return Incoming{Key: key, LearnerID: LearnerID(m.Chat.ID), Input: input}, true, 0
	}
	return Incoming{}, false, 0
}

func kindOf(m *models.Message) string {
	switch {
	case m.Sticker != nil:
		return "sticker"
	case m.Voice != nil:
		return "voice"
	case len(m.Photo) > 0:
		return "photo"
	case m.Video != nil || m.VideoNote != nil:
		return "video"
	case m.Document != nil:
		return "document"
	case m.Audio != nil:
		return "audio"
	case m.Location != nil:
		return "location"
	case m.Contact != nil:
		return "contact"
	}
	return "other"
}
