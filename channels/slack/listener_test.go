package slack

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/channels/slack/slackfake"
)

const (
	helpTS     = "1700000000.000100"
	helpRef    = chanHelp + ":" + helpTS
	chanRoom   = "CROOM"
	chanAdvise = "CADVISORS"
	member     = "UMEMBER"
	outsider   = "UOTHER"
)

type listenerEnv struct {
	t   *testing.T
	f   *slackfake.Server
	h   *fakeHandler
	l   *Listener
	clk *clock
}

func startListener(t *testing.T, mod func(*Config)) *listenerEnv {
	t.Helper()
	f := slackfake.New(t)
	f.SetMembers(chanAdvise, member, advisorID)
	h := &fakeHandler{f: f, threads: map[string]string{helpRef: learnerID}}
	clk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	cfg := Config{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: f.APIURL(), DefaultChannel: chanDefault,
		Advisors: []string{advisorID, chanAdvise}, Log: testLog(t), Now: clk.Now}
	if mod != nil {
		mod(&cfg)
	}
	l, err := NewListener(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return &listenerEnv{t: t, f: f, h: h, l: l, clk: clk}
}

func (e *listenerEnv) command(envelope, user, channel, text string) {
	e.f.Push("slash_commands", envelope, map[string]any{
		"command": "/diagbot", "text": text, "user_id": user, "channel_id": channel,
		"response_url": e.f.APIURL() + "response/" + envelope, "trigger_id": "tr-" + envelope,
	})
}

func (e *listenerEnv) button(envelope, user, action, actionTS string) {
	e.f.Push("interactive", envelope, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "channel": map[string]any{"id": chanHelp},
		"container":    map[string]any{"type": "message", "message_ts": helpTS, "channel_id": chanHelp},
		"message":      map[string]any{"ts": helpTS, "type": "message"},
		"response_url": e.f.APIURL() + "response/" + envelope, "trigger_id": "tr-" + envelope,
		"actions": []any{map[string]any{"action_id": action, "block_id": blockHelpActions, "type": "button",
			"value": learnerID, "action_ts": actionTS}},
	})
}

// message pushes a message event; extra fields override the defaults.
func (e *listenerEnv) message(envelope string, fields map[string]any) {
	ev := map[string]any{"type": "message", "channel": chanHelp, "user": advisorID, "text": "bonjour",
		"ts": "1700000050.000001", "thread_ts": helpTS, "channel_type": "channel"}
	for k, v := range fields {
		if v == nil {
			delete(ev, k)
		} else {
			ev[k] = v
		}
	}
	e.f.Push("events_api", envelope, map[string]any{"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
		"event_id": "Ev" + envelope, "event_time": 1700000050, "event": ev})
}

func (e *listenerEnv) waitAck(envelope string) {
	e.t.Helper()
	e.f.Wait(e.t, "ack of "+envelope, func() bool { return e.f.Acked(envelope) })
}

func (e *listenerEnv) ephemerals() []slackfake.Call { return e.f.OK("chat.postEphemeral") }

