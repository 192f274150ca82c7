package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/diagbot/diagbot/channels/telegram"
	"github.com/diagbot/diagbot/channels/telegram/telegramtest"
	"github.com/diagbot/diagbot/dialog"
)

// The advisors' Slack workspace of the end-to-end test.
const (
	e2eRoom     = "CROOM"    // where the advisor creates the campaign: its notifications go there
	e2eDefault  = "CDEFAULT" // DIAGBOT_SLACK_CHANNEL
	e2eAdvisor  = "UADV1"
	e2eAdvisor2 = "UADV2"
	e2eOutsider = "UOTHER" // in the workspace, not an advisor
)

// slackCall is one request the fake Slack received.
type slackCall struct {
	Method string
	Form   url.Values
	File   []byte // upload: the file's bytes
	FileID string // upload: the file id in its URL
	TS     string // chat.postMessage: the ts Slack gave the message
	Status int    // HTTP status answered
}

func (c slackCall) ok() bool { return c.Status == http.StatusOK }

// e2eSlack is slacktest with handlers that record what diagbot sends, keep
// posted messages for conversations.history, acknowledge Socket Mode
// envelopes and fail a method on demand.
type e2eSlack struct {
	srv *slacktest.Server

	mu       sync.Mutex
	calls    []slackCall
	acks     map[string]bool
	down     map[string]int // method → how many next calls answer 503
	messages map[string]json.RawMessage
	seq      int
}

func newE2ESlack(t *testing.T) *e2eSlack {
	t.Helper()
	f := &e2eSlack{acks: map[string]bool{}, down: map[string]int{}, messages: map[string]json.RawMessage{}}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		for _, m := range []string{"auth.test", "apps.connections.open", "conversations.info", "conversations.members",
			"conversations.history", "users.info", "chat.postMessage", "chat.postEphemeral", "chat.update",
			"files.getUploadURLExternal", "files.completeUploadExternal"} {
			c.Handle("/"+m, f.handle(m))
		}
		c.Handle("/upload/", f.handle("upload"))
		c.Handle("/response/", f.handle("response_url"))
	})
	f.srv.Start()
	done := make(chan struct{})
	go func() {
		// Everything the client writes on the WebSocket comes out of
		// SeenFeed, an unbuffered channel: drain it, keep the acks.
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
					f.acks[ack.EnvelopeID] = true
					f.mu.Unlock()
				}
			}
		}
	}()
	t.Cleanup(func() { close(done); f.srv.Stop() })
	return f
}

// apiURL is what DIAGBOT_SLACK_API_URL would hold (it ends with a slash).
func (f *e2eSlack) apiURL() string { return f.srv.GetAPIURL() }

// fail makes the next n calls of method answer 503.
func (f *e2eSlack) fail(method string, n int) {
	f.mu.Lock()
	f.down[method] += n
	f.mu.Unlock()
}

func (f *e2eSlack) handle(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := slackCall{Method: method, Status: http.StatusOK}
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
		f.mu.Lock()
		if f.down[method] > 0 {
			f.down[method]--
			c.Status = http.StatusServiceUnavailable
			f.calls = append(f.calls, c)
			f.mu.Unlock()
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "<html>Slack is down</html>")
			return
		}
		resp := f.respond(&c)
		f.calls = append(f.calls, c)
		f.mu.Unlock()
		if resp == nil {
			fmt.Fprint(w, "OK")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}
}

