package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/channels/slack/slackfake"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

const (
	chanDefault = "CDEFAULT"
	chanHelp    = "CHELP"
	learnerID   = "telegram:424242"
	advisorID   = "UADV1"
)

func newTestSender(t *testing.T, f *slackfake.Server, mod func(*Config)) *Sender {
	t.Helper()
	cfg := Config{BotToken: "xoxb-test", APIURL: strings.TrimSuffix(f.APIURL(), "/"), DefaultChannel: chanDefault, Log: testLog(t)}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func note(t *testing.T, kind string, n dialog.Notification, to string) Notice {
	t.Helper()
	keys++
	return Notice{Key: fmt.Sprint(keys), To: to, Kind: kind, Notification: n}
}

// keys gives every test notice a key of its own.
var keys int

func sampleResult() *engine.Result {
	return &engine.Result{
		Questions: 20, Level: 3, Pix: 112, PixMax: 192,
		Competences: []engine.CompetenceResult{
			{Competence: "1.1", Theta: 0.1, SE: 0.4, Level: 4, LevelLow: 3, LevelHigh: 4},
			{Competence: "2.1", Theta: -1.0, SE: 0.5, Level: 2, LevelLow: 1, LevelHigh: 2},
			{Competence: "4.2", Theta: -0.6, SE: 0.45, Level: 3, LevelLow: 2, LevelHigh: 3},
		},
		Train: []engine.Recommendation{
			{Competence: "2.1", Skill: "mail", Level: 2},
			{Competence: "4.2", Skill: "mdp", Level: 3},
			{Competence: "1.1", Skill: "fiable", Level: 4},
			{Competence: "1.1", Skill: "pub", Level: 5},
		},
	}
}

func TestSendFinishedIsOneUploadWithTheText(t *testing.T) {
	f := slackfake.New(t)
	s := newTestSender(t, f, func(c *Config) {
		c.SkillName = func(comp, skill string) string {
			if skill == "mdp" {
				return "Un mot de passe solide"
			}
			return ""
		}
	})
	n := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvFinished, Campaign: "QWERTY789",
		FirstName: "Samira & <Co>", Duration: 18*time.Minute + 20*time.Second, Result: sampleResult()}}
	ref, err := s.Send(context.Background(), note(t, KindFinished, n, DefaultTo))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.OK("chat.postMessage")) != 0 {
		t.Errorf("finished posted a separate message: %s", f.Methods())
	}
	ups, comps := f.OK("upload"), f.OK("files.completeUploadExternal")
	if len(ups) != 1 || len(comps) != 1 {
		t.Fatalf("want one upload and one share, got %s", f.Methods())
	}
	if _, err := png.Decode(bytes.NewReader(ups[0].File)); err != nil {
		t.Errorf("the uploaded chart is not a PNG: %v", err)
	}
	c := comps[0].Form
	if c.Get("channel_id") != chanDefault {
		t.Errorf("shared in %q, want the default channel", c.Get("channel_id"))
	}
	if ref != "file:"+strings.Trim(strings.Split(c.Get("files"), `"`)[3], `"`) {
		t.Errorf("ref %q, files %s", ref, c.Get("files"))
	}
	text := c.Get("initial_comment")
	for _, want := range []string{
		"*Samira &amp; &lt;Co&gt;*", "campagne `QWERTY789`", "20 questions en 18 min",
		"`▰▰▰▰▱▱▱▱ 4` 1.1 Recherche et veille", "`▰▰▱▱▱▱▱▱ 2` 2.1 Interagir",
		"• 2.1 Interagir : mail (niveau 2)", "• 4.2 Données personnelles : Un mot de passe solide (niveau 3)", "• 1.1 Recherche et veille : fiable",
		dialog.LearnerRef(learnerID),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "pub") || strings.Contains(text, "<Co>") {
		t.Errorf("a fourth skill or unescaped text:\n%s", text)
	}
}

func TestSendFinishedWithoutResultPostsText(t *testing.T) {
	f := slackfake.New(t)
	s := newTestSender(t, f, nil)
	n := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvFinished, ExternalID: "FT-123"}}
	if _, err := s.Send(context.Background(), note(t, KindFinished, n, "CROOM")); err != nil {
		t.Fatal(err)
	}
	posts := f.OK("chat.postMessage")
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("text"), "ID FT-123") || posts[0].Form.Get("channel") != "CROOM" {
		t.Fatalf("got %s %v", f.Methods(), posts)
	}
}

