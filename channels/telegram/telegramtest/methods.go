package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Limits of the Bot API that the server enforces.
const (
	maxTextRunes     = 4096 // message text, after entity parsing
	maxCaptionRunes  = 1024
	maxCallbackBytes = 64
	maxCommands      = 100
)

type method func(s *Server, r *http.Request, c *Call, req *request) reply

// builtins are the methods the server implements, by canonical name.
var builtins = map[string]method{
	"getMe":                  (*Server).getMe,
	"getUpdates":             (*Server).getUpdates,
	"sendMessage":            (*Server).sendMessage,
	"editMessageText":        (*Server).editMessageText,
	"editMessageCaption":     (*Server).editMessageCaption,
	"editMessageReplyMarkup": (*Server).editMessageReplyMarkup,
	"deleteMessage":          (*Server).deleteMessage,
	"answerCallbackQuery":    (*Server).answerCallbackQuery,
	"sendPhoto":              (*Server).sendPhoto,
	"sendDocument":           (*Server).sendDocument,
	"sendChatAction":         (*Server).sendChatAction,
	"setMyCommands":          (*Server).setMyCommands,
	"getMyCommands":          (*Server).getMyCommands,
	"deleteMyCommands":       (*Server).deleteMyCommands,
	"setMyDescription":       (*Server).setMyDescription,
	"setMyShortDescription":  (*Server).setMyShortDescription,
	"setWebhook":             (*Server).setWebhook,
	"deleteWebhook":          (*Server).deleteWebhook,
	"getWebhookInfo":         (*Server).getWebhookInfo,
}

// chatState is one chat: its message id sequence (shared by the user's and
// the bot's messages, as in Telegram) and the messages it holds.
type chatState struct {
	chat      models.Chat
	nextMsgID int
	msgs      map[int]*storedMsg
	sentOrder []int // ids of the bot's messages, oldest first
}

type storedMsg struct {
	msg       models.Message
	fromBot   bool
	deleted   bool
	sent      *SentMessage // the bot's messages only
	markupKey string       // canonical inline keyboard JSON, for "not modified"
}

type storedFile struct {
	kind          string // "photo" or "document"
	data          []byte
	name          string
	uniqueID      string
	width, height int
}

type callbackState struct {
	chatID   int64
	answered bool
}

// chatLocked returns a chat, creating it from its id when the bot writes
// first: positive ids are users, -100... ids supergroups, others groups.
func (s *Server) chatLocked(id int64) *chatState {
	if c := s.chats[id]; c != nil {
		return c
	}
	c := &chatState{chat: models.Chat{ID: id}, nextMsgID: 1, msgs: map[int]*storedMsg{}}
	switch {
	case id > 0:
		u := s.userLocked(id, "")
		c.chat.Type = models.ChatTypePrivate
		c.chat.FirstName, c.chat.LastName, c.chat.Username = u.FirstName, u.LastName, u.Username
	case id < -1_000_000_000_000:
		c.chat.Type, c.chat.Title = models.ChatTypeSupergroup, fmt.Sprintf("Supergroup %d", id)
	default:
		c.chat.Type, c.chat.Title = models.ChatTypeGroup, fmt.Sprintf("Group %d", id)
	}
	s.chats[id] = c
	return c
}

func (s *Server) findMsgLocked(chatID int64, id int) *storedMsg {
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	m := c.msgs[id]
	if m == nil || m.deleted {
		return nil
	}
	return m
}

// deliverLocked stores a message from the bot and returns it as Telegram
// answers it.
func (s *Server) deliverLocked(chatID int64, msg models.Message, sm SentMessage, markupKey string) models.Message {
	c := s.chatLocked(chatID)
	msg.ID = c.nextMsgID
	c.nextMsgID++
	bot := s.cfg.bot
	msg.From = &bot
	msg.Chat = c.chat
	msg.Date = int(s.now().Unix())
	sm.MessageID = msg.ID
	sm.At = s.now()
	c.msgs[msg.ID] = &storedMsg{msg: msg, fromBot: true, sent: &sm, markupKey: markupKey}
	c.sentOrder = append(c.sentOrder, msg.ID)
	s.broadcastLocked()
	return msg
}