// respond answers a call as Slack would; f.mu is held.
func (f *e2eSlack) respond(c *slackCall) map[string]any {
	get := c.Form.Get
	switch c.Method {
	case "auth.test":
		return map[string]any{"ok": true, "team_id": "T1", "user_id": "UBOT", "bot_id": "B1"}
	case "apps.connections.open":
		return map[string]any{"ok": true, "url": f.srv.GetWSURL()}
	case "conversations.info":
		return map[string]any{"ok": true, "channel": map[string]any{"id": get("channel"), "is_member": true}}
	case "conversations.members":
		return map[string]any{"ok": true, "members": []string{}, "response_metadata": map[string]any{"next_cursor": ""}}
	case "users.info":
		return map[string]any{"ok": true, "user": map[string]any{"id": get("user"), "name": "nadia.b", "profile": map[string]any{"display_name": "Nadia"}}}
	case "chat.postMessage":
		f.seq++
		ts := fmt.Sprintf("1700000000.%06d", f.seq)
		c.TS = ts
		f.messages[get("channel")+":"+ts] = storedMessage(ts, get("text"), get("blocks"))
		return map[string]any{"ok": true, "channel": get("channel"), "ts": ts}
	case "chat.postEphemeral":
		f.seq++
		return map[string]any{"ok": true, "message_ts": fmt.Sprintf("1700000000.%06d", f.seq)}
	case "chat.update":
		key := get("channel") + ":" + get("ts")
		if _, ok := f.messages[key]; !ok {
			return map[string]any{"ok": false, "error": "message_not_found"}
		}
		f.messages[key] = storedMessage(get("ts"), get("text"), get("blocks"))
		return map[string]any{"ok": true, "channel": get("channel"), "ts": get("ts"), "text": get("text")}
	case "conversations.history":
		msgs := []json.RawMessage{}
		if m, ok := f.messages[get("channel")+":"+get("latest")]; ok {
			msgs = append(msgs, m)
		}
		return map[string]any{"ok": true, "messages": msgs}
	case "files.getUploadURLExternal":
		f.seq++
		id := fmt.Sprintf("F%d", f.seq)
		return map[string]any{"ok": true, "upload_url": f.srv.GetAPIURL() + "upload/" + id, "file_id": id}
	case "files.completeUploadExternal":
		var files []map[string]string
		_ = json.Unmarshal([]byte(get("files")), &files)
		return map[string]any{"ok": true, "files": files}
	}
	return nil // upload, response_url: plain "OK"
}

func storedMessage(ts, text, blocks string) json.RawMessage {
	m := map[string]any{"type": "message", "ts": ts, "text": text}
	if blocks != "" {
		m["blocks"] = json.RawMessage(blocks)
	}
	b, _ := json.Marshal(m)
	return b
}

// all returns the calls so far, failed ones included.
func (f *e2eSlack) all() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackCall(nil), f.calls...)
}

// ok returns the successful calls of method, in order.
func (f *e2eSlack) ok(method string) []slackCall {
	var out []slackCall
	for _, c := range f.all() {
		if c.Method == method && c.ok() {
			out = append(out, c)
		}
	}
	return out
}

func (f *e2eSlack) failed(method string) int {
	n := 0
	for _, c := range f.all() {
		if c.Method == method && !c.ok() {
			n++
		}
	}
	return n
}

func (f *e2eSlack) acked(envelope string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.acks[envelope]
}

// until polls cond until it holds, or fails the test after a deadline.
func (f *e2eSlack) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			var ms []string
			for _, c := range f.all() {
				s := c.Method
				if !c.ok() {
					s += fmt.Sprintf("(%d)", c.Status)
				}
				ms = append(ms, s)
			}
			t.Fatalf("timed out waiting for %s; Slack received: %s", what, strings.Join(ms, ", "))
		}
		<-tick.C
	}
}

