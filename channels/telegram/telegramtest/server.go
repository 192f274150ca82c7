package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// DefaultToken is the token a Server accepts unless [WithToken] says
// otherwise. It has the real "<bot id>:<secret>" shape because the client
// derives the bot id from the part before the colon.
const DefaultToken = "123456:TEST-token"

// maxBodyBytes bounds a request body; Telegram accepts uploads up to 50 MB.
const maxBodyBytes = 64 << 20

// Call is one HTTP request the server received, as the bot sent it.
//
// Params holds every non-file field: plain strings as sent, and complex fields
// (reply_markup, commands, allowed_updates, ...) as their JSON text, whatever
// the body encoding was. Files holds the bytes of each uploaded file part by
// field name. Treat both maps as read-only: they are shared with the server.
type Call struct {
	Method string // canonical name ("sendMessage") when known, else as requested
	Token  string // the token in the request path
	Params map[string]string
	Files  map[string][]byte
	ChatID int64     // chat_id, or the chat of the answered callback query; 0 if none
	At     time.Time // arrival time, from the server clock
	Status int       // HTTP status answered; 0 when no answer was sent (Drop, client gone)
	// Description is the error description sent with a failed answer.
	Description string
}

// Option configures a Server.
type Option func(*config)

type config struct {
	token       string
	clock       func() time.Time
	maxPollWait time.Duration
	bot         models.User
	lenientHTML bool
}

// WithClock makes the server read time from now instead of time.Now. It stamps
// Call.At, message dates and rate measurements, so tests of pacing can use a
// controlled clock. Real waits (long polls, Delay faults) still use real time.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock = now }
}

// WithToken changes the token the server accepts (default [DefaultToken]).
func WithToken(token string) Option {
	return func(c *config) { c.token = token }
}

// WithMaxPollWait caps how long a getUpdates long poll really waits when no
// update is pending (default 1 s). Bots ask for timeouts of tens of seconds;
// honouring them would make every idle test slow.
func WithMaxPollWait(d time.Duration) Option {
	return func(c *config) { c.maxPollWait = d }
}

// WithBotUser sets what getMe returns and the sender of the bot's messages.
func WithBotUser(u models.User) Option {
	return func(c *config) { c.bot = u }
}

// WithLenientHTML makes HTML parsing exactly Telegram's, which keeps a '&'
// that starts no known entity as a literal character. By default the server
// rejects it, because text that reaches Telegram with a bare '&' was not passed
// through html.EscapeString, and the next user input containing '<' or "&lt;"
// would then fail or be silently altered.
func WithLenientHTML() Option {
	return func(c *config) { c.lenientHTML = true }
}

// Server is a fake Telegram Bot API server backed by httptest.
type Server struct {
	cfg  config
	hs   *httptest.Server
	done chan struct{} // closed when the server shuts down, to end waits
	once sync.Once

	webhookClient *http.Client

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change

	calls    []Call
	faults   []*faultEntry
	handlers map[string]HandlerFunc

	chats     map[int64]*chatState
	users     map[int64]models.User
	files     map[string]storedFile
	fileSeq   int
	callbacks map[string]*callbackState
	cbSeq     int64

	updates      []models.Update // unconfirmed updates, in id order
	nextUpdateID int64
	allowed      map[string]bool // nil: Telegram's default set
	pollSeq      uint64          // bumped by each getUpdates, to end older polls

	commands   map[string][]models.BotCommand // key: scope + "|" + language
	descr      map[string]string
	shortDescr map[string]string
	webhook    Webhook
}

// NewServer starts a fake Bot API server. It is closed by tb.Cleanup; close
// the bot first (cancel its context) so that its polls do not fail noisily.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	cfg := config{
		token:       DefaultToken,
		clock:       time.Now,
		maxPollWait: time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.bot.ID == 0 {
		id, _ := strconv.ParseInt(strings.SplitN(cfg.token, ":", 2)[0], 10, 64)
		cfg.bot = models.User{
			ID:            id,
			IsBot:         true,
			FirstName:     "Diagbot Test",
			Username:      "diagbot_test_bot",
			CanJoinGroups: true,
		}
	}
	s := &Server{
		cfg:           cfg,
		done:          make(chan struct{}),
		webhookClient: &http.Client{Timeout: 30 * time.Second},
		changed:       make(chan struct{}),
		handlers:      map[string]HandlerFunc{},
		chats:         map[int64]*chatState{},
		users:         map[int64]models.User{},
		files:         map[string]storedFile{},
		callbacks:     map[string]*callbackState{},
		nextUpdateID:  1,
		commands:      map[string][]models.BotCommand{},
		descr:         map[string]string{},
		shortDescr:    map[string]string{},
	}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	tb.Cleanup(s.Close)
	return s
}