// requireChat reads chat_id. Usernames ("@channel") are not supported: the
// diagnostic only writes to users and groups it heard from.
func requireChat(p map[string]string) (int64, *reply) {
	raw := strings.TrimSpace(p["chat_id"])
	if raw == "" {
		r := badRequest("chat_id is empty")
		return 0, &r
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id == 0 {
		r := badRequest("chat not found")
		return 0, &r
	}
	return id, nil
}

func requireMessageID(p map[string]string, notFound string) (int, *reply) {
	if p["inline_message_id"] != "" {
		r := badRequest("MESSAGE_ID_INVALID") // the fixture issues no inline messages
		return 0, &r
	}
	raw := strings.TrimSpace(p["message_id"])
	if raw == "" {
		r := badRequest("message identifier is not specified")
		return 0, &r
	}
	id, err := strconv.Atoi(raw)
	if err != nil || id <= 0 {
		r := badRequest(notFound)
		return 0, &r
	}
	return id, nil
}

// formatText applies parse_mode. Only HTML is checked: the diagnostic sends
// HTML, and Markdown is passed through as is.
func (s *Server) formatText(text, parseMode string) (string, []models.MessageEntity, string) {
	if !utf8.ValidString(text) {
		return "", nil, "text must be encoded in UTF-8"
	}
	switch strings.ToLower(parseMode) {
	case "":
		return text, nil, ""
	case "html":
		plain, ents, err := parseHTML(text, s.cfg.lenientHTML)
		if err != nil {
			return "", nil, "can't parse entities: " + err.Error()
		}
		return plain, ents, ""
	case "markdown", "markdownv2":
		return text, nil, ""
	}
	return "", nil, "unsupported parse_mode"
}

// checkText validates a message text and returns what the user sees.
func (s *Server) checkText(text, parseMode string) (string, []models.MessageEntity, *reply) {
	if text == "" {
		r := badRequest("message text is empty")
		return "", nil, &r
	}
	plain, ents, desc := s.formatText(text, parseMode)
	if desc != "" {
		r := badRequest(desc)
		return "", nil, &r
	}
	if strings.TrimSpace(plain) == "" {
		r := badRequest("message text is empty")
		return "", nil, &r
	}
	if utf8.RuneCountInString(plain) > maxTextRunes {
		r := badRequest("message is too long")
		return "", nil, &r
	}
	return plain, ents, nil
}

// parseReplyMarkup validates reply_markup as Telegram does and returns the
// inline keyboard (nil for other markups) and its canonical JSON.
func parseReplyMarkup(raw string) (*models.InlineKeyboardMarkup, string, *reply) {
	if strings.TrimSpace(raw) == "" {
		return nil, "", nil
	}
	fail := func(desc string) (*models.InlineKeyboardMarkup, string, *reply) {
		r := badRequest(desc)
		return nil, "", &r
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
		return fail("can't parse reply keyboard markup JSON object")
	}
	ik, ok := obj["inline_keyboard"]
	if !ok {
		for _, k := range []string{"keyboard", "remove_keyboard", "force_reply"} {
			if _, ok := obj[k]; ok {
				return nil, "", nil
			}
		}
		return fail("can't parse reply keyboard markup JSON object")
	}
	var rows [][]map[string]json.RawMessage
	if err := json.Unmarshal(ik, &rows); err != nil {
		return fail(`Field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays`)
	}
	for _, row := range rows {
		for _, b := range row {
			var text string
			if err := json.Unmarshal(b["text"], &text); err != nil {
				return fail(`can't parse InlineKeyboardButton: Field "text" must be of type String`)
			}
			actions := 0
			for k, v := range b {
				switch k {
				case "callback_data":
					var d string
					if json.Unmarshal(v, &d) != nil {
						return fail(`can't parse InlineKeyboardButton: Field "callback_data" must be of type String`)
					}
					if len(d) > maxCallbackBytes {
						return fail("BUTTON_DATA_INVALID")
					}
					if d != "" { // Telegram treats "" as absent
						actions++
					}
				case "copy_text":
					// go-telegram always sends "copy_text":{"text":""} (a struct
					// field with omitempty); an empty one is no action.
					var ct struct {
						Text string `json:"text"`
					}
					if json.Unmarshal(v, &ct) == nil && ct.Text != "" {
						actions++
					}
				case "pay":
					if string(v) == "true" {
						actions++
					}
				case "url", "login_url", "web_app", "switch_inline_query", "switch_inline_query_current_chat",
					"switch_inline_query_chosen_chat", "callback_game":
					actions++
				}
			}
			if actions == 0 {
				return fail("can't parse InlineKeyboardButton: Text buttons are not allowed in the inline keyboard")
			}
		}
	}
	var kb models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return fail("can't parse reply keyboard markup JSON object")
	}
	return &kb, string(mustJSON(kb)), nil
}

func (s *Server) getMe(_ *http.Request, _ *Call, _ *request) reply {
	return okReply(s.cfg.bot)
}

