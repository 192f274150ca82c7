package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif" // photo uploads are checked the way Telegram checks them: by decoding
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
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
	p := req.params
	chatID, bad := requireChat(p)
	if bad != nil {
		return *bad
	}
	msgID, bad := requireMessageID(p, "message to edit not found")
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
	m := s.findMsgLocked(chatID, msgID)
	switch {
	case m == nil:
		return badRequest("message to edit not found")
	case !m.fromBot:
		return badRequest("message can't be edited")
	case m.msg.Text == "":
		return badRequest("there is no text in the message to edit")
	case m.msg.Text == plain && bytes.Equal(mustJSON(m.msg.Entities), mustJSON(ents)) && m.markupKey == key:
		return badRequest(notModified)
	}
	// Like Telegram, an edit without reply_markup removes the inline keyboard.
	m.msg.Text, m.msg.Entities, m.msg.ReplyMarkup = plain, ents, kb
	m.msg.EditDate = int(s.now().Unix())
	m.markupKey = key
	m.sent.Text, m.sent.PlainText, m.sent.ParseMode = p["text"], plain, p["parse_mode"]
	m.sent.RawReplyMarkup = p["reply_markup"]
	m.sent.Edits++
	s.broadcastLocked()
	return okReply(m.msg)
}

// editMessageCaption changes the caption of a photo or document, as
// Telegram does; a text message has no caption to edit.
func (s *Server) editMessageCaption(_ *http.Request, _ *Call, req *request) reply {
	p := req.params
	chatID, bad := requireChat(p)
	if bad != nil {
		return *bad
	}
	msgID, bad := requireMessageID(p, "message to edit not found")
	if bad != nil {
		return *bad
	}
	caption, ents, desc := s.formatText(p["caption"], p["parse_mode"])
	if desc != "" {
		return badRequest(desc)
	}
	if utf8.RuneCountInString(caption) > maxCaptionRunes {
		return badRequest("message caption is too long")
	}
	kb, key, bad := parseReplyMarkup(p["reply_markup"])
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMsgLocked(chatID, msgID)
	switch {
	case m == nil:
		return badRequest("message to edit not found")
	case !m.fromBot:
		return badRequest("message can't be edited")
	case len(m.msg.Photo) == 0 && m.msg.Document == nil:
		return badRequest("there is no caption in the message to edit")
	case m.msg.Caption == caption && bytes.Equal(mustJSON(m.msg.CaptionEntities), mustJSON(ents)) && m.markupKey == key:
		return badRequest(notModified)
	}
	// Like Telegram, an edit without reply_markup removes the inline keyboard.
	m.msg.Caption, m.msg.CaptionEntities, m.msg.ReplyMarkup = caption, ents, kb
	m.msg.EditDate = int(s.now().Unix())
	m.markupKey = key
	m.sent.Caption, m.sent.PlainText, m.sent.ParseMode = p["caption"], caption, p["parse_mode"]
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

func (s *Server) sendPhoto(_ *http.Request, _ *Call, req *request) reply {
	return s.sendFile("photo", req)
}

func (s *Server) sendDocument(_ *http.Request, _ *Call, req *request) reply {
	return s.sendFile("document", req)
}

// fileKindName is how Telegram names file types in its errors.
var fileKindName = map[string]string{"photo": "Photo", "document": "Document"}

// sendFile implements sendPhoto and sendDocument: the file is either a part
// of the multipart body, or a string naming a file_id this server issued, an
// http(s) URL, or "attach://<part>".
func (s *Server) sendFile(kind string, req *request) reply {
	p := req.params
	chatID, bad := requireChat(p)
	if bad != nil {
		return *bad
	}
	var (
		data  []byte
		name  string
		ref   string
		known *storedFile
	)
	if b, ok := req.files[kind]; ok {
		data, name = b, req.fileNames[kind]
	} else if v := strings.TrimSpace(p[kind]); v != "" {
		if part, ok := strings.CutPrefix(v, "attach://"); ok {
			b, found := req.files[part]
			if !found {
				return badRequest("wrong file identifier/HTTP URL specified")
			}
			data, name = b, req.fileNames[part]
		} else if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			ref, name = v, path.Base(u.Path)
		} else {
			s.mu.Lock()
			f, ok := s.files[v]
			s.mu.Unlock()
			if !ok {
				return badRequest("wrong file identifier/HTTP URL specified")
			}
			if f.kind != kind {
				return badRequest(fmt.Sprintf("can't use file of type %s as %s", fileKindName[f.kind], fileKindName[kind]))
			}
			known, ref, data, name = &f, v, f.data, f.name
		}
	} else {
		return badRequest(fmt.Sprintf("there is no %s in the request", kind))
	}
	if ref == "" && len(data) == 0 {
		return badRequest("file must be non-empty")
	}
	var w, h int
	if kind == "photo" && data != nil {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return badRequest("IMAGE_PROCESS_FAILED")
		}
		w, h = cfg.Width, cfg.Height
		if w+h > 10000 || w > 20*h || h > 20*w {
			return badRequest("PHOTO_INVALID_DIMENSIONS")
		}
	}
	var (
		caption string
		capEnts []models.MessageEntity
	)
	if raw := p["caption"]; raw != "" {
		var desc string
		caption, capEnts, desc = s.formatText(raw, p["parse_mode"])
		if desc != "" {
			return badRequest(desc)
		}
		if utf8.RuneCountInString(caption) > maxCaptionRunes {
			return badRequest("message caption is too long")
		}
	}
	kb, key, bad := parseReplyMarkup(p["reply_markup"])
	if bad != nil {
		return *bad
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	fileID := ref
	f := storedFile{kind: kind, data: data, name: name, width: w, height: h}
	if known != nil {
		f = *known
	} else {
		s.fileSeq++
		fileID = fmt.Sprintf("tt-%s-%d", kind, s.fileSeq)
		f.uniqueID = fmt.Sprintf("ttu-%d", s.fileSeq)
		s.files[fileID] = f
	}
	msg := models.Message{Caption: caption, CaptionEntities: capEnts, ReplyMarkup: kb}
	sm := SentMessage{
		Method: "send" + fileKindName[kind], Caption: p["caption"], PlainText: caption,
		ParseMode: p["parse_mode"], RawReplyMarkup: p["reply_markup"], FileName: f.name,
	}
	if ref != "" {
		sm.FileRef = ref
	}
	switch kind {
	case "photo":
		msg.Photo = []models.PhotoSize{{
			FileID: fileID, FileUniqueID: f.uniqueID, Width: f.width, Height: f.height, FileSize: len(f.data),
		}}
		sm.Photo = bytes.Clone(f.data)
	default:
		mt := "application/octet-stream"
		if t := mime.TypeByExtension(path.Ext(f.name)); t != "" {
			mt, _, _ = strings.Cut(t, ";")
		}
		msg.Document = &models.Document{
			FileID: fileID, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: mt, FileSize: int64(len(f.data)),
		}
		sm.Document = bytes.Clone(f.data)
	}
	return okReply(s.deliverLocked(chatID, msg, sm, key))
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func (s *Server) sendChatAction(_ *http.Request, _ *Call, req *request) reply {
	if _, bad := requireChat(req.params); bad != nil {
		return *bad
	}
	if !chatActions[req.params["action"]] {
		return badRequest("wrong parameter action in request")
	}
	return okReply(true)
}

var commandRe = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// scopeKey names a BotCommandScope JSON object for the commands map.
func scopeKey(raw string) (string, bool) {
	if strings.TrimSpace(raw) == "" {
		return "default", true
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if json.Unmarshal([]byte(raw), &sc) != nil || sc.Type == "" {
		return "", false
	}
	key := sc.Type
	if len(sc.ChatID) > 0 {
		key += ":" + strings.Trim(string(sc.ChatID), `"`)
	}
	if sc.UserID != 0 {
		key += ":" + strconv.FormatInt(sc.UserID, 10)
	}
	return key, true
}

func (s *Server) setMyCommands(_ *http.Request, _ *Call, req *request) reply {
	p := req.params
	var cmds []models.BotCommand
	if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
		return badRequest("can't parse commands JSON object")
	}
	if len(cmds) > maxCommands {
		return badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, c := range cmds {
		if !commandRe.MatchString(c.Command) {
			return badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(c.Description)); n == 0 || n > 256 {
			return badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	scope, ok := scopeKey(p["scope"])
	if !ok {
		return badRequest("can't parse BotCommandScope JSON object")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := scope + "|" + p["language_code"]
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.broadcastLocked()
	return okReply(true)
}

func (s *Server) getMyCommands(_ *http.Request, _ *Call, req *request) reply {
	scope, ok := scopeKey(req.params["scope"])
	if !ok {
		return badRequest("can't parse BotCommandScope JSON object")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := slices.Clone(s.commands[scope+"|"+req.params["language_code"]])
	if cmds == nil {
		cmds = []models.BotCommand{}
	}
	return okReply(cmds)
}

func (s *Server) deleteMyCommands(_ *http.Request, _ *Call, req *request) reply {
	scope, ok := scopeKey(req.params["scope"])
	if !ok {
		return badRequest("can't parse BotCommandScope JSON object")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, scope+"|"+req.params["language_code"])
	s.broadcastLocked()
	return okReply(true)
}

func (s *Server) setMyDescription(_ *http.Request, _ *Call, req *request) reply {
	return s.setText(s.descr, req.params["description"], req.params["language_code"])
}

func (s *Server) setMyShortDescription(_ *http.Request, _ *Call, req *request) reply {
	return s.setText(s.shortDescr, req.params["short_description"], req.params["language_code"])
}

func (s *Server) setText(m map[string]string, text, lang string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if text == "" {
		delete(m, lang)
	} else {
		m[lang] = text
	}
	s.broadcastLocked()
	return okReply(true)
}

var secretTokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func parseBool(v string) bool {
	b, _ := strconv.ParseBool(v)
	return b
}

// setWebhook records the registration. Unlike Telegram it accepts plain
// http URLs on any port, so that a test can register an httptest server.
func (s *Server) setWebhook(_ *http.Request, _ *Call, req *request) reply {
	p := req.params
	raw := strings.TrimSpace(p["url"])
	if raw == "" {
		return s.removeWebhook(parseBool(p["drop_pending_updates"]))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return badRequest("bad webhook: invalid webhook URL specified")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := p["secret_token"]
	if secret != "" && !secretTokenRe.MatchString(secret) {
		return badRequest("secret token contains unallowed characters")
	}
	var allowed []string
	if a := p["allowed_updates"]; a != "" {
		if err := json.Unmarshal([]byte(a), &allowed); err != nil {
			return badRequest("can't parse allowed_updates JSON array")
		}
	}
	maxConn := 40
	if v := p["max_connections"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return badRequest("bad webhook: max_connections must be between 1 and 100")
		}
		maxConn = n
	}
	drop := parseBool(p["drop_pending_updates"])
	s.mu.Lock()
	defer s.mu.Unlock()
	if drop {
		s.updates = nil
	}
	if p["allowed_updates"] != "" {
		s.setAllowedLocked(allowed)
	}
	s.webhook = Webhook{URL: raw, SecretToken: secret, AllowedUpdates: allowed, MaxConnections: maxConn, DropPendingUpdates: drop}
	s.broadcastLocked()
	return okReplyDesc(true, "Webhook was set")
}

func (s *Server) deleteWebhook(_ *http.Request, _ *Call, req *request) reply {
	return s.removeWebhook(parseBool(req.params["drop_pending_updates"]))
}

func (s *Server) removeWebhook(drop bool) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	desc := "Webhook was deleted"
	if s.webhook.URL == "" {
		desc = "Webhook is already deleted"
	}
	if drop {
		s.updates = nil
	}
	s.webhook = Webhook{DropPendingUpdates: drop}
	s.broadcastLocked()
	return okReplyDesc(true, desc)
}

func (s *Server) getWebhookInfo(_ *http.Request, _ *Call, _ *request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := models.WebhookInfo{
		URL:                s.webhook.URL,
		PendingUpdateCount: len(s.updates),
		AllowedUpdates:     slices.Clone(s.webhook.AllowedUpdates),
	}
	if s.webhook.URL != "" {
		info.MaxConnections = s.webhook.MaxConnections
	}
	return okReply(info)
}
