package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack/slacktest"
)

// call is one request the fake Slack received.
type call struct {
	Method string
	Form   url.Values
	File   []byte // the upload's bytes
}

// fault is an injected failure: an HTTP status with headers, or a Slack
// error code answered with 200 {"ok":false}.
type fault struct {
	Status  int
	Header  map[string]string
	SlackOK bool   // answer 200 with {"ok":false,"error":Code}
	Code    string // Slack error code
}

// fakeSlack is slacktest with handlers that record what diagbot sends, keep
// posted messages for conversations.history, and fail on demand.
type fakeSlack struct {
	t   *testing.T
	srv *slacktest.Server

	mu       sync.Mutex
	calls    []call // successful calls, in order
	failures int    // calls answered with a fault
	acks     []string
	faults   map[string][]fault // per method, used one per call
	down     int                // the next down calls of any method get 503
	messages map[string]json.RawMessage
	members  map[string][]string
	seq      int
	changed  chan struct{}

	badBotToken, badAppToken bool
}

func newFakeSlack(t *testing.T) *fakeSlack {
	t.Helper()
	f := &fakeSlack{t: t, faults: map[string][]fault{}, messages: map[string]json.RawMessage{}, members: map[string][]string{}, changed: make(chan struct{}, 1)}
	methods := []string{"chat.postMessage", "chat.postEphemeral", "chat.update", "conversations.history", "conversations.members",
		"conversations.info", "users.info", "auth.test", "apps.connections.open",
		"files.getUploadURLExternal", "files.completeUploadExternal"}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		for _, m := range methods {
			c.Handle("/"+m, f.handler(m))
		}
		c.Handle("/upload/", f.handler("upload"))
		c.Handle("/response/", f.handler("response_url"))
	})
	f.srv.Start()
	done := make(chan struct{})
	go func() { // acks arrive on SeenFeed, an unbuffered channel
		for {
			select {
			case <-done:
				return
			case m := <-f.srv.SeenFeed:
				var ack struct {
					EnvelopeID string `json:"envelope_id"`
				}
				if json.Unmarshal([]byte(m), &ack) == nil && ack.EnvelopeID != "" {
					f.mu.Lock()
					f.acks = append(f.acks, ack.EnvelopeID)
					f.mu.Unlock()
					f.signal()
				}
			}
		}
	}()
	t.Cleanup(func() { close(done); f.srv.Stop() })
	return f
}

func (f *fakeSlack) apiURL() string { return f.srv.GetAPIURL() }

func (f *fakeSlack) signal() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// wait polls cond at every change until it holds or a generous deadline.
func (f *fakeSlack) wait(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-f.changed:
		case <-deadline.C:
			f.t.Fatalf("timed out waiting for %s; calls: %s", what, f.methods())
		}
	}
}

func (f *fakeSlack) fail(method string, fs ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[method] = append(f.faults[method], fs...)
}

func (f *fakeSlack) setDown(n int) {
	f.mu.Lock()
	f.down = n
	f.mu.Unlock()
}

func (f *fakeSlack) setBadTokens(bot, app bool) {
	f.mu.Lock()
	f.badBotToken, f.badAppToken = bot, app
	f.mu.Unlock()
}

func (f *fakeSlack) setMembers(channel string, ids ...string) {
	f.mu.Lock()
	f.members[channel] = ids
	f.mu.Unlock()
}

func (f *fakeSlack) callsOf(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeSlack) allCalls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fakeSlack) methods() string {
	var ms []string
	for _, c := range f.allCalls() {
		ms = append(ms, c.Method)
	}
	return strings.Join(ms, ", ")
}

func (f *fakeSlack) acked(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.acks {
		if a == id {
			return true
		}
	}
	return false
}