func (s *Server) sendMessage(_ *http.Request, _ *Call, req *request) reply {
	p := req.params
	chatID, bad := requireChat(p)
	if bad != nil {
		return *bad
	}
	plain, ents, bad := s.checkText(p["text"], p["parse_mode"])
	if bad != nil {
		return *bad
	}
	kb, key, bad := parseReplyMarkup(p["reply_markup"])
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := s.deliverLocked(chatID,
		models.Message{Text: plain, Entities: ents, ReplyMarkup: kb},
		SentMessage{
			Method: "sendMessage", Text: p["text"], PlainText: plain,
			ParseMode: p["parse_mode"], RawReplyMarkup: p["reply_markup"],
		}, key)
	return okReply(msg)
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func (s *Server) editMessageText(_ *http.Request, _ *Call, req *request) reply {
	return s.editContent(req, false)
}

// editMessageCaption changes the caption of a photo or document, as
// Telegram does; a text message has no caption to edit.
func (s *Server) editMessageCaption(_ *http.Request, _ *Call, req *request) reply {
	return s.editContent(req, true)
}

// editContent is editMessageText (a text message's text) and
// editMessageCaption (a photo's or document's caption): the same checks,
// on the one or the other.
func (s *Server) editContent(req *request, caption bool) reply {
	p := req.params
	chatID, bad := requireChat(p)
	if bad != nil {
		return *bad
	}
	msgID, bad := requireMessageID(p, "message to edit not found")
	if bad != nil {
		return *bad
	}
	field := "text"
	if caption {
		field = "caption"
	}
	var (
		plain string
		ents  []models.MessageEntity
	)
	if caption {
		var desc string
		plain, ents, desc = s.formatText(p[field], p["parse_mode"])
		if desc != "" {
			return badRequest(desc)
		}
		if utf8.RuneCountInString(plain) > maxCaptionRunes {
			return badRequest("message caption is too long")
		}
	} else {
		plain, ents, bad = s.checkText(p[field], p["parse_mode"])
		if bad != nil {
			return *bad
		}
	}
	kb, key, bad := parseReplyMarkup(p["reply_markup"])
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMsgLocked(chatID, msgID)
	if m == nil {
		return badRequest("message to edit not found")
	}
	if !m.fromBot {
		return badRequest("message can't be edited")
	}
	cur, curEnts := &m.msg.Text, &m.msg.Entities
	if caption {
		cur, curEnts = &m.msg.Caption, &m.msg.CaptionEntities
		if len(m.msg.Photo) == 0 && m.msg.Document == nil {
			return badRequest("there is no caption in the message to edit")
		}
	} else if m.msg.Text == "" {
		return badRequest("there is no text in the message to edit")
	}
	if *cur == plain && bytes.Equal(mustJSON(*curEnts), mustJSON(ents)) && m.markupKey == key {
		return badRequest(notModified)
	}
	// Like Telegram, an edit without reply_markup removes the inline keyboard.
	*cur, *curEnts, m.msg.ReplyMarkup = plain, ents, kb
	m.msg.EditDate = int(s.now().Unix())
	m.markupKey = key
	if caption {
		m.sent.Caption = p[field]
	} else {
		m.sent.Text = p[field]
	}
	m.sent.PlainText, m.sent.ParseMode = plain, p["parse_mode"]
	m.sent.RawReplyMarkup = p["reply_markup"]
	m.sent.Edits++
	s.broadcastLocked()
	return okReply(m.msg)
}

func (s *Server) editMessageReplyMarkup(_ *http.Request, _ *Call, req *request) reply {
	p := req.params
	chatID, bad := requireChat(p)
	if bad != nil {
		return *bad
	}
	msgID, bad := requireMessageID(p, "message to edit not found")
	if bad != nil {
		return *bad
	}
	kb, key, bad := parseReplyMarkup(p["reply_markup"])
	if bad != nil {
		return *bad
	}
	if kb == nil && p["reply_markup"] != "" {
		return badRequest("inline keyboard expected")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMsgLocked(chatID, msgID)
	switch {
	case m == nil:
		return badRequest("message to edit not found")
	case !m.fromBot:
		return badRequest("message can't be edited")
	case m.markupKey == key:
		return badRequest(notModified)
	}
	m.msg.ReplyMarkup = kb
	m.msg.EditDate = int(s.now().Unix())
	m.markupKey = key
	m.sent.RawReplyMarkup = p["reply_markup"]
	m.sent.Edits++
	s.broadcastLocked()
	return okReply(m.msg)
}

func (s *Server) deleteMessage(_ *http.Request, _ *Call, req *request) reply {
	p := req.params
	chatID, bad := requireChat(p)
	if bad != nil {
		return *bad
	}
	msgID, bad := requireMessageID(p, "message to delete not found")
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMsgLocked(chatID, msgID)
	if m == nil {
		return badRequest("message to delete not found")
	}
	m.deleted = true
	if m.sent != nil {
		m.sent.Deleted = true
	}
	s.broadcastLocked()
	return okReply(true)
}

func (s *Server) answerCallbackQuery(_ *http.Request, _ *Call, req *request) reply {
	id := req.params["callback_query_id"]
	if id == "" {
		return badRequest(`parameter "callback_query_id" is required`)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[id]
	if cb == nil || cb.answered {
		return badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	cb.answered = true
	s.broadcastLocked()
	return okReply(true)
}