// waitCall waits for a successful call of method that match accepts, and
// returns the first one.
func (f *e2eSlack) waitCall(t *testing.T, what, method string, match func(c slackCall) bool) slackCall {
	t.Helper()
	var found slackCall
	f.until(t, what, func() bool {
		for _, c := range f.ok(method) {
			if match(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// upload returns the bytes uploaded for a files.completeUploadExternal call.
func (f *e2eSlack) upload(t *testing.T, complete slackCall) (id, title string, data []byte) {
	t.Helper()
	var files []struct{ ID, Title string }
	if err := json.Unmarshal([]byte(complete.Form.Get("files")), &files); err != nil || len(files) != 1 {
		t.Fatalf("files.completeUploadExternal files=%q: %v", complete.Form.Get("files"), err)
	}
	for _, c := range f.ok("upload") {
		if c.FileID == files[0].ID {
			return files[0].ID, files[0].Title, c.File
		}
	}
	t.Fatalf("file %s shared but never uploaded", files[0].ID)
	return "", "", nil
}

// push sends a Socket Mode envelope and waits until diagbot acknowledges
// it (for a button or a thread reply: once it is in the inbox). One at a
// time: slacktest writes each from its own goroutine, in no set order.
func (f *e2eSlack) push(t *testing.T, typ, envelope string, payload any) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": typ, "envelope_id": envelope, "payload": payload, "accepts_response_payload": typ != "events_api"})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.SendToWebsocket(string(b))
	f.until(t, "the ack of "+envelope, func() bool { return f.acked(envelope) })
}

func (f *e2eSlack) command(t *testing.T, envelope, user, channel, text string) {
	t.Helper()
	f.push(t, "slash_commands", envelope, map[string]any{
		"command": "/diagbot", "text": text, "user_id": user, "channel_id": channel, "team_id": "T1",
		"response_url": f.apiURL() + "response/" + envelope, "trigger_id": "tr-" + envelope,
	})
}

// button presses a button of a posted message; stamp is the press's
// action_ts, the same when Slack delivers a press again.
func (f *e2eSlack) button(t *testing.T, envelope, user, channel, ts, action, value, stamp string) {
	t.Helper()
	f.push(t, "interactive", envelope, map[string]any{
		"type": "block_actions", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": user},
		"channel":      map[string]any{"id": channel},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channel},
		"message":      map[string]any{"type": "message", "ts": ts},
		"response_url": f.apiURL() + "response/" + envelope, "trigger_id": "tr-" + envelope,
		"actions": []any{map[string]any{"action_id": action, "block_id": "help_actions", "type": "button",
			"value": value, "action_ts": stamp}},
	})
}

// reply writes in a message's thread.
func (f *e2eSlack) reply(t *testing.T, envelope, user, channel, threadTS, ts, text string) {
	t.Helper()
	f.push(t, "events_api", envelope, map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "Ev" + envelope, "event_time": 1700000200,
		"event": map[string]any{"type": "message", "channel": channel, "user": user, "text": text,
			"ts": ts, "thread_ts": threadTS, "channel_type": "channel"},
	})
}

// slackBlocks reads the blocks of a posted or updated message: all their
// texts, and the buttons' action ids with their values.
func slackBlocks(t *testing.T, raw string) (text string, buttons map[string]string) {
	t.Helper()
	var blocks []struct {
		Type     string `json:"type"`
		Text     *struct{ Text string }
		Elements []struct {
			Type     string `json:"type"`
			Text     json.RawMessage
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		}
	}
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		t.Fatalf("blocks %q: %v", raw, err)
	}
	var texts []string
	buttons = map[string]string{}
	for _, b := range blocks {
		if b.Text != nil {
			texts = append(texts, b.Text.Text)
		}
		for _, e := range b.Elements {
			switch e.Type {
			case "button":
				buttons[e.ActionID] = e.Value
			case "mrkdwn", "plain_text":
				var s string
				_ = json.Unmarshal(e.Text, &s)
				texts = append(texts, s)
			}
		}
	}
	return strings.Join(texts, "\n"), buttons
}

func validPNG(t *testing.T, what string, data []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s is not a valid PNG (%d bytes): %v", what, len(data), err)
		return
	}
	if img.Bounds().Dx() < 100 || img.Bounds().Dy() < 100 {
		t.Errorf("%s is a PNG of %v only", what, img.Bounds())
	}
}

// serveWithSlack runs diagbot with Telegram and Slack both faked.
func serveWithSlack(t *testing.T, tgs *telegramtest.Server, sl *e2eSlack) {
	t.Helper()
	serveWith(t, tgs, filepath.Join(t.TempDir(), "e2e.db"), func(cfg *runConfig) {
		cfg.slack = slackSettings{token: "xoxb-e2e", appToken: "xapp-e2e", apiURL: sl.apiURL(), channel: e2eDefault,
			advisors: e2eAdvisor + ", " + e2eAdvisor2}
	})
}

// e2eLearner is a young person on Telegram.
type e2eLearner struct {
	t        *testing.T
	tg       *telegramtest.Server
	chat     int64
	name     string
	answered map[int]bool // question messages answered
}

func (l *e2eLearner) id() string { return telegram.LearnerID(l.chat) }