// blocksOf decodes the blocks of a call.
func blocksOf(t *testing.T, c slackfake.Call) []map[string]any {
	t.Helper()
	var bs []map[string]any
	if err := json.Unmarshal([]byte(c.Form.Get("blocks")), &bs); err != nil {
		t.Fatalf("blocks: %v in %q", err, c.Form.Get("blocks"))
	}
	return bs
}

func blockText(b map[string]any) string {
	j, _ := json.Marshal(b)
	return string(j)
}

func findBlock(bs []map[string]any, id string) map[string]any {
	for _, b := range bs {
		if b["block_id"] == id {
			return b
		}
	}
	return nil
}

func TestSendHelpHasTheClaimButton(t *testing.T) {
	f := slackfake.New(t)
	b, err := bank.Load(bank.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	item := b.Items[0]
	s := newTestSender(t, f, func(c *Config) { c.Bank = b })
	n := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvHelp, Campaign: "QWERTY789", FirstName: "Léo",
		Text: "je comprends pas <!channel> & la question", Question: 7, Item: item.ID, Progress: "6/20"}}
	ref, err := s.Send(context.Background(), note(t, KindHelp, n, chanHelp))
	if err != nil {
		t.Fatal(err)
	}
	posts := f.OK("chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("got %s", f.Methods())
	}
	if want := chanHelp + ":1700000000.000001"; ref != want {
		t.Errorf("ref %q, want %q", ref, want)
	}
	bs := blocksOf(t, posts[0])
	if got := blockText(findBlock(bs, blockHelpText)); !strings.Contains(got, `\u003e je comprends pas \u0026lt;!channel\u0026gt; \u0026amp; la question`) {
		t.Errorf("learner text not quoted and escaped: %s", got)
	}
	q := blockText(findBlock(bs, blockHelpQuestion))
	if !strings.Contains(q, "Question 7") || !strings.Contains(q, "6/20") || !strings.Contains(q, strings.Fields(item.Prompt)[0]) {
		t.Errorf("question line: %s", q)
	}
	act := findBlock(bs, blockHelpActions)
	els, _ := act["elements"].([]any)
	if len(els) != 1 {
		t.Fatalf("actions: %v", act)
	}
	btn := els[0].(map[string]any)
	if btn["action_id"] != ActionClaim || btn["value"] != learnerID || !strings.Contains(blockText(btn), "Je m'en occupe") {
		t.Errorf("button: %v", btn)
	}
	if !strings.Contains(posts[0].Form.Get("text"), "Léo") {
		t.Errorf("fallback text: %q", posts[0].Form.Get("text"))
	}
}

