package telegramtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// maxUpdatesLimit is the largest batch getUpdates returns.
const maxUpdatesLimit = 100

// defaultAllowed is what Telegram delivers when allowed_updates was never
// given or is empty: everything but these three.
var notAllowedByDefault = map[string]bool{
	models.AllowedUpdateChatMember:           true,
	models.AllowedUpdateMessageReaction:      true,
	models.AllowedUpdateMessageReactionCount: true,
}

// updateType names an update by its payload field, as allowed_updates does.
func updateType(u *models.Update) string {
	switch {
	case u.Message != nil:
		return models.AllowedUpdateMessage
	case u.EditedMessage != nil:
		return models.AllowedUpdateEditedMessage
	case u.ChannelPost != nil:
		return models.AllowedUpdateChannelPost
	case u.EditedChannelPost != nil:
		return models.AllowedUpdateEditedChannelPost
	case u.BusinessConnection != nil:
		return models.AllowedUpdateBusinessConnection
	case u.BusinessMessage != nil:
		return models.AllowedUpdateBusinessMessage
	case u.EditedBusinessMessage != nil:
		return models.AllowedUpdateEditedBusinessMessage
	case u.DeletedBusinessMessages != nil:
		return models.AllowedUpdateDeletedBusinessMessages
	case u.MessageReaction != nil:
		return models.AllowedUpdateMessageReaction
	case u.MessageReactionCount != nil:
		return models.AllowedUpdateMessageReactionCount
	case u.InlineQuery != nil:
		return models.AllowedUpdateInlineQuery
	case u.ChosenInlineResult != nil:
		return models.AllowedUpdateChosenInlineResult
	case u.CallbackQuery != nil:
		return models.AllowedUpdateCallbackQuery
	case u.ShippingQuery != nil:
		return models.AllowedUpdateShippingQuery
	case u.PreCheckoutQuery != nil:
		return models.AllowedUpdatePreCheckoutQuery
	case u.PurchasedPaidMedia != nil:
		return models.AllowedUpdatePurchasedPaidMedia
	case u.Poll != nil:
		return models.AllowedUpdatePoll
	case u.PollAnswer != nil:
		return models.AllowedUpdatePollAnswer
	case u.MyChatMember != nil:
		return models.AllowedUpdateMyChatMember
	case u.ChatMember != nil:
		return models.AllowedUpdateChatMember
	case u.ChatJoinRequest != nil:
		return models.AllowedUpdateChatJoinRequest
	case u.ChatBoost != nil:
		return models.AllowedUpdateChatBoost
	case u.RemovedChatBoost != nil:
		return models.AllowedUpdateRemovedChatBoost
	}
	return ""
}

// setAllowedLocked stores an allowed_updates list; Telegram keeps the last
// one given and applies it to updates created afterwards.
func (s *Server) setAllowedLocked(list []string) {
	if len(list) == 0 {
		s.allowed = nil
		return
	}
	s.allowed = map[string]bool{}
	for _, t := range list {
		s.allowed[t] = true
	}
}

func (s *Server) allowedLocked(t string) bool {
	if s.allowed == nil {
		return !notAllowedByDefault[t]
	}
	return s.allowed[t]
}

// PushUpdate queues an update for getUpdates and returns its id. A zero id
// is assigned the next one; an explicit id moves the sequence past it. As in
// Telegram, an update of a type excluded by the last allowed_updates is never
// queued (its id is still consumed and returned).
func (s *Server) PushUpdate(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assignIDLocked(&u)
	s.registerCallbackLocked(&u)
	if s.allowedLocked(updateType(&u)) {
		s.updates = append(s.updates, u)
		slices.SortStableFunc(s.updates, func(a, b models.Update) int { return cmp.Compare(a.ID, b.ID) })
	}
	s.broadcastLocked()
	return u.ID
}

func (s *Server) assignIDLocked(u *models.Update) {
	if u.ID == 0 {
		u.ID = s.nextUpdateID
	}
	s.nextUpdateID = max(s.nextUpdateID, u.ID+1)
}

// registerCallbackLocked makes a callback query answerable, whoever built it.
func (s *Server) registerCallbackLocked(u *models.Update) {
	cq := u.CallbackQuery
	if cq == nil || cq.ID == "" || s.callbacks[cq.ID] != nil {
		return
	}
	var chatID int64
	if m := cq.Message.Message; m != nil {
		chatID = m.Chat.ID
	} else if im := cq.Message.InaccessibleMessage; im != nil {
		chatID = im.Chat.ID
	}
	s.callbacks[cq.ID] = &callbackState{chatID: chatID}
}

// PendingUpdates returns the updates not yet confirmed by a getUpdates offset.
func (s *Server) PendingUpdates() []models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.updates)
}