func TestEveryCommandFromAnAdvisor(t *testing.T) {
	e := startListener(t, nil)
	qr := []byte("\x89PNG fake qr")
	reply := Reply{Text: "Campagne *Lille mardi* créée : `QWERTY789`", Files: []File{{Name: "qr.png", Title: "QR code", Data: qr}}}
	e.h.set(func(h *fakeHandler) { h.reply = reply })
	cases := []struct {
		text string
		want Command
	}{
		{`campagne créer "Lille mardi" 1.1,4.2 questions=20 retour=oui`, Command{Op: OpCampaignCreate, Name: "Lille mardi", Competences: []string{"1.1", "4.2"}, MaxQuestions: 20, Feedback: true}},
		{"campagne liste", Command{Op: OpCampaignList}},
		{"Campagne ARCHIVER qwerty789", Command{Op: OpCampaignArchive, Code: "qwerty789"}},
		{"campagne stats QWERTY789", Command{Op: OpCampaignStats, Code: "QWERTY789"}},
		{"campagne export QWERTY789", Command{Op: OpCampaignExport, Code: "QWERTY789"}},
		{"apprenant A-7KQ2MX", Command{Op: OpLearner, Learner: "A-7KQ2MX"}},
		{"campagne créer Lille&amp;Co", Command{Op: OpCampaignCreate, Name: "Lille&Co"}}, // Slack sends & as &amp;
	}
	for i, c := range cases {
		env := "cmd" + string(rune('a'+i))
		e.command(env, advisorID, chanRoom, c.text)
		e.f.Wait(t, "command "+c.text, func() bool { return len(e.h.gotCommands()) == i+1 })
		got := e.h.gotCommands()[i]
		c.want.User, c.want.Channel = advisorID, chanRoom
		if !sameCommand(got, c.want) {
			t.Errorf("%q: got %+v, want %+v", c.text, got, c.want)
		}
		e.waitAck(env)
		// The reply is posted in the channel, and the file uploaded there.
		e.f.Wait(t, "reply and file", func() bool {
			return len(e.f.OK("chat.postMessage")) == i+1 && len(e.f.OK("files.completeUploadExternal")) == i+1
		})
	}
	post := e.f.OK("chat.postMessage")[0].Form
	if post.Get("channel") != chanRoom || post.Get("text") != reply.Text {
		t.Errorf("reply: %v", post)
	}
	if up := e.f.OK("upload")[0]; !bytes.Equal(up.File, qr) {
		t.Errorf("uploaded %q", up.File)
	}
	if c := e.f.OK("files.completeUploadExternal")[0].Form; c.Get("channel_id") != chanRoom || !strings.Contains(c.Get("files"), "QR code") {
		t.Errorf("share: %v", c)
	}

	// Help and a typo are answered to the advisor alone, without the bot.
	e.command("help", advisorID, chanRoom, "aide")
	e.command("typo", advisorID, chanRoom, "campagne creeer x")
	e.f.Wait(t, "two ephemeral answers", func() bool { return len(e.ephemerals()) == 2 })
	texts := e.ephemerals()[0].Form.Get("text") + e.ephemerals()[1].Form.Get("text")
	if !strings.Contains(texts, "Commandes /diagbot") || !strings.Contains(texts, "Je ne connais pas « campagne creeer »") {
		t.Errorf("ephemeral answers: %s", texts)
	}
	if n := len(e.h.gotCommands()); n != len(cases) {
		t.Errorf("the handler got %d commands, want %d", n, len(cases))
	}
}

func sameCommand(a, b Command) bool {
	return a.Op == b.Op && a.User == b.User && a.Channel == b.Channel && a.Name == b.Name &&
		strings.Join(a.Competences, ",") == strings.Join(b.Competences, ",") && a.MaxQuestions == b.MaxQuestions &&
		a.Feedback == b.Feedback && a.AskExternalID == b.AskExternalID && a.PathLength == b.PathLength &&
		a.Code == b.Code && a.Learner == b.Learner && a.Profile == b.Profile && a.Filter == b.Filter && a.Lacks == b.Lacks &&
		a.Palier == b.Palier && a.StopWhenKnown == b.StopWhenKnown && a.MinQuestions == b.MinQuestions
}

func TestCommandFromSomeoneElseIsRefused(t *testing.T) {
	e := startListener(t, nil)
	e.command("c1", outsider, chanRoom, "campagne liste")
	e.f.Wait(t, "the refusal", func() bool { return len(e.ephemerals()) == 1 })
	r := e.ephemerals()[0].Form
	if r.Get("user") != outsider || r.Get("channel") != chanRoom || !strings.HasPrefix(r.Get("text"), "Cette commande est réservée aux conseiller·es") {
		t.Errorf("refusal: %v", r)
	}
	e.waitAck("c1")
	if n := len(e.h.gotCommands()); n != 0 {
		t.Errorf("the handler ran %d commands for a non-advisor", n)
	}
}

func TestAdvisorByChannelMembership(t *testing.T) {
	e := startListener(t, nil)
	members := func() int { return len(e.f.OK("conversations.members")) }
	e.command("c1", member, chanRoom, "campagne liste")
	e.f.Wait(t, "first command", func() bool { return len(e.h.gotCommands()) == 1 })
	e.command("c2", member, chanRoom, "campagne liste")
	e.f.Wait(t, "second command", func() bool { return len(e.h.gotCommands()) == 2 })
	if n := members(); n != 1 {
		t.Errorf("members read %d times within %s, want 1", n, MembersTTL)
	}
	// Five minutes later the list is read again: the member left.
	e.f.SetMembers(chanAdvise, advisorID)
	e.clk.Add(MembersTTL + time.Second)
	e.command("c3", member, chanRoom, "campagne liste")
	e.f.Wait(t, "the refusal", func() bool { return len(e.ephemerals()) == 1 })
	if n := members(); n != 2 {
		t.Errorf("members read %d times, want 2", n)
	}
	if n := len(e.h.gotCommands()); n != 2 {
		t.Errorf("a former member ran a command")
	}
}

