package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// WaitTimeout is how long [Server.Wait] waits before it fails the test.
const WaitTimeout = 20 * time.Second

// methods are the Web API methods the server answers.
var methods = []string{"auth.test", "apps.connections.open", "conversations.info", "conversations.members",
	"conversations.history", "conversations.replies", "conversations.open", "users.info", "chat.postMessage", "chat.postEphemeral", "chat.update",
	"files.getUploadURLExternal", "files.completeUploadExternal", "views.publish", "views.open", "views.push"}

// Call is one request the server received.
type Call struct {
	// Method is the Web API method, "upload" for the bytes sent to an upload
	// URL, or "response_url" for a post to a command's response URL.
	Method string
	// Form holds the form fields and the URL query; a JSON body is kept
	// whole under "json".
	Form   url.Values
	File   []byte // upload: the file's bytes
	FileID string // upload: the file id at the end of the upload URL
	TS     string // chat.postMessage: the ts given to the message
	Status int    // HTTP status answered
	Failed bool   // answered by an injected fault
}

// Fault is an injected failure: an HTTP status with headers, or, with
// SlackOK, a Slack error code answered as 200 {"ok":false,"error":Code}.
type Fault struct {
	Status  int
	Header  map[string]string
	SlackOK bool
	Code    string
}

// Server is a fake Slack: Web API and Socket Mode.
type Server struct {
	srv *slacktest.Server

	mu       sync.Mutex
	calls    []Call
	acks     map[string]bool
	ackBody  map[string]json.RawMessage // envelope id -> the ack's payload, when it had one
	faults   map[string][]Fault         // per method, one used per call
	down     int                        // the next down calls of any method get 503
	messages map[string]json.RawMessage
	posts    []post // every message posted or shared, in order, as history and replies list them
	members  map[string][]string
	names    map[string]string // file id → file name, from files.getUploadURLExternal
	absent   map[string]bool   // channels the bot is not a member of
	seq      int
	changed  chan struct{}

	badBotToken, badAppToken bool
}

// New starts a server that stops when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{acks: map[string]bool{}, ackBody: map[string]json.RawMessage{}, faults: map[string][]Fault{}, messages: map[string]json.RawMessage{},
		members: map[string][]string{}, names: map[string]string{}, absent: map[string]bool{}, changed: make(chan struct{}, 1)}
	s.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		for _, m := range methods {
			c.Handle("/"+m, s.handler(m))
		}
		c.Handle("/upload/", s.handler("upload"))
		c.Handle("/response/", s.handler("response_url"))
	})
	s.srv.Start()
	done := make(chan struct{})
	go func() {
		// Everything the client writes on the WebSocket comes out of
		// SeenFeed, an unbuffered channel: drain it, keep the acks.
		for {
			select {
			case <-done:
				return
			case m := <-s.srv.SeenFeed:
				var ack struct {
					EnvelopeID string          `json:"envelope_id"`
					Payload    json.RawMessage `json:"payload"`
				}
				if json.Unmarshal([]byte(m), &ack) == nil && ack.EnvelopeID != "" {
					s.mu.Lock()
					s.acks[ack.EnvelopeID] = true
					if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
						s.ackBody[ack.EnvelopeID] = ack.Payload
					}
					s.mu.Unlock()
					s.Notify()
				}
			}
		}
	}()
	tb.Cleanup(func() { close(done); s.srv.Stop() })
	return s
}

// APIURL is the Web API's base URL; it ends with a slash.
func (s *Server) APIURL() string { return s.srv.GetAPIURL() }

// Notify wakes [Server.Wait]. The server calls it on every call and ack;
// call it when something else a condition reads has changed.
func (s *Server) Notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Wait returns once cond holds, or fails the test after [WaitTimeout].
func (s *Server) Wait(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.NewTimer(WaitTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond) // in case a change was not notified
	defer tick.Stop()
	for !cond() {
		select {
		case <-s.changed:
		case <-tick.C:
		case <-deadline.C:
			tb.Fatalf("timed out waiting for %s; Slack received: %s", what, s.Methods())
		}
	}
}