// getUpdates follows the Bot API: an offset confirms, and forgets forever,
// every update with a smaller id; a negative offset keeps only the last
// -offset updates; timeout long-polls until an update is queued (the real
// wait is capped by WithMaxPollWait); a newer getUpdates ends an older one
// with 409, and a registered webhook forbids polling.
func (s *Server) getUpdates(r *http.Request, _ *Call, req *request) reply {
	p := req.params
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit := maxUpdatesLimit
	if v, err := strconv.Atoi(p["limit"]); err == nil && v >= 1 && v < maxUpdatesLimit {
		limit = v
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	var allowed []string
	if a := p["allowed_updates"]; a != "" {
		if err := json.Unmarshal([]byte(a), &allowed); err != nil {
			return badRequest("can't parse allowed_updates JSON array")
		}
	}

	s.mu.Lock()
	if s.webhook.URL != "" {
		s.mu.Unlock()
		return errReply(http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
	}
	if p["allowed_updates"] != "" {
		s.setAllowedLocked(allowed)
	}
	switch {
	case offset > 0:
		s.updates = slices.DeleteFunc(s.updates, func(u models.Update) bool { return u.ID < offset })
	case offset < 0:
		if keep := int(-offset); keep < len(s.updates) {
			s.updates = slices.Clone(s.updates[len(s.updates)-keep:])
		}
	}
	s.pollSeq++
	mine := s.pollSeq
	s.broadcastLocked() // ends an older poll
	s.mu.Unlock()

	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(min(time.Duration(timeout)*time.Second, s.cfg.maxPollWait))
		defer t.Stop()
		expired = t.C
	}
	for {
		s.mu.Lock()
		if s.pollSeq != mine {
			s.mu.Unlock()
			return errReply(http.StatusConflict, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
		}
		if s.webhook.URL != "" {
			s.mu.Unlock()
			return errReply(http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
		}
		if len(s.updates) > 0 || expired == nil {
			batch := slices.Clone(s.updates[:min(limit, len(s.updates))])
			s.mu.Unlock()
			if batch == nil {
				batch = []models.Update{}
			}
			return okReply(batch)
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-expired:
			expired = nil // answer with what there is (nothing, unless it just came)
		case <-s.done:
			expired = nil
		case <-r.Context().Done():
			return reply{} // the client gave up: nothing to answer
		}
	}
}

// SetUser sets the profile (names, username, language_code) used in the
// updates sent in a user's name, and in the private chat with them.
func (s *Server) SetUser(u models.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	if c := s.chats[u.ID]; c != nil && c.chat.Type == models.ChatTypePrivate {
		c.chat.FirstName, c.chat.LastName, c.chat.Username = u.FirstName, u.LastName, u.Username
	}
}

// userLocked returns a user's profile, creating a default one; a non-empty
// firstName replaces the stored one.
func (s *Server) userLocked(id int64, firstName string) models.User {
	u, ok := s.users[id]
	if !ok {
		u = models.User{ID: id, FirstName: fmt.Sprintf("User%d", id)}
	}
	if firstName != "" {
		u.FirstName = firstName
	}
	s.users[id] = u
	if c := s.chats[id]; c != nil && c.chat.Type == models.ChatTypePrivate {
		c.chat.FirstName = u.FirstName
	}
	return u
}

// userMessageLocked allocates a message in a chat, in the user's name, and
// stores it so that the bot cannot edit it.
func (s *Server) userMessageLocked(chatID, userID int64, firstName string, fill func(*models.Message)) models.Message {
	u := s.userLocked(userID, firstName)
	c := s.chatLocked(chatID)
	msg := models.Message{ID: c.nextMsgID, From: &u, Date: int(s.now().Unix()), Chat: c.chat}
	c.nextMsgID++
	fill(&msg)
	c.msgs[msg.ID] = &storedMsg{msg: msg}
	return msg
}

// commandEntity marks a leading "/command" the way Telegram does, which
// go-telegram's MatchTypeCommand handlers rely on.
func commandEntity(text string) []models.MessageEntity {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	end := len(text)
	if i := strings.IndexAny(text, " \n\t"); i >= 0 {
		end = i
	}
	if end < 2 {
		return nil
	}
	return []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: utf16Len(text[:end])}}
}

// TextUpdate builds, without queueing it, a private-chat text message from
// the user chatID (private chat ids are user ids). It takes the next message
// and update ids, so it can be queued later or posted to a webhook.
func (s *Server) TextUpdate(chatID int64, firstName, text string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := s.userMessageLocked(chatID, chatID, firstName, func(m *models.Message) {
		m.Text, m.Entities = text, commandEntity(text)
	})
	u := models.Update{Message: &msg}
	s.assignIDLocked(&u)
	return u
}

// SendText queues a private text message from the user chatID and returns
// its update id.
func (s *Server) SendText(chatID int64, firstName, text string) int64 {
	return s.PushUpdate(s.TextUpdate(chatID, firstName, text))
}

// GroupTextUpdate builds, without queueing it, a text message from userID in
// a group chat.
func (s *Server) GroupTextUpdate(groupChatID, userID int64, text string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chats[groupChatID] == nil && groupChatID > 0 {
		// A positive id is a user's private chat unless created as a group here.
		s.chats[groupChatID] = &chatState{
			chat:      models.Chat{ID: groupChatID, Type: models.ChatTypeGroup, Title: fmt.Sprintf("Group %d", groupChatID)},
			nextMsgID: 1,
			msgs:      map[int]*storedMsg{},
		}
	}
	msg := s.userMessageLocked(groupChatID, userID, "", func(m *models.Message) {
		m.Text, m.Entities = text, commandEntity(text)
	})
	u := models.Update{Message: &msg}
	s.assignIDLocked(&u)
	return u
}

// SendGroupText queues a text message from userID in a group chat.
func (s *Server) SendGroupText(groupChatID, userID int64, text string) int64 {
	return s.PushUpdate(s.GroupTextUpdate(groupChatID, userID, text))
}

// StickerUpdate builds, without queueing it, a sticker sent by the user.
func (s *Server) StickerUpdate(chatID int64) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fileSeq++
	n := s.fileSeq
	msg := s.userMessageLocked(chatID, chatID, "", func(m *models.Message) {
		m.Sticker = &models.Sticker{
			FileID: fmt.Sprintf("tt-sticker-%d", n), FileUniqueID: fmt.Sprintf("ttu-%d", n),
			Type: "regular", Width: 512, Height: 512, Emoji: "👍",
		}
	})
	u := models.Update{Message: &msg}
	s.assignIDLocked(&u)
	return u
}