// push sends a Socket Mode envelope to the connected client.
func (f *fakeSlack) push(typ, envelope string, payload any) {
	f.t.Helper()
	b, err := json.Marshal(map[string]any{"type": typ, "envelope_id": envelope, "payload": payload, "accepts_response_payload": typ != "events_api"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.srv.SendToWebsocket(string(b))
}

func (f *fakeSlack) handler(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := call{Method: method}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			if err := r.ParseMultipartForm(32 << 20); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			file, _, err := r.FormFile("file")
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			c.File, _ = io.ReadAll(file)
			c.Form = r.MultipartForm.Value
		} else {
			body, _ := io.ReadAll(r.Body)
			c.Form, _ = url.ParseQuery(string(body))
			if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				c.Form = url.Values{"json": {string(body)}}
			}
		}
		f.mu.Lock()
		var ft *fault
		if f.down > 0 {
			f.down--
			ft = &fault{Status: http.StatusServiceUnavailable}
		} else if q := f.faults[method]; len(q) > 0 {
			ft, f.faults[method] = &q[0], q[1:]
		}
		if ft != nil {
			f.failures++
			f.mu.Unlock()
			for k, v := range ft.Header {
				w.Header().Set(k, v)
			}
			if ft.SlackOK {
				writeJSON(w, map[string]any{"ok": false, "error": ft.Code})
			} else {
				w.WriteHeader(ft.Status)
				fmt.Fprint(w, "<html>unavailable</html>")
			}
			f.signal()
			return
		}
		resp := f.respond(&c)
		f.calls = append(f.calls, c)
		f.mu.Unlock()
		if resp == nil {
			fmt.Fprint(w, "OK")
		} else {
			writeJSON(w, resp)
		}
		f.signal()
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// respond answers a call; f.mu is held.
func (f *fakeSlack) respond(c *call) map[string]any {
	ok := map[string]any{"ok": true}
	get := c.Form.Get
	switch c.Method {
	case "auth.test":
		if f.badBotToken {
			return map[string]any{"ok": false, "error": "invalid_auth"}
		}
		return map[string]any{"ok": true, "team_id": "T1", "user_id": "UBOT", "bot_id": "B1"}
	case "apps.connections.open":
		if f.badAppToken {
			return map[string]any{"ok": false, "error": "invalid_auth"}
		}
		return map[string]any{"ok": true, "url": f.srv.GetWSURL()}
	case "chat.postMessage":
		f.seq++
		ts := fmt.Sprintf("1700000000.%06d", f.seq)
		f.messages[get("channel")+":"+ts] = message(ts, get("text"), get("blocks"))
		return map[string]any{"ok": true, "channel": get("channel"), "ts": ts}
	case "chat.postEphemeral":
		f.seq++
		return map[string]any{"ok": true, "message_ts": fmt.Sprintf("1700000000.%06d", f.seq)}
	case "chat.update":
		key := get("channel") + ":" + get("ts")
		if _, found := f.messages[key]; !found {
			return map[string]any{"ok": false, "error": "message_not_found"}
		}
		f.messages[key] = message(get("ts"), get("text"), get("blocks"))
		return map[string]any{"ok": true, "channel": get("channel"), "ts": get("ts"), "text": get("text")}
	case "conversations.history":
		var msgs []json.RawMessage
		if m, found := f.messages[get("channel")+":"+get("latest")]; found {
			msgs = append(msgs, m)
		}
		return map[string]any{"ok": true, "messages": msgs}
	case "conversations.members":
		return map[string]any{"ok": true, "members": f.members[get("channel")], "response_metadata": map[string]any{"next_cursor": ""}}
	case "conversations.info":
		return map[string]any{"ok": true, "channel": map[string]any{"id": get("channel"), "is_member": true}}
	case "users.info":
		return map[string]any{"ok": true, "user": map[string]any{"id": get("user"), "name": "nadia.b", "profile": map[string]any{"display_name": "Nadia"}}}
	case "files.getUploadURLExternal":
		f.seq++
		id := fmt.Sprintf("F%d", f.seq)
		return map[string]any{"ok": true, "upload_url": f.srv.GetAPIURL() + "upload/" + id, "file_id": id}
	case "files.completeUploadExternal":
		var files []map[string]string
		_ = json.Unmarshal([]byte(get("files")), &files)
		return map[string]any{"ok": true, "files": files}
	case "upload", "response_url":
		return nil
	}
	return ok
}

// message is a stored message as conversations.history returns it.
func message(ts, text, blocks string) json.RawMessage {
	m := map[string]any{"type": "message", "ts": ts, "text": text}
	if blocks != "" {
		m["blocks"] = json.RawMessage(blocks)
	}
	b, _ := json.Marshal(m)
	return b
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testLog writes logs to the test output.
func testLog(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel)
}

// fakeHandler is the bot as the listener sees it.
type fakeHandler struct {
	mu         sync.Mutex
	commands   []Command
	actions    []AdvisorAction
	attempts   int // calls of Advisor, failed ones included
	threads    map[string]string
	reply      Reply
	commandErr error
	advisorErr int // the next advisorErr calls of Advisor fail
	f          *fakeSlack
}

func (h *fakeHandler) Command(ctx context.Context, c Command) (Reply, error) {
	h.mu.Lock()
	h.commands = append(h.commands, c)
	r, err := h.reply, h.commandErr
	h.mu.Unlock()
	h.f.signal()
	return r, err
}

func (h *fakeHandler) Advisor(ctx context.Context, a AdvisorAction) error {
	h.mu.Lock()
	defer h.f.signal()
	defer h.mu.Unlock()
	h.attempts++
	if h.advisorErr > 0 {
		h.advisorErr--
		return fmt.Errorf("inbox full")
	}
	h.actions = append(h.actions, a)
	return nil
}

func (h *fakeHandler) LearnerOfThread(ref string) (string, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.threads[ref]
	return l, ok, nil
}

// set changes the handler's answers while the listener runs.
func (h *fakeHandler) set(change func(*fakeHandler)) {
	h.mu.Lock()
	change(h)
	h.mu.Unlock()
}

func (h *fakeHandler) gotCommands() []Command {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Command(nil), h.commands...)
}

func (h *fakeHandler) gotActions() []AdvisorAction {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]AdvisorAction(nil), h.actions...)
}

func (h *fakeHandler) gotAttempts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.attempts
}