// URL is the base URL to give bot.WithServerURL.
func (s *Server) URL() string { return s.hs.URL }

// Token is the token the server accepts.
func (s *Server) Token() string { return s.cfg.token }

// BotUser is what getMe answers.
func (s *Server) BotUser() models.User { return s.cfg.bot }

// Close ends pending long polls and delays, then shuts the server down. It is
// idempotent; NewServer registers it with tb.Cleanup.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.hs.Close()
	})
}

func (s *Server) now() time.Time { return s.cfg.clock() }

// broadcastLocked wakes every waiter (WaitFor, long polls). Callers hold s.mu.
func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Calls returns every call received so far, in the order they were answered.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the calls to one method (case-insensitive), in order.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if strings.EqualFold(c.Method, method) {
			out = append(out, c)
		}
	}
	return out
}

// WaitFor blocks until cond holds for the calls recorded so far, or ctx ends.
// cond is evaluated once now and again after every change of server state, on
// a snapshot and outside the server lock, so it may call other Server methods.
func (s *Server) WaitFor(ctx context.Context, cond func(calls []Call) bool) error {
	for {
		s.mu.Lock()
		calls := slices.Clone(s.calls)
		ch := s.changed
		s.mu.Unlock()
		if cond(calls) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("telegramtest: condition not met after %d calls: %w", len(calls), ctx.Err())
		case <-ch:
		}
	}
}

// record appends a finished call and wakes waiters. It runs before the answer
// is written so that a client that has its answer always finds its call here.
func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.broadcastLocked()
}

// canonical spells the methods the server knows as the Bot API documents
// them; Telegram matches method names case-insensitively.
var canonical = func() map[string]string {
	m := map[string]string{}
	for _, name := range []string{
		"getMe", "getUpdates", "sendMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
		"deleteMessage", "answerCallbackQuery", "sendPhoto", "sendDocument", "sendChatAction",
		"setMyCommands", "getMyCommands", "deleteMyCommands", "setMyDescription",
		"setMyShortDescription", "setWebhook", "deleteWebhook", "getWebhookInfo",
	} {
		m[strings.ToLower(name)] = name
	}
	return m
}()

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	at := s.now()
	token, method, ok := splitPath(r.URL.Path)
	req, perr := parseRequest(r)
	if req == nil {
		req = &request{params: map[string]string{}}
	}
	if name, known := canonical[strings.ToLower(method)]; known {
		method = name
	}
	call := Call{
		Method: method,
		Token:  token,
		Params: req.params,
		Files:  req.files,
		ChatID: s.chatOf(method, req.params),
		At:     at,
	}
	var rep reply
	switch {
	case !ok:
		rep = errReply(http.StatusNotFound, "Not Found")
	case token != s.cfg.token:
		rep = errReply(http.StatusUnauthorized, "Unauthorized")
	case perr != nil:
		rep = badRequest("can't parse request: " + perr.Error())
	default:
		var answered bool
		rep, answered = s.dispatch(w, r, &call, req)
		if !answered {
			return
		}
	}
	call.Status, call.Description = rep.status, rep.desc
	s.record(call)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// dispatch applies faults, then an override handler, then the built-in
// method. answered is false when the call was already recorded and nothing
// must be written (dropped connection, client gone during a delay).
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, call *Call, req *request) (rep reply, answered bool) {
	if f, ok := s.takeFault(*call); ok {
		switch f.Kind {
		case Drop:
			call.Description = "telegramtest: connection dropped"
			s.record(*call)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return reply{}, false
				}
			}
			panic(http.ErrAbortHandler) // no hijacking: abort the response instead
		case Delay:
			t := time.NewTimer(f.D)
			defer t.Stop()
			select {
			case <-t.C:
			case <-s.done:
			case <-r.Context().Done():
				call.Description = "telegramtest: client gave up during delay"
				s.record(*call)
				return reply{}, false
			}
		case TooManyRequests:
			after := max(f.RetryAfter, 1)
			desc := fmt.Sprintf("Too Many Requests: retry after %d", after)
			return reply{status: http.StatusTooManyRequests, desc: desc, body: mustJSON(apiResponse{
				ErrorCode: http.StatusTooManyRequests, Description: desc,
				Parameters: &responseParams{RetryAfter: after},
			})}, true
		case Forbidden:
			return errReply(http.StatusForbidden, "Forbidden: bot was blocked by the user"), true
		case ServerError:
			return errReply(http.StatusInternalServerError, "Internal Server Error"), true
		}
	}
	s.mu.Lock()
	h := s.handlers[strings.ToLower(call.Method)]
	s.mu.Unlock()
	if h != nil {
		status, body := h(*call)
		return overrideReply(status, body), true
	}
	m, ok := builtins[call.Method]
	if !ok {
		return errReply(http.StatusNotFound, "Not Found"), true
	}
	rep = m(s, r, call, req)
	if rep.status == 0 {
		call.Description = "telegramtest: client gone before the answer"
		s.record(*call)
		return reply{}, false
	}
	return rep, true
}