func TestCommandWhereTheBotIsNotInvited(t *testing.T) {
	e := startListener(t, nil)
	e.h.set(func(h *fakeHandler) {
		h.reply = Reply{Text: "Voici", Files: []File{{Name: "export.csv", Data: []byte("a;b\n")}}}
	})
	e.f.Fail("chat.postMessage", slackfake.Fault{SlackOK: true, Code: "not_in_channel"})
	e.f.Fail("chat.postEphemeral", slackfake.Fault{SlackOK: true, Code: "not_in_channel"})
	e.command("c1", advisorID, "CNOBOT", "campagne export QWERTY789")
	e.f.Wait(t, "the answer through response_url", func() bool { return len(e.f.OK("response_url")) == 1 })
	body := e.f.OK("response_url")[0].Form.Get("json")
	if !strings.Contains(body, `"ephemeral"`) || !strings.Contains(body, "Voici") || !strings.Contains(body, "invite") {
		t.Errorf("response_url body: %s", body)
	}
	// The file comes in the advisor's own conversation with the bot.
	e.f.WaitCall(t, "the file in the advisor's conversation", "files.completeUploadExternal", func(c slackfake.Call) bool {
		return c.Form.Get("channel_id") == "D"+advisorID
	})
	for _, c := range e.f.Calls() {
		if c.Method == "files.completeUploadExternal" && c.Form.Get("channel_id") == "CNOBOT" {
			t.Errorf("shared in the channel that refused the bot")
		}
	}
}