// join sends /start CODE and accepts the privacy notice.
func (l *e2eLearner) join(code, campaign string) {
	l.t.Helper()
	l.tg.SendText(l.chat, l.name, "/start "+code)
	waitMessage(l.t, l.tg, l.chat, func(m telegramtest.SentMessage) bool {
		return strings.Contains(m.PlainText, "Vous rejoignez « "+campaign+" »")
	})
	consent := waitMessage(l.t, l.tg, l.chat, func(m telegramtest.SentMessage) bool {
		return strings.Contains(m.PlainText, "Avant de commencer") && len(buttons(m)) == 2
	})
	l.tg.PressButton(l.chat, int64(consent.MessageID), buttons(consent)[0].CallbackData)
}

func isQuestion(m telegramtest.SentMessage, n int) bool {
	return strings.Contains(m.Text+m.Caption, "Question "+itoa(n)+" ·") && m.ReplyMarkup != nil
}

// question waits for question n, unanswered, with its keyboard.
func (l *e2eLearner) question(n int) telegramtest.SentMessage {
	l.t.Helper()
	return waitMessage(l.t, l.tg, l.chat, func(m telegramtest.SentMessage) bool {
		return isQuestion(m, n) && !l.answered[m.MessageID]
	})
}

// answer answers a question: the first choice of a single choice, "Je ne
// sais pas" for the others.
func (l *e2eLearner) answer(q telegramtest.SentMessage) {
	l.t.Helper()
	bs := buttons(q)
	pick := -1
	for i, b := range bs {
		if strings.Contains(b.Text, "sais pas") {
			pick = i
		}
	}
	if !strings.Contains(q.Text+q.Caption, "Cochez toutes") && len(bs) >= 3 && !strings.Contains(bs[0].Text, "sais pas") {
		pick = 0
	}
	if pick < 0 {
		l.t.Fatalf("no button to answer %q: %+v", q.Text+q.Caption, bs)
	}
	l.answered[q.MessageID] = true
	l.tg.PressButton(l.chat, int64(q.MessageID), bs[pick].CallbackData)
}

// finish answers every question from question `from` until the end.
func (l *e2eLearner) finish(from int) {
	l.t.Helper()
	for n := from; ; n++ {
		if n > 12 {
			l.t.Fatal("the diagnostic of at most 4 questions did not end")
		}
		m := waitMessage(l.t, l.tg, l.chat, func(m telegramtest.SentMessage) bool {
			return (isQuestion(m, n) && !l.answered[m.MessageID]) || strings.Contains(m.PlainText, "c'est terminé")
		})
		if !isQuestion(m, n) {
			return
		}
		l.answer(m)
	}
}

// countSent counts the messages of a chat that contain s.
func countSent(tgs *telegramtest.Server, chat int64, s string) int {
	n := 0
	for _, m := range tgs.Sent(chat) {
		if strings.Contains(m.PlainText, s) {
			n++
		}
	}
	return n
}

var codeInReply = regexp.MustCompile(`code \*([A-Z]{6}[0-9]{3})\*`)