// SendSticker queues a sticker from the user chatID.
func (s *Server) SendSticker(chatID int64) int64 { return s.PushUpdate(s.StickerUpdate(chatID)) }

// VoiceUpdate builds, without queueing it, a voice note sent by the user.
func (s *Server) VoiceUpdate(chatID int64) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fileSeq++
	n := s.fileSeq
	msg := s.userMessageLocked(chatID, chatID, "", func(m *models.Message) {
		m.Voice = &models.Voice{
			FileID: fmt.Sprintf("tt-voice-%d", n), FileUniqueID: fmt.Sprintf("ttu-%d", n),
			Duration: 3, MimeType: "audio/ogg", FileSize: 4096,
		}
	})
	u := models.Update{Message: &msg}
	s.assignIDLocked(&u)
	return u
}

// SendVoice queues a voice note from the user chatID.
func (s *Server) SendVoice(chatID int64) int64 { return s.PushUpdate(s.VoiceUpdate(chatID)) }

// ButtonUpdate builds, without queueing it, the callback query Telegram
// sends when the user of a private chat presses an inline button carrying
// data on message messageID. The query carries the message as the bot last
// left it (text and keyboard), and can be answered once.
func (s *Server) ButtonUpdate(chatID, messageID int64, data string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(chatID, "")
	var msg models.Message
	if m := s.findMsgLocked(chatID, int(messageID)); m != nil {
		msg = m.msg
	} else {
		msg = models.Message{ID: int(messageID), Date: int(s.now().Unix()), Chat: s.chatLocked(chatID).chat}
	}
	s.cbSeq++
	cq := &models.CallbackQuery{
		ID:           strconv.FormatInt(4_000_000_000_000_000_000+s.cbSeq, 10),
		From:         u,
		Message:      models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &msg},
		ChatInstance: fmt.Sprintf("tt-instance-%d", chatID),
		Data:         data,
	}
	upd := models.Update{CallbackQuery: cq}
	s.assignIDLocked(&upd)
	s.registerCallbackLocked(&upd)
	return upd
}

// PressButton queues a press of an inline button (see ButtonUpdate) and
// returns its update id.
func (s *Server) PressButton(chatID, messageID int64, data string) int64 {
	return s.PushUpdate(s.ButtonUpdate(chatID, messageID, data))
}

// CallbackAnswered tells whether answerCallbackQuery succeeded for a query.
func (s *Server) CallbackAnswered(queryID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[queryID]
	return cb != nil && cb.answered
}

// UpdateJSON is the body Telegram would post to a webhook for u.
func (s *Server) UpdateJSON(u models.Update) []byte {
	return mustJSON(&u)
}

// PostWebhook posts u to a webhook as Telegram does: a JSON body and, when
// secret is not empty, the X-Telegram-Bot-Api-Secret-Token header. A zero
// update id is assigned. The caller closes the response body.
func (s *Server) PostWebhook(url, secret string, u models.Update) (*http.Response, error) {
	if u.ID == 0 {
		s.mu.Lock()
		s.assignIDLocked(&u)
		s.registerCallbackLocked(&u)
		s.mu.Unlock()
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(s.UpdateJSON(u)))
	if err != nil {
		return nil, fmt.Errorf("telegramtest: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	return s.webhookClient.Do(req)
}