func TestSendHelpMessageGoesToTheThread(t *testing.T) {
	f := slackfake.New(t)
	threads := map[string]string{learnerID: "CTHREAD:1700000000.000100"}
	s := newTestSender(t, f, func(c *Config) {
		c.ThreadOf = func(id string) (string, bool, error) {
			if id == "broken" {
				return "", false, errors.New("disk gone")
			}
			r, ok := threads[id]
			return r, ok, nil
		}
	})
	ctx := context.Background()
	ev := dialog.Event{Kind: dialog.EvHelpMessage, Text: "merci > vous"}
	ref, err := s.Send(ctx, note(t, KindHelpMessage, dialog.Notification{LearnerID: learnerID, Event: ev}, chanHelp))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(ctx, note(t, KindHelpMessage, dialog.Notification{LearnerID: "telegram:1", Event: ev}, chanHelp)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(ctx, note(t, KindHelpMessage, dialog.Notification{LearnerID: "broken", Event: ev}, chanHelp)); err == nil {
		t.Error("a failing thread look-up must be an error (retried)")
	}
	posts := f.OK("chat.postMessage")
	if len(posts) != 2 {
		t.Fatalf("got %s", f.Methods())
	}
	in, top := posts[0].Form, posts[1].Form
	if in.Get("channel") != "CTHREAD" || in.Get("thread_ts") != "1700000000.000100" || !strings.Contains(in.Get("text"), "> merci &gt; vous") {
		t.Errorf("thread post: %v", in)
	}
	if !strings.HasPrefix(ref, "CTHREAD:") {
		t.Errorf("ref %q", ref)
	}
	if top.Get("channel") != chanHelp || top.Get("thread_ts") != "" || !strings.Contains(top.Get("text"), "ne lui parviendra pas") {
		t.Errorf("top-level post: %v", top)
	}
}

// TestSendPlacesGoToTheThread: the places proposed to a learner who asked
// for help go into their help thread, where the advisor answers them;
// without a thread, into the channel.
func TestSendPlacesGoToTheThread(t *testing.T) {
	f := slackfake.New(t)
	s := newTestSender(t, f, func(c *Config) {
		c.ThreadOf = func(id string) (string, bool, error) {
			return "CTHREAD:1700000000.000100", id == learnerID, nil
		}
	})
	ctx := context.Background()
	ev := dialog.Event{Kind: dialog.EvPlaces, Text: "Lieux proposés près de 16000 pour 1.1 : A & B"}
	for _, id := range []string{learnerID, "telegram:1"} {
		if _, err := s.Send(ctx, note(t, KindPlaces, dialog.Notification{LearnerID: id, Event: ev}, chanHelp)); err != nil {
			t.Fatal(err)
		}
	}
	posts := f.OK("chat.postMessage")
	if len(posts) != 2 {
		t.Fatalf("got %s", f.Methods())
	}
	in, top := posts[0].Form, posts[1].Form
	if in.Get("channel") != "CTHREAD" || in.Get("thread_ts") != "1700000000.000100" || !strings.Contains(in.Get("text"), "📍") || !strings.Contains(in.Get("text"), "A &amp; B") {
		t.Errorf("thread post: %v", in)
	}
	if top.Get("channel") != chanHelp || top.Get("thread_ts") != "" {
		t.Errorf("top-level post: %v", top)
	}
}

func TestClaimThenResolveUpdatesTheHelpRequest(t *testing.T) {
	f := slackfake.New(t)
	s := newTestSender(t, f, nil)
	ctx := context.Background()
	help := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvHelp, FirstName: "Léo", Text: "au secours"}}
	ref, err := s.Send(ctx, note(t, KindHelp, help, chanHelp))
	if err != nil {
		t.Fatal(err)
	}
	claim := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvClaimed, FirstName: "Léo", Advisor: advisorID, Ref: ref}}
	for i := 0; i < 2; i++ { // a retried claim gives the same message
		if got, err := s.Send(ctx, note(t, KindClaimed, claim, chanHelp)); err != nil || got != ref {
			t.Fatalf("claim %d: %q %v", i, got, err)
		}
	}
	ups := f.OK("chat.update")
	if len(ups) != 2 || ups[0].Form.Get("blocks") != ups[1].Form.Get("blocks") {
		t.Fatalf("two claims must give two identical updates: %s", f.Methods())
	}
	bs := blocksOf(t, ups[0])
	if !strings.Contains(blockText(findBlock(bs, blockHelpText)), "au secours") {
		t.Errorf("the claim lost the learner's message: %v", bs)
	}
	if st := blockText(findBlock(bs, blockHelpStatus)); !strings.Contains(st, `Pris en charge par \u003c@`+advisorID+`\u003e`) {
		t.Errorf("status: %s", st)
	}
	if a := blockText(findBlock(bs, blockHelpActions)); !strings.Contains(a, `"action_id":"resolve"`) || strings.Contains(a, `"claim"`) {
		t.Errorf("actions after a claim: %s", a)
	}
	if n := strings.Count(ups[0].Form.Get("blocks"), blockHelpStatus); n != 1 {
		t.Errorf("%d status blocks", n)
	}

	resolve := claim
	resolve.Event.Kind = dialog.EvResolved
	if _, err := s.Send(ctx, note(t, KindResolved, resolve, chanHelp)); err != nil {
		t.Fatal(err)
	}
	ups = f.OK("chat.update")
	bs = blocksOf(t, ups[2])
	if findBlock(bs, blockHelpActions) != nil {
		t.Errorf("buttons left after resolve: %v", bs)
	}
	if st := blockText(findBlock(bs, blockHelpStatus)); !strings.Contains(st, "Résolu par") {
		t.Errorf("status: %s", st)
	}
	if !strings.Contains(blockText(findBlock(bs, blockHelpText)), "au secours") {
		t.Errorf("the resolve lost the learner's message")
	}
}

func TestClaimOfAnUnknownMessage(t *testing.T) {
	f := slackfake.New(t)
	s := newTestSender(t, f, nil)
	ctx := context.Background()
	// Not in history and not updatable: nothing to show, nothing to retry.
	claim := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvClaimed, Campaign: "QWERTY789", Advisor: advisorID, Ref: chanHelp + ":1.2"}}
	if _, err := s.Send(ctx, note(t, KindClaimed, claim, chanHelp)); err != nil {
		t.Fatalf("a deleted help message must not be retried: %v", err)
	}
	if ups := f.OK("chat.update"); len(ups) != 1 || findBlock(blocksOf(t, ups[0]), blockHelpHead) == nil {
		t.Errorf("want an update rebuilt from the event: %s", f.Methods())
	}
	// No ref at all.
	claim.Event.Ref = ""
	if ref, err := s.Send(ctx, note(t, KindClaimed, claim, chanHelp)); err != nil || ref != "" {
		t.Errorf("%q %v", ref, err)
	}
}