// TestSlackAdvisorsWithTelegramLearners runs diagbot with advisors in a fake
// Slack and learners in a fake Telegram, and checks what each side really
// received: a campaign created from Slack, a finished diagnostic shared with
// its chart, a help request claimed, answered in its thread and resolved, a
// refused outsider, an outage of Slack, stats and a learner's report.
func TestSlackAdvisorsWithTelegramLearners(t *testing.T) {
	t.Setenv(envBotUsername, "diagbot_test_bot")
	sl := newE2ESlack(t)
	tgs := telegramtest.NewServer(t)
	serveWithSlack(t, tgs, sl)
	newLearner := func(t *testing.T, chat int64, name string) *e2eLearner {
		return &e2eLearner{t: t, tg: tgs, chat: chat, name: name, answered: map[int]bool{}}
	}

	var code string
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"advisor creates a campaign", func(t *testing.T) {
			sl.command(t, "create", e2eAdvisor, e2eRoom, `campagne créer "Atelier mardi" 4.1 questions=4`)
			reply := sl.waitCall(t, "the campaign's reply", "chat.postMessage", func(c slackCall) bool {
				return c.Form.Get("channel") == e2eRoom && strings.Contains(c.Form.Get("text"), "Atelier mardi")
			})
			text := reply.Form.Get("text")
			m := codeInReply.FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("no campaign code in the reply %q", text)
			}
			code = m[1]
			if !strings.Contains(text, "https://t.me/diagbot_test_bot?start="+code) {
				t.Errorf("no deep link in the reply %q", text)
			}
			share := sl.waitCall(t, "the QR code", "files.completeUploadExternal", func(c slackCall) bool {
				return c.Form.Get("channel_id") == e2eRoom
			})
			_, title, data := sl.upload(t, share)
			if !strings.Contains(title, code) {
				t.Errorf("QR code titled %q", title)
			}
			validPNG(t, "the QR code", data)
		}},
		{"a learner finishes: the channel gets the results and the chart", func(t *testing.T) {
			lea := newLearner(t, 7001, "Léa")
			lea.join(code, "Atelier mardi")
			lea.finish(1)
			share := sl.waitCall(t, "the finished notification", "files.completeUploadExternal", func(c slackCall) bool {
				return strings.Contains(c.Form.Get("initial_comment"), "Diagnostic terminé")
			})
			comment := share.Form.Get("initial_comment")
			if share.Form.Get("channel_id") != e2eRoom {
				t.Errorf("finished notification in %q, want the campaign's channel %s", share.Form.Get("channel_id"), e2eRoom)
			}
			ref := dialog.LearnerRef(lea.id())
			for _, want := range []string{"Léa", code, "4.1", ref} {
				if !strings.Contains(comment, want) {
					t.Errorf("finished notification lacks %q:\n%s", want, comment)
				}
			}
			_, _, data := sl.upload(t, share)
			validPNG(t, "the finished chart", data)
			if n := len(sl.ok("files.completeUploadExternal")); n != 2 {
				t.Errorf("%d files shared, want the QR code and one chart", n)
			}
		}},
		{"help: claimed, answered in the thread, resolved", func(t *testing.T) {
			zoe := newLearner(t, 7002, "Zoé")
			zoe.join(code, "Atelier mardi")
			zoe.answer(zoe.question(1))
			q2 := zoe.question(2)
			tgs.SendText(zoe.chat, zoe.name, "/aide je ne comprends pas")
			waitMessage(t, tgs, zoe.chat, func(m telegramtest.SentMessage) bool { return strings.Contains(m.PlainText, "Besoin d'aide ?") })

			help := sl.waitCall(t, "the help notification", "chat.postMessage", func(c slackCall) bool {
				return strings.Contains(c.Form.Get("text"), "Demande d'aide de Zoé")
			})
			if help.Form.Get("channel") != e2eRoom || help.Form.Get("thread_ts") != "" {
				t.Errorf("help notification in %q (thread %q), want %s at top level", help.Form.Get("channel"), help.Form.Get("thread_ts"), e2eRoom)
			}
			text, bs := slackBlocks(t, help.Form.Get("blocks"))
			if !strings.Contains(text, "je ne comprends pas") || !strings.Contains(text, "Question 2") {
				t.Errorf("help notification blocks:\n%s", text)
			}
			claimValue := bs["claim"]
			if claimValue != zoe.id() {
				t.Fatalf("help notification buttons %v, want claim → %s", bs, zoe.id())
			}
			ts := help.TS

			// "Je m'en occupe": the message says who took it; the learner knows.
			sl.button(t, "claim", e2eAdvisor, e2eRoom, ts, "claim", claimValue, "1700000250.000001")
			claimed := sl.waitCall(t, "the claimed update", "chat.update", func(c slackCall) bool {
				return c.Form.Get("ts") == ts && strings.Contains(c.Form.Get("blocks"), "Pris en charge")
			})
			text, bs = slackBlocks(t, claimed.Form.Get("blocks"))
			if claimed.Form.Get("channel") != e2eRoom || !strings.Contains(text, "Pris en charge par <@"+e2eAdvisor+">") ||
				!strings.Contains(text, "je ne comprends pas") || bs["resolve"] != zoe.id() || bs["claim"] != "" {
				t.Errorf("claimed help request: buttons %v\n%s", bs, text)
			}
			waitMessage(t, tgs, zoe.chat, func(m telegramtest.SentMessage) bool { return strings.Contains(m.PlainText, "a vu votre demande") })
			// Slack delivers the press again (no ack seen in time): same
			// action, same stamp, so the same inbox key. Checked below.
			sl.button(t, "claim-again", e2eAdvisor, e2eRoom, ts, "claim", claimValue, "1700000250.000001")

			// The advisor answers in the thread: the learner reads it.
			sl.reply(t, "reply", e2eAdvisor, e2eRoom, ts, "1700000300.000001", "Regardez le cadenas &amp; dites-moi")
			waitMessage(t, tgs, zoe.chat, func(m telegramtest.SentMessage) bool {
				return strings.Contains(m.PlainText, "Votre conseiller·e : Regardez le cadenas & dites-moi")
			})

			// The learner writes back: it lands in the thread.
			tgs.SendText(zoe.chat, zoe.name, "merci, je regarde")
			waitMessage(t, tgs, zoe.chat, func(m telegramtest.SentMessage) bool { return strings.Contains(m.PlainText, "Message transmis") })
			back := sl.waitCall(t, "the learner's message in the thread", "chat.postMessage", func(c slackCall) bool {
				return strings.Contains(c.Form.Get("text"), "merci, je regarde")
			})
			if back.Form.Get("channel") != e2eRoom || back.Form.Get("thread_ts") != ts {
				t.Errorf("learner's message posted in %s thread %q, want %s thread %s", back.Form.Get("channel"), back.Form.Get("thread_ts"), e2eRoom, ts)
			}
			// The redelivered claim came before this message, in the same
			// queues: had it counted, its update and its Telegram message
			// would be here already.
			if n := len(sl.ok("chat.update")); n != 1 {
				t.Errorf("%d updates after one claim pressed twice, want 1", n)
			}
			if n := countSent(tgs, zoe.chat, "a vu votre demande"); n != 1 {
				t.Errorf("the learner was told %d times that the advisor saw the request", n)
			}

			// "Résolu": the message says so; the learner gets the question back.
			sl.button(t, "resolve", e2eAdvisor2, e2eRoom, ts, "resolve", bs["resolve"], "1700000400.000001")
			resolved := sl.waitCall(t, "the resolved update", "chat.update", func(c slackCall) bool {
				return c.Form.Get("ts") == ts && strings.Contains(c.Form.Get("blocks"), "Résolu par")
			})
			text, bs = slackBlocks(t, resolved.Form.Get("blocks"))
			if !strings.Contains(text, "Résolu par <@"+e2eAdvisor2+">") || len(bs) != 0 {
				t.Errorf("resolved help request: buttons %v\n%s", bs, text)
			}
			waitMessage(t, tgs, zoe.chat, func(m telegramtest.SentMessage) bool {
				return strings.Contains(m.PlainText, "a fermé la demande d'aide")
			})
			again := waitMessage(t, tgs, zoe.chat, func(m telegramtest.SentMessage) bool {
				return isQuestion(m, 2) && m.MessageID != q2.MessageID
			})
			zoe.answer(again)
			zoe.question(3)
			if n := len(sl.ok("chat.update")); n != 2 {
				t.Errorf("%d updates of help requests, want 2", n)
			}
		}},
		{"an outsider's command is refused", func(t *testing.T) {
			before := sl.all()
			sl.command(t, "outsider", e2eOutsider, e2eRoom, `campagne créer "Pirate"`)
			refusal := sl.waitCall(t, "the refusal", "chat.postEphemeral", func(c slackCall) bool { return c.Form.Get("user") == e2eOutsider })
			if refusal.Form.Get("channel") != e2eRoom || !strings.Contains(refusal.Form.Get("text"), "réservée aux conseiller·es") {
				t.Errorf("refusal: %v", refusal.Form)
			}
			// The refusal is the last thing the command does.
			after := sl.all()
			if len(after) != len(before)+1 {
				t.Errorf("the refused command made %d calls to Slack, want the refusal alone: %v", len(after)-len(before), after[len(before):])
			}
		}},
		{"Slack down, then back: queued notifications arrive once, in order", func(t *testing.T) {
			sam := newLearner(t, 7003, "Sam")
			sam.join(code, "Atelier mardi")
			sam.question(1)
			postsBefore := len(sl.ok("chat.postMessage"))
			sl.fail("chat.postMessage", 2)
			tgs.SendText(sam.chat, sam.name, "/aide premier message")
			sl.until(t, "the first failure", func() bool { return sl.failed("chat.postMessage") >= 1 })
			tgs.SendText(sam.chat, sam.name, "deuxième message")
			tgs.SendText(sam.chat, sam.name, "troisième message")
			sl.until(t, "the queued notifications", func() bool {
				return len(sl.ok("chat.postMessage")) >= postsBefore+3
			})
			posts := sl.ok("chat.postMessage")[postsBefore:]
			var got []string
			var helpTS string
			for _, p := range posts {
				switch txt := p.Form.Get("text"); {
				case strings.Contains(txt, "Demande d'aide de Sam"):
					got = append(got, "aide")
					helpTS = p.TS
				case strings.Contains(txt, "deuxième message"):
					got = append(got, "deuxième")
					if p.Form.Get("thread_ts") != helpTS || helpTS == "" {
						t.Errorf("second message in thread %q, want %q", p.Form.Get("thread_ts"), helpTS)
					}
				case strings.Contains(txt, "troisième message"):
					got = append(got, "troisième")
					if p.Form.Get("thread_ts") != helpTS || helpTS == "" {
						t.Errorf("third message in thread %q, want %q", p.Form.Get("thread_ts"), helpTS)
					}
				default:
					got = append(got, "? "+txt)
				}
			}
			if strings.Join(got, "|") != "aide|deuxième|troisième" {
				t.Errorf("after the outage Slack received %q, want aide|deuxième|troisième, once each", got)
			}
			if n := sl.failed("chat.postMessage"); n != 2 {
				t.Errorf("%d posts failed, want the 2 injected", n)
			}
			for _, s := range []string{"Besoin d'aide ?", "Message transmis"} {
				if countSent(tgs, sam.chat, s) == 0 {
					t.Errorf("the learner never read %q", s)
				}
			}
		}},
		{"stats and a learner's report", func(t *testing.T) {
			sl.command(t, "stats", e2eAdvisor, e2eRoom, "campagne stats "+strings.ToLower(code))
			stats := sl.waitCall(t, "the stats", "chat.postMessage", func(c slackCall) bool {
				return strings.Contains(c.Form.Get("text"), "Campagne « Atelier mardi » ("+code+")")
			})
			text := stats.Form.Get("text")
			for _, want := range []string{"3 apprenants inscrits", "3 ont commencé", "1 terminé", "2 en cours", "4.1"} {
				if !strings.Contains(text, want) {
					t.Errorf("stats lack %q:\n%s", want, text)
				}
			}
			chart := sl.waitCall(t, "the stats chart", "files.completeUploadExternal", func(c slackCall) bool {
				return strings.Contains(c.Form.Get("files"), "Niveaux moyens "+code)
			})
			if chart.Form.Get("channel_id") != e2eRoom {
				t.Errorf("stats chart shared in %q", chart.Form.Get("channel_id"))
			}
			_, _, data := sl.upload(t, chart)
			validPNG(t, "the stats chart", data)

			ref := dialog.LearnerRef(telegram.LearnerID(7001))
			sl.command(t, "learner", e2eAdvisor, e2eRoom, "apprenant "+ref)
			report := sl.waitCall(t, "the learner's report", "chat.postMessage", func(c slackCall) bool {
				return strings.HasPrefix(c.Form.Get("text"), "Apprenant "+ref)
			})
			text = report.Form.Get("text")
			for _, want := range []string{"Léa", "Campagne " + code, "Terminé le", "Niveau global"} {
				if !strings.Contains(text, want) {
					t.Errorf("report lacks %q:\n%s", want, text)
				}
			}

			// The outsider's campaign was never created.
			sl.command(t, "list", e2eAdvisor, e2eRoom, "campagne liste")
			list := sl.waitCall(t, "the list", "chat.postMessage", func(c slackCall) bool {
				return strings.HasPrefix(c.Form.Get("text"), "*Campagnes*")
			})
			if text := list.Form.Get("text"); !strings.Contains(text, code) || strings.Contains(text, "Pirate") {
				t.Errorf("campaign list:\n%s", text)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return // the next steps build on this one
		}
	}
}