func TestCommandHandlerError(t *testing.T) {
	e := startListener(t, nil)
	e.h.set(func(h *fakeHandler) { h.commandErr = errTest("campaign QWERTY789 not found") })
	e.command("c1", advisorID, chanRoom, "campagne stats QWERTY789")
	e.f.Wait(t, "the error", func() bool { return len(e.ephemerals()) == 1 })
	// The advisor reads French and what to do; the details are for the log.
	if got := e.ephemerals()[0].Form.Get("text"); !strings.Contains(got, "n'a pas abouti") || !strings.Contains(got, "Réessayez") || strings.Contains(got, "not found") {
		t.Errorf("error shown: %q", got)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestClaimAndResolveButtons(t *testing.T) {
	e := startListener(t, nil)
	e.button("b1", advisorID, ActionClaim, "1700000060.000001")
	e.waitAck("b1")
	e.button("b2", member, ActionResolve, "1700000070.000001")
	e.waitAck("b2")
	e.button("b3", outsider, ActionClaim, "1700000080.000001")
	e.waitAck("b3")
	acts := e.h.gotActions()
	if len(acts) != 2 {
		t.Fatalf("actions %+v", acts)
	}
	want := []AdvisorAction{
		{Kind: "claim", LearnerID: learnerID, Ref: helpRef, User: advisorID},
		{Kind: "resolve", LearnerID: learnerID, Ref: helpRef, User: member},
	}
	for i, w := range want {
		a := acts[i]
		if a.Kind != w.Kind || a.LearnerID != w.LearnerID || a.Ref != w.Ref || a.User != w.User || a.ID == "" {
			t.Errorf("action %d: %+v, want %+v", i, a, w)
		}
	}
	if acts[0].ID == acts[1].ID {
		t.Error("two presses share an ID")
	}
	if r := e.ephemerals(); len(r) != 1 || r[0].Form.Get("user") != outsider || !strings.Contains(r[0].Form.Get("text"), "réservé aux conseiller·es") {
		t.Errorf("refusal of the outsider's press: %v", r)
	}
	// Slack delivers the first press again: same ID, for the bot's inbox to drop.
	e.button("b1", advisorID, ActionClaim, "1700000060.000001")
	e.f.Wait(t, "the redelivery", func() bool { return len(e.h.gotActions()) == 3 })
	if a := e.h.gotActions(); a[2].ID != a[0].ID {
		t.Errorf("a redelivered press has a new ID: %q vs %q", a[2].ID, a[0].ID)
	}
}

func TestActionNotStoredIsNotAcknowledged(t *testing.T) {
	e := startListener(t, nil)
	e.h.set(func(h *fakeHandler) { h.advisorErr = 1 })
	e.button("b1", advisorID, ActionClaim, "1700000060.000001")
	e.f.Wait(t, "the failed attempt", func() bool { return e.h.gotAttempts() == 1 })
	// Events are handled in order: once a later one is acknowledged, an ack
	// of the first would have come already.
	e.message("m1", map[string]any{"thread_ts": nil})
	e.waitAck("m1")
	if e.f.Acked("b1") {
		t.Fatal("an action the handler failed to store was acknowledged")
	}
	e.button("b1", advisorID, ActionClaim, "1700000060.000001") // Slack's redelivery
	e.waitAck("b1")
	if n := len(e.h.gotActions()); n != 1 {
		t.Errorf("%d actions stored", n)
	}
}

func TestThreadReplies(t *testing.T) {
	e := startListener(t, nil)
	ignored := []struct {
		name   string
		fields map[string]any
	}{
		{"from a non-advisor", map[string]any{"user": outsider}},
		{"from a bot", map[string]any{"bot_id": "B1", "subtype": "bot_message", "user": nil}},
		{"an edit", map[string]any{"subtype": "message_changed"}},
		{"a file without text", map[string]any{"subtype": "file_share", "text": ""}},
		{"outside any help thread", map[string]any{"thread_ts": "1600000000.000001"}},
		{"at top level", map[string]any{"thread_ts": nil}},
		{"the help request itself", map[string]any{"ts": helpTS}},
	}
	for i, c := range ignored {
		env := "m" + string(rune('a'+i))
		e.message(env, c.fields)
		e.waitAck(env)
		if n := len(e.h.gotActions()); n != 0 {
			t.Fatalf("a message %s was relayed", c.name)
		}
	}
	e.message("ok", map[string]any{"user": member, "ts": "1700000099.000001", "subtype": "thread_broadcast",
		"text": "Bonjour &amp; bienvenue <@UADV1> ! Voir <https://www.pole-emploi.fr|le site> &lt;3 <!here>"})
	e.waitAck("ok")
	acts := e.h.gotActions()
	if len(acts) != 1 {
		t.Fatalf("actions %+v", acts)
	}
	want := AdvisorAction{Kind: ActionKindReply, ID: "slack:message:" + chanHelp + ":1700000099.000001", LearnerID: learnerID, Ref: helpRef, User: member,
		Text: "Bonjour & bienvenue @Nadia ! Voir le site (https://www.pole-emploi.fr) <3"}
	if acts[0] != want {
		t.Errorf("reply\n got %+v\nwant %+v", acts[0], want)
	}
}

func TestListenerComesBackAfterSlackIsDown(t *testing.T) {
	e := startListener(t, func(c *Config) {})
	e.f.Fail("apps.connections.open", slackfake.Fault{Status: http.StatusServiceUnavailable}, slackfake.Fault{Status: http.StatusServiceUnavailable})
	e.command("c1", advisorID, chanRoom, "campagne liste")
	e.f.Wait(t, "the command once Slack is back", func() bool { return len(e.h.gotCommands()) == 1 })
	e.waitAck("c1")
}

func TestCheckNamesTheWrongToken(t *testing.T) {
	f := slackfake.New(t)
	h := &fakeHandler{f: f}
	l, err := NewListener(Config{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: f.APIURL(), DefaultChannel: chanDefault, Advisors: []string{advisorID}, Log: testLog(t)}, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.Check(ctx); err != nil {
		t.Fatalf("good tokens: %v", err)
	}
	f.SetBadTokens(false, true)
	if err := l.Check(ctx); err == nil || !strings.Contains(err.Error(), EnvAppToken) {
		t.Errorf("bad app token: %v", err)
	}
	// Run stops with the same kind of error instead of retrying forever.
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), EnvAppToken) {
			t.Errorf("Run with a bad app token: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept retrying a refused app token")
	}
	f.SetBadTokens(true, true)
	if err := l.Check(ctx); err == nil || !strings.Contains(err.Error(), EnvBotToken) {
		t.Errorf("bad bot token: %v", err)
	}
	dead := Config{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: "http://127.0.0.1:1/api/", Advisors: []string{advisorID}, Log: testLog(t)}
	l, _ = NewListener(dead, h)
	if err := l.Check(ctx); err == nil || !strings.Contains(err.Error(), EnvAPIURL) {
		t.Errorf("Slack unreachable: %v", err)
	}
}

func TestNewListenerSettings(t *testing.T) {
	h := &fakeHandler{}
	ok := Config{BotToken: "xoxb-1", AppToken: "xapp-1", Advisors: []string{advisorID}}
	if _, err := NewListener(ok, h); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no bot token", func(c *Config) { c.BotToken = "" }, EnvBotToken},
		{"tokens swapped", func(c *Config) { c.BotToken, c.AppToken = "xapp-1", "xoxb-1" }, EnvAppToken},
		{"bot token as app token", func(c *Config) { c.AppToken = "xoxb-1" }, EnvAppToken},
		{"no app token", func(c *Config) { c.AppToken = "" }, EnvAppToken},
		{"no advisors", func(c *Config) { c.Advisors = nil }, EnvAdvisors},
		{"bad advisor", func(c *Config) { c.Advisors = []string{"@nadia"} }, EnvAdvisors},
		{"channel by name", func(c *Config) { c.DefaultChannel = "#conseil" }, EnvChannel},
		{"bad API URL", func(c *Config) { c.APIURL = "slack.com/api" }, EnvAPIURL},
	}
	for _, c := range cases {
		cfg := ok
		c.mod(&cfg)
		if _, err := NewListener(cfg, h); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.want)
		}
	}
	if _, err := NewListener(ok, nil); err == nil {
		t.Error("no handler")
	}
}