func TestSendErasedDigestAndSilentKinds(t *testing.T) {
	f := slackfake.New(t)
	s := newTestSender(t, f, nil)
	ctx := context.Background()
	erased := dialog.Notification{Event: dialog.Event{Kind: dialog.EvErased, Campaign: "QWERTY789", FirstName: "Secret"}}
	if _, err := s.Send(ctx, note(t, KindErased, erased, chanHelp)); err != nil {
		t.Fatal(err)
	}
	names := []string{"Ana <b>"}
	for i := 0; i < 45; i++ {
		names = append(names, "A-XXXXXX")
	}
	digest := dialog.Notification{Event: dialog.Event{Kind: dialog.EvDigest, Campaign: "QWERTY789",
		Digest: &dialog.Digest{Week: "2026-W48", Active: names, Finished: []string{"Bo"}, Learners: 47}}}
	if _, err := s.Send(ctx, note(t, KindDigest, digest, chanHelp)); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{KindStarted, "notify_something_new", "text"} {
		if ref, err := s.Send(ctx, note(t, kind, erased, chanHelp)); ref != "" || err != nil {
			t.Errorf("%s: %q %v", kind, ref, err)
		}
	}
	posts := f.OK("chat.postMessage")
	if len(posts) != 2 {
		t.Fatalf("got %s", f.Methods())
	}
	e := posts[0].Form.Get("text")
	if strings.Contains(e, "Secret") || strings.Contains(e, "\n") || !strings.Contains(e, "QWERTY789") {
		t.Errorf("erased notice: %q", e)
	}
	d := posts[1].Form.Get("text")
	for _, want := range []string{"2026-W48", "47 apprenant·es", "*Actif·ves cette semaine* (46) : Ana &lt;b&gt;", "et 6 autres", "(1) : Bo", "(0) : aucun·e"} {
		if !strings.Contains(d, want) {
			t.Errorf("digest lacks %q:\n%s", want, d)
		}
	}
}

func TestSendErrors(t *testing.T) {
	f := slackfake.New(t)
	s := newTestSender(t, f, nil)
	ctx := context.Background()
	m := note(t, KindErased, dialog.Notification{Event: dialog.Event{Kind: dialog.EvErased}}, chanHelp)
	var ra interface{ RetryAfter() time.Duration }

	f.Fail("chat.postMessage", slackfake.Fault{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "7"}})
	_, err := s.Send(ctx, m)
	if !errors.As(err, &ra) || ra.RetryAfter() != 7*time.Second {
		t.Errorf("429: %v", err)
	}

	f.Fail("chat.postMessage", slackfake.Fault{Status: http.StatusInternalServerError})
	_, err = s.Send(ctx, m)
	if err == nil || (errors.As(err, &ra) && ra.RetryAfter() != 0) {
		t.Errorf("500: %v", err)
	}

	f.Fail("chat.postMessage", slackfake.Fault{SlackOK: true, Code: "not_in_channel"})
	if _, err = s.Send(ctx, m); err == nil || !strings.Contains(err.Error(), "invite the bot") || !strings.Contains(err.Error(), chanHelp) {
		t.Errorf("not_in_channel: %v", err)
	}
	var u interface{ Unreachable() bool }
	if errors.As(err, &u) && u.Unreachable() {
		t.Error("a channel the bot is not in must be retried, not dropped")
	}

	f.Fail("chat.postMessage", slackfake.Fault{SlackOK: true, Code: "invalid_auth"})
	if _, err = s.Send(ctx, m); err == nil || !strings.Contains(err.Error(), EnvBotToken) {
		t.Errorf("invalid_auth: %v", err)
	}

	noDefault := newTestSender(t, f, func(c *Config) { c.DefaultChannel = "" })
	if _, err = noDefault.Send(ctx, note(t, KindErased, dialog.Notification{}, DefaultTo)); err == nil || !strings.Contains(err.Error(), EnvChannel) {
		t.Errorf("no default channel: %v", err)
	}
	if n := len(f.OK("chat.postMessage")); n != 0 {
		t.Errorf("%d posts went through", n)
	}
}