// chatOf finds the chat a call concerns, for fault matching and rates.
func (s *Server) chatOf(method string, params map[string]string) int64 {
	if id, err := strconv.ParseInt(params["chat_id"], 10, 64); err == nil {
		return id
	}
	if strings.EqualFold(method, "answerCallbackQuery") {
		s.mu.Lock()
		defer s.mu.Unlock()
		if cb := s.callbacks[params["callback_query_id"]]; cb != nil {
			return cb.chatID
		}
	}
	return 0
}

// Commands returns the commands last set for the default scope and the given
// language ("" for the default language).
func (s *Server) Commands(lang string) []models.BotCommand {
	return s.ScopedCommands("default", lang)
}

// ScopedCommands returns the commands last set for a scope, named by its type
// ("default", "all_private_chats", ...; "chat:<id>" style scopes are keyed
// "<type>:<chat_id>") and language.
func (s *Server) ScopedCommands(scope, lang string) []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[scope+"|"+lang])
}

// Description returns what setMyDescription last set for a language.
func (s *Server) Description(lang string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.descr[lang]
}

// ShortDescription returns what setMyShortDescription last set for a language.
func (s *Server) ShortDescription(lang string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shortDescr[lang]
}

// Webhook describes the webhook the bot registered with setWebhook.
type Webhook struct {
	URL                string // "" when no webhook is set
	SecretToken        string
	AllowedUpdates     []string
	MaxConnections     int
	DropPendingUpdates bool // as asked by the last setWebhook or deleteWebhook
}

// Webhook returns the current webhook registration.
func (s *Server) Webhook() Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.webhook
	w.AllowedUpdates = slices.Clone(w.AllowedUpdates)
	return w
}

// SentMessage is a message the bot delivered to a chat, in its current state:
// edits replace text and keyboard, deletion sets Deleted.
type SentMessage struct {
	MessageID int
	Method    string // sendMessage, sendPhoto or sendDocument
	// Text is the message text exactly as the bot sent it (markup included);
	// PlainText is what the user reads once Telegram has parsed the markup:
	// the text, or the caption of a photo or document.
	Text      string
	PlainText string
	Caption   string // caption as sent, for photos and documents
	ParseMode string
	// ReplyMarkup is the inline keyboard, nil when there is none (reply
	// keyboards and keyboard removal are only in RawReplyMarkup).
	ReplyMarkup    *models.InlineKeyboardMarkup
	RawReplyMarkup string
	Photo          []byte // photo bytes, uploaded or resent by file_id
	Document       []byte
	FileName       string
	FileRef        string // file_id or URL the bot sent instead of bytes
	At             time.Time
	Edits          int
	Deleted        bool
}

// Sent returns the messages the bot delivered to a chat, oldest first.
func (s *Server) Sent(chatID int64) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	if ch == nil {
		return nil
	}
	out := make([]SentMessage, 0, len(ch.sentOrder))
	for _, id := range ch.sentOrder {
		m := ch.msgs[id]
		sm := *m.sent
		sm.Photo = bytes.Clone(sm.Photo)
		sm.Document = bytes.Clone(sm.Document)
		if sm.RawReplyMarkup != "" {
			var kb models.InlineKeyboardMarkup
			var probe map[string]json.RawMessage
			if json.Unmarshal([]byte(sm.RawReplyMarkup), &probe) == nil && probe["inline_keyboard"] != nil &&
				json.Unmarshal([]byte(sm.RawReplyMarkup), &kb) == nil {
				sm.ReplyMarkup = &kb
			}
		}
		out = append(out, sm)
	}
	return out
}