// WaitCall waits for a successful call of method that match accepts, and
// returns the first one.
func (s *Server) WaitCall(tb testing.TB, what, method string, match func(Call) bool) Call {
	tb.Helper()
	var found Call
	s.Wait(tb, what, func() bool {
		for _, c := range s.OK(method) {
			if match(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// Fail queues faults for method: each answers one of its next calls.
func (s *Server) Fail(method string, faults ...Fault) {
	s.mu.Lock()
	s.faults[method] = append(s.faults[method], faults...)
	s.mu.Unlock()
}

// SetDown makes the next n calls, whatever their method, answer 503.
func (s *Server) SetDown(n int) {
	s.mu.Lock()
	s.down = n
	s.mu.Unlock()
}

// SetBadTokens makes auth.test (bot) or apps.connections.open (app) answer
// invalid_auth.
func (s *Server) SetBadTokens(bot, app bool) {
	s.mu.Lock()
	s.badBotToken, s.badAppToken = bot, app
	s.mu.Unlock()
}

// SetMembers sets what conversations.members answers for channel.
func (s *Server) SetMembers(channel string, ids ...string) {
	s.mu.Lock()
	s.members[channel] = ids
	s.mu.Unlock()
}

// AckPayload is the payload the bot sent with its acknowledgement of an
// envelope (a form's errors), nil when none.
func (s *Server) AckPayload(envelope string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ackBody[envelope]
}

// SetAbsent makes the bot a non-member of channel: conversations.info says
// so, and posts and file shares there fail with not_in_channel.
func (s *Server) SetAbsent(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.absent[channel] = true
}

// Calls returns every call so far, failed ones included, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// OK returns the calls of method that no fault answered, in order; those of
// every method if method is "".
func (s *Server) OK(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if !c.Failed && (method == "" || c.Method == method) {
			out = append(out, c)
		}
	}
	return out
}

// Failed counts the calls of method a fault answered; of every method if
// method is "".
func (s *Server) Failed(method string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Failed && (method == "" || c.Method == method) {
			n++
		}
	}
	return n
}

// Methods lists the calls' methods, a failed one with its status, for
// error messages.
func (s *Server) Methods() string {
	var ms []string
	for _, c := range s.Calls() {
		m := c.Method
		if c.Failed {
			m += fmt.Sprintf("(%d)", c.Status)
		}
		ms = append(ms, m)
	}
	return strings.Join(ms, ", ")
}

// Acked reports whether the client acknowledged a Socket Mode envelope.
func (s *Server) Acked(envelope string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks[envelope]
}

// Push sends a Socket Mode envelope to the connected client. slacktest
// writes each from its own goroutine: envelopes pushed in a row may arrive
// in any order.
func (s *Server) Push(typ, envelope string, payload any) {
	b, err := json.Marshal(map[string]any{"type": typ, "envelope_id": envelope, "payload": payload,
		"accepts_response_payload": typ != "events_api"})
	if err != nil {
		panic(fmt.Sprintf("slackfake: envelope %s: %v", envelope, err))
	}
	s.srv.SendToWebsocket(string(b))
}

func (s *Server) handler(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := Call{Method: method, Status: http.StatusOK}
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
			c.FileID = path.Base(r.URL.Path)
		} else {
			body, _ := io.ReadAll(r.Body)
			if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				c.Form = url.Values{"json": {string(body)}}
			} else {
				c.Form, _ = url.ParseQuery(string(body))
			}
			for k, vs := range r.URL.Query() {
				c.Form[k] = append(c.Form[k], vs...)
			}
		}
		defer s.Notify()
		s.mu.Lock()
		var ft *Fault
		if s.down > 0 {
			s.down--
			ft = &Fault{Status: http.StatusServiceUnavailable}
		} else if q := s.faults[method]; len(q) > 0 {
			ft, s.faults[method] = &q[0], q[1:]
		}
		if ft != nil {
			c.Failed = true
			if !ft.SlackOK {
				c.Status = ft.Status
			}
			s.calls = append(s.calls, c)
			s.mu.Unlock()
			for k, v := range ft.Header {
				w.Header().Set(k, v)
			}
			if ft.SlackOK {
				writeJSON(w, map[string]any{"ok": false, "error": ft.Code})
			} else {
				w.WriteHeader(ft.Status)
				fmt.Fprint(w, "<html>Slack is down</html>")
			}
			return
		}
		resp := s.respond(&c)
		s.calls = append(s.calls, c)
		s.mu.Unlock()
		if resp == nil {
			fmt.Fprint(w, "OK")
			return
		}
		writeJSON(w, resp)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// respond answers a call as Slack would; s.mu is held.
func (s *Server) respond(c *Call) map[string]any {
	get := c.Form.Get
	switch c.Method {
	case "auth.test":
		if s.badBotToken {
			return map[string]any{"ok": false, "error": "invalid_auth"}
		}
		return map[string]any{"ok": true, "team_id": "T1", "user_id": "UBOT", "bot_id": "B1"}
	case "apps.connections.open":
		if s.badAppToken {
			return map[string]any{"ok": false, "error": "invalid_auth"}
		}
		return map[string]any{"ok": true, "url": s.srv.GetWSURL()}
	case "conversations.info":
		return map[string]any{"ok": true, "channel": map[string]any{"id": get("channel"), "is_member": !s.absent[get("channel")]}}
	case "conversations.open":
		return map[string]any{"ok": true, "channel": map[string]any{"id": "D" + get("users"), "is_im": true}}
	case "conversations.members":
		members := append([]string{}, s.members[get("channel")]...)
		return map[string]any{"ok": true, "members": members, "response_metadata": map[string]any{"next_cursor": ""}}
	case "users.info":
		return map[string]any{"ok": true, "user": map[string]any{"id": get("user"), "name": "nadia.b", "profile": map[string]any{"display_name": "Nadia"}}}
	case "chat.postMessage":
		if s.absent[get("channel")] {
			return map[string]any{"ok": false, "error": "not_in_channel"}
		}
		s.seq++
		c.TS = fmt.Sprintf("1700000000.%06d", s.seq)
		s.messages[get("channel")+":"+c.TS] = storedMessage(c.TS, get("text"), get("blocks"))
		p := post{channel: get("channel"), ts: c.TS, thread: get("thread_ts"), text: get("text")}
		if md := get("metadata"); md != "" {
			p.metadata = json.RawMessage(md)
		}
		s.posts = append(s.posts, p)
		return map[string]any{"ok": true, "channel": get("channel"), "ts": c.TS}
	case "chat.postEphemeral":
		s.seq++
		return map[string]any{"ok": true, "message_ts": fmt.Sprintf("1700000000.%06d", s.seq)}
	case "chat.update":
		key := get("channel") + ":" + get("ts")
		if _, ok := s.messages[key]; !ok {
			return map[string]any{"ok": false, "error": "message_not_found"}
		}
		s.messages[key] = storedMessage(get("ts"), get("text"), get("blocks"))
		return map[string]any{"ok": true, "channel": get("channel"), "ts": get("ts"), "text": get("text")}
	case "conversations.history":
		msgs := []json.RawMessage{}
		if get("latest") != "" && get("latest") == get("oldest") {
			if m, ok := s.messages[get("channel")+":"+get("latest")]; ok {
				msgs = append(msgs, m)
			}
			return map[string]any{"ok": true, "messages": msgs}
		}
		// Newest first, top-level messages only, since oldest.
		for i := len(s.posts) - 1; i >= 0; i-- {
			p := s.posts[i]
			if p.channel == get("channel") && p.thread == "" && p.ts >= get("oldest") {
				msgs = append(msgs, p.json(get("include_all_metadata") == "1"))
			}
		}
		return map[string]any{"ok": true, "messages": msgs, "has_more": false}
	case "conversations.replies":
		msgs := []json.RawMessage{}
		for _, p := range s.posts {
			if p.channel == get("channel") && (p.ts == get("ts") || p.thread == get("ts")) {
				msgs = append(msgs, p.json(get("include_all_metadata") == "1"))
			}
		}
		return map[string]any{"ok": true, "messages": msgs, "has_more": false}
	case "views.publish", "views.open", "views.push":
		return map[string]any{"ok": true, "view": map[string]any{"id": fmt.Sprintf("V%d", s.seq)}}
	case "files.getUploadURLExternal":
		s.seq++
		id := fmt.Sprintf("F%d", s.seq)
		s.names[id] = get("filename")
		return map[string]any{"ok": true, "upload_url": s.srv.GetAPIURL() + "upload/" + id, "file_id": id}
	case "files.completeUploadExternal":
		if s.absent[get("channel_id")] {
			return map[string]any{"ok": false, "error": "not_in_channel"}
		}
		var files []map[string]string
		_ = json.Unmarshal([]byte(get("files")), &files)
		if ch := get("channel_id"); ch != "" {
			// Shared in a channel: a message with the files, named by the
			// title the upload gave (the client sends the file name as
			// the title when none is set).
			s.seq++
			p := post{channel: ch, ts: fmt.Sprintf("1700000000.%06d", s.seq), thread: get("thread_ts"), text: get("initial_comment")}
			for _, f := range files {
				p.files = append(p.files, map[string]string{"id": f["id"], "name": s.names[f["id"]], "title": f["title"]})
			}
			s.posts = append(s.posts, p)
		}
		return map[string]any{"ok": true, "files": files}
	}
	return nil // upload, response_url: plain "OK"
}

// storedMessage is a message as conversations.history returns it.
func storedMessage(ts, text, blocks string) json.RawMessage {
	m := map[string]any{"type": "message", "ts": ts, "text": text}
	if blocks != "" {
		m["blocks"] = json.RawMessage(blocks)
	}
	b, _ := json.Marshal(m)
	return b
}

// post is a message in a channel or thread, as history and replies list it.
type post struct {
	channel, ts, thread, text string
	metadata                  json.RawMessage
	files                     []map[string]string
}

func (p post) json(withMetadata bool) json.RawMessage {
	m := map[string]any{"type": "message", "ts": p.ts, "text": p.text}
	if p.thread != "" {
		m["thread_ts"] = p.thread
	}
	if withMetadata && len(p.metadata) > 0 {
		m["metadata"] = p.metadata
	}
	if len(p.files) > 0 {
		m["files"] = p.files
	}
	b, _ := json.Marshal(m)
	return b
}