// TestSlackDownThenBack sends like the bot's dispatcher: the oldest message
// first, again and again until it goes. Slack answers 503 for a while, then
// fails one file share half-way; everything arrives once, in order.
func TestSlackDownThenBack(t *testing.T) {
	f := slackfake.New(t)
	s := newTestSender(t, f, func(c *Config) {
		c.ThreadOf = func(string) (string, bool, error) { return chanHelp + ":1700000000.000001", true, nil }
	})
	ctx := context.Background()
	ln := func(kind dialog.EventKind, text string) dialog.Notification {
		return dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: kind, Text: text, FirstName: "Léo"}}
	}
	finished := ln(dialog.EvFinished, "")
	finished.Event.Result = sampleResult()
	outbox := []Notice{
		note(t, KindHelp, ln(dialog.EvHelp, "un"), chanHelp),
		note(t, KindHelpMessage, ln(dialog.EvHelpMessage, "deux"), chanHelp),
		note(t, KindFinished, finished, chanHelp),
		note(t, KindHelpMessage, ln(dialog.EvHelpMessage, "trois"), chanHelp),
	}
	f.SetDown(5)
	f.Fail("files.completeUploadExternal", slackfake.Fault{Status: http.StatusBadGateway})
	attempts := 0
	for _, m := range outbox {
		for {
			attempts++
			if attempts > 50 {
				t.Fatal("Slack never came back")
			}
			if _, err := s.Send(ctx, m); err == nil {
				break
			}
		}
	}
	var seen []string
	for _, c := range f.OK("") {
		switch c.Method {
		case "chat.postMessage":
			seen = append(seen, c.Form.Get("text"))
		case "files.completeUploadExternal":
			seen = append(seen, "chart")
		}
	}
	want := []string{"Demande d'aide", "deux", "chart", "trois"}
	if len(seen) != len(want) {
		t.Fatalf("visible messages %q, want %q (failures: %d)", seen, want, f.Failed(""))
	}
	for i := range want {
		if !strings.Contains(seen[i], want[i]) {
			t.Errorf("message %d is %q, want %q", i, seen[i], want[i])
		}
	}
	if f.Failed("") != 6 {
		t.Errorf("%d failures, want 5 while down and 1 share", f.Failed(""))
	}
}

// /aide alone, then the learner writes: her first words go into the request
// itself, so the advisor reads them without opening the thread; the next
// ones stay in the thread.
func TestHelpRequestQuotesTheFirstMessage(t *testing.T) {
	f := slackfake.New(t)
	var thread string
	s := newTestSender(t, f, func(c *Config) {
		c.ThreadOf = func(string) (string, bool, error) { return thread, thread != "", nil }
	})
	ctx := context.Background()
	help := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvHelp, FirstName: "Léo", Question: 3}}
	r, err := s.Send(ctx, note(t, KindHelp, help, chanHelp))
	if err != nil {
		t.Fatal(err)
	}
	thread = r
	for _, text := range []string{"je comprends pas le mot cellule", "et aussi la 4"} {
		msg := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvHelpMessage, FirstName: "Léo", Text: text}}
		if _, err := s.Send(ctx, note(t, KindHelpMessage, msg, chanHelp)); err != nil {
			t.Fatal(err)
		}
	}
	ups := f.OK("chat.update")
	if len(ups) != 1 {
		t.Fatalf("%d updates of the help request, want 1 (the first message only)", len(ups))
	}
	bs := blocksOf(t, ups[0])
	if got := blockText(findBlock(bs, blockHelpText)); !strings.Contains(got, `\u003e je comprends pas le mot cellule`) || strings.Contains(got, "et aussi") {
		t.Errorf("the help request after the first message: %s", got)
	}
	if q := blockText(findBlock(bs, blockHelpQuestion)); !strings.Contains(q, "Question 3") {
		t.Errorf("the update lost the question: %s", q)
	}
	if act := blockText(findBlock(bs, blockHelpActions)); !strings.Contains(act, ActionClaim) {
		t.Errorf("the update lost the claim button: %s", act)
	}

	// A request that came with words keeps them.
	thread = ""
	worded := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvHelp, Text: "au secours"}}
	if thread, err = s.Send(ctx, note(t, KindHelp, worded, chanHelp)); err != nil {
		t.Fatal(err)
	}
	msg := dialog.Notification{LearnerID: learnerID, Event: dialog.Event{Kind: dialog.EvHelpMessage, Text: "encore moi"}}
	if _, err := s.Send(ctx, note(t, KindHelpMessage, msg, chanHelp)); err != nil {
		t.Fatal(err)
	}
	if n := len(f.OK("chat.update")); n != 1 {
		t.Errorf("a request with words was updated (%d updates)", n)
	}
}
