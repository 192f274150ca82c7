package telegramtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// The bot's settings: its commands, descriptions and webhook.

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
