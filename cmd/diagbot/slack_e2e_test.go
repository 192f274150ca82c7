package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/channels/slack/slackfake"
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

// e2eSlack is the advisors' fake Slack, with the Socket Mode envelopes an
// advisor's actions send.
type e2eSlack struct{ *slackfake.Server }

func newE2ESlack(t *testing.T) *e2eSlack { return &e2eSlack{slackfake.New(t)} }

// upload returns the bytes uploaded for a files.completeUploadExternal call.
func (f *e2eSlack) upload(t *testing.T, complete slackfake.Call) (id, title string, data []byte) {
	t.Helper()
	var files []struct{ ID, Title string }
	if err := json.Unmarshal([]byte(complete.Form.Get("files")), &files); err != nil || len(files) != 1 {
		t.Fatalf("files.completeUploadExternal files=%q: %v", complete.Form.Get("files"), err)
	}
	for _, c := range f.OK("upload") {
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
	f.Push(typ, envelope, payload)
	f.Wait(t, "the ack of "+envelope, func() bool { return f.Acked(envelope) })
}

func (f *e2eSlack) command(t *testing.T, envelope, user, channel, text string) {
	t.Helper()
	f.push(t, "slash_commands", envelope, map[string]any{
		"command": "/diagbot", "text": text, "user_id": user, "channel_id": channel, "team_id": "T1",
		"response_url": f.APIURL() + "response/" + envelope, "trigger_id": "tr-" + envelope,
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
		"response_url": f.APIURL() + "response/" + envelope, "trigger_id": "tr-" + envelope,
		"actions": []any{map[string]any{"action_id": action, "block_id": "help_actions", "type": "button",
			"value": value, "action_ts": stamp}},
	})
}

// reply writes in a message's thread.
func (f *e2eSlack) reply(t *testing.T, envelope, user, channel, threadTS, ts, text string) {
	t.Helper()
	f.redeliver(t, envelope, "Ev"+envelope, 0, user, channel, threadTS, ts, text)
}

// redeliver delivers a message event as Slack does when an acknowledgement
// came late: the same event id and message, a new envelope, a retry count.
func (f *e2eSlack) redeliver(t *testing.T, envelope, eventID string, attempt int, user, channel, threadTS, ts, text string) {
	t.Helper()
	f.push(t, "events_api", envelope, map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": eventID, "event_time": 1700000200,
		"retry_attempt": attempt, "retry_reason": map[bool]string{true: "timeout"}[attempt > 0],
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
		cfg.slack = slackSettings{token: "xoxb-e2e", appToken: "xapp-e2e", apiURL: sl.APIURL(), channel: e2eDefault,
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
			reply := sl.WaitCall(t, "the campaign's reply", "chat.postMessage", func(c slackfake.Call) bool {
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
			share := sl.WaitCall(t, "the QR code", "files.completeUploadExternal", func(c slackfake.Call) bool {
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
			share := sl.WaitCall(t, "the finished notification", "files.completeUploadExternal", func(c slackfake.Call) bool {
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
			if n := len(sl.OK("files.completeUploadExternal")); n != 2 {
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

			help := sl.WaitCall(t, "the help notification", "chat.postMessage", func(c slackfake.Call) bool {
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
			claimed := sl.WaitCall(t, "the claimed update", "chat.update", func(c slackfake.Call) bool {
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
				return strings.Contains(m.PlainText, "Votre conseiller ou conseillère : Regardez le cadenas & dites-moi")
			})
			// Slack delivers the reply again: same event, new envelope.
			sl.redeliver(t, "reply-retry-1", "Evreply", 1, e2eAdvisor, e2eRoom, ts, "1700000300.000001", "Regardez le cadenas &amp; dites-moi")
			sl.redeliver(t, "reply-retry-2", "Evreply", 2, e2eAdvisor, e2eRoom, ts, "1700000300.000001", "Regardez le cadenas &amp; dites-moi")

			// The learner writes back: it lands in the thread.
			tgs.SendText(zoe.chat, zoe.name, "merci, je regarde")
			waitMessage(t, tgs, zoe.chat, func(m telegramtest.SentMessage) bool { return strings.Contains(m.PlainText, "Message transmis") })
			back := sl.WaitCall(t, "the learner's message in the thread", "chat.postMessage", func(c slackfake.Call) bool {
				return strings.Contains(c.Form.Get("text"), "merci, je regarde")
			})
			if back.Form.Get("channel") != e2eRoom || back.Form.Get("thread_ts") != ts {
				t.Errorf("learner's message posted in %s thread %q, want %s thread %s", back.Form.Get("channel"), back.Form.Get("thread_ts"), e2eRoom, ts)
			}
			// The redelivered claim came before this message, in the same
			// queues: had it counted, its update and its Telegram message
			// would be here already.
			if n := len(sl.OK("chat.update")); n != 1 {
				t.Errorf("%d updates after one claim pressed twice, want 1", n)
			}
			if n := countSent(tgs, zoe.chat, "a vu votre demande"); n != 1 {
				t.Errorf("the learner was told %d times that the advisor saw the request", n)
			}
			// So did the reply delivered three times.
			if n := countSent(tgs, zoe.chat, "Regardez le cadenas"); n != 1 {
				t.Errorf("the learner got the advisor's reply %d times, want 1", n)
			}

			// "Résolu": the message says so; the learner gets the question back.
			sl.button(t, "resolve", e2eAdvisor2, e2eRoom, ts, "resolve", bs["resolve"], "1700000400.000001")
			resolved := sl.WaitCall(t, "the resolved update", "chat.update", func(c slackfake.Call) bool {
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
			if n := len(sl.OK("chat.update")); n != 2 {
				t.Errorf("%d updates of help requests, want 2", n)
			}
		}},
		{"an outsider's command is refused", func(t *testing.T) {
			before := sl.Calls()
			sl.command(t, "outsider", e2eOutsider, e2eRoom, `campagne créer "Pirate"`)
			refusal := sl.WaitCall(t, "the refusal", "chat.postEphemeral", func(c slackfake.Call) bool { return c.Form.Get("user") == e2eOutsider })
			if refusal.Form.Get("channel") != e2eRoom || !strings.Contains(refusal.Form.Get("text"), "réservée aux conseiller·es") {
				t.Errorf("refusal: %v", refusal.Form)
			}
			// The refusal is the last thing the command does.
			after := sl.Calls()
			if len(after) != len(before)+1 {
				t.Errorf("the refused command made %d calls to Slack, want the refusal alone: %v", len(after)-len(before), after[len(before):])
			}
		}},
		{"Slack down, then back: queued notifications arrive once, in order", func(t *testing.T) {
			sam := newLearner(t, 7003, "Sam")
			sam.join(code, "Atelier mardi")
			sam.question(1)
			postsBefore := len(sl.OK("chat.postMessage"))
			down := slackfake.Fault{Status: http.StatusServiceUnavailable}
			sl.Fail("chat.postMessage", down, down)
			tgs.SendText(sam.chat, sam.name, "/aide premier message")
			sl.Wait(t, "the first failure", func() bool { return sl.Failed("chat.postMessage") >= 1 })
			tgs.SendText(sam.chat, sam.name, "deuxième message")
			tgs.SendText(sam.chat, sam.name, "troisième message")
			sl.Wait(t, "the queued notifications", func() bool {
				return len(sl.OK("chat.postMessage")) >= postsBefore+3
			})
			posts := sl.OK("chat.postMessage")[postsBefore:]
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
			if n := sl.Failed("chat.postMessage"); n != 2 {
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
			stats := sl.WaitCall(t, "the stats", "chat.postMessage", func(c slackfake.Call) bool {
				return strings.Contains(c.Form.Get("text"), "Campagne « Atelier mardi » ("+code+")")
			})
			text := stats.Form.Get("text")
			for _, want := range []string{"3 apprenants inscrits", "3 ont commencé", "1 terminé", "2 en cours", "4.1"} {
				if !strings.Contains(text, want) {
					t.Errorf("stats lack %q:\n%s", want, text)
				}
			}
			chart := sl.WaitCall(t, "the stats chart", "files.completeUploadExternal", func(c slackfake.Call) bool {
				return strings.Contains(c.Form.Get("files"), "Niveaux moyens "+code)
			})
			if chart.Form.Get("channel_id") != e2eRoom {
				t.Errorf("stats chart shared in %q", chart.Form.Get("channel_id"))
			}
			_, _, data := sl.upload(t, chart)
			validPNG(t, "the stats chart", data)

			ref := dialog.LearnerRef(telegram.LearnerID(7001))
			sl.command(t, "learner", e2eAdvisor, e2eRoom, "apprenant "+ref)
			report := sl.WaitCall(t, "the learner's report", "chat.postMessage", func(c slackfake.Call) bool {
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
			list := sl.WaitCall(t, "the list", "chat.postMessage", func(c slackfake.Call) bool {
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

// An advisor creates a campaign where the bot cannot post (a channel it was
// not invited to): they are told that notifications cannot arrive there and
// where they will go, and still get the QR code, in their own conversation
// with the bot; a learner's results then reach the default channel.
func TestSlackCampaignCreatedWhereTheBotIsAbsent(t *testing.T) {
	t.Setenv(envBotUsername, "diagbot_test_bot")
	sl := newE2ESlack(t)
	sl.SetAbsent("CELSEWHERE")
	tgs := telegramtest.NewServer(t)
	serveWithSlack(t, tgs, sl)

	sl.command(t, "create-away", e2eAdvisor, "CELSEWHERE", `campagne créer "Atelier jeudi" 4.1 questions=4`)
	told := sl.WaitCall(t, "the advisor's private answer", "chat.postEphemeral", func(c slackfake.Call) bool {
		return strings.Contains(c.Form.Get("text"), "Atelier jeudi")
	})
	text := told.Form.Get("text")
	for _, want := range []string{"ne peuvent pas y arriver", "<#" + e2eDefault + ">", "/invite @diagbot", "https://t.me/diagbot_test_bot?start="} {
		if !strings.Contains(text, want) {
			t.Errorf("the advisor's answer lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "diagbot campaign") {
		t.Errorf("the answer names a shell command:\n%s", text)
	}
	share := sl.WaitCall(t, "the QR code in the advisor's conversation", "files.completeUploadExternal", func(c slackfake.Call) bool {
		return c.Form.Get("channel_id") == "D"+e2eAdvisor
	})
	_, title, data := sl.upload(t, share)
	validPNG(t, "the QR code", data)
	code := codeInReply.FindStringSubmatch(text)
	if code == nil || !strings.Contains(title, code[1]) {
		t.Fatalf("QR code titled %q for the answer %q", title, text)
	}
	for _, c := range sl.Calls() {
		if c.Method == "chat.postMessage" && c.Form.Get("channel") == "CELSEWHERE" {
			t.Errorf("posted in the channel without the bot: %q", c.Form.Get("text"))
		}
	}

	// Its learners' notifications go to the default channel.
	lea := &e2eLearner{t: t, tg: tgs, chat: 7101, name: "Léa", answered: map[int]bool{}}
	lea.join(code[1], "Atelier jeudi")
	lea.finish(1)
	done := sl.WaitCall(t, "the finished notification", "files.completeUploadExternal", func(c slackfake.Call) bool {
		return strings.Contains(c.Form.Get("initial_comment"), "Diagnostic terminé")
	})
	if got := done.Form.Get("channel_id"); got != e2eDefault {
		t.Errorf("finished notification in %q, want the default channel %s", got, e2eDefault)
	}

	// An unknown code gets French words and no shell command.
	sl.command(t, "stats-unknown", e2eAdvisor, e2eRoom, "campagne stats ZZZZZZ999")
	miss := sl.WaitCall(t, "the answer to an unknown code", "chat.postEphemeral", func(c slackfake.Call) bool {
		return strings.Contains(c.Form.Get("text"), "ZZZZZZ999")
	})
	if got := miss.Form.Get("text"); !strings.Contains(got, "Je ne trouve pas de campagne") || strings.Contains(got, "diagbot campaign") || strings.Contains(got, "not found") {
		t.Errorf("unknown code answered %q", got)
	}
}

// viewJSON is the view of a views.publish or views.open call, as JSON text.
func viewJSON(t *testing.T, c slackfake.Call) string {
	t.Helper()
	var body struct {
		View json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal([]byte(c.Form.Get("json")), &body); err != nil {
		t.Fatalf("%s body: %v", c.Method, err)
	}
	var s string
	b, _ := json.Marshal(body.View)
	json.Unmarshal(b, &s)
	var pretty bytes.Buffer
	json.Indent(&pretty, body.View, "", " ")
	return strings.ReplaceAll(strings.ReplaceAll(pretty.String(), `\u003c`, "<"), `\u003e`, ">")
}

// The advisor's Home tab: published when opened, with the campaigns and
// their counts; its form creates a campaign (errors shown in the form); its
// buttons show the stuck learners and the skills to work; it is published
// again when a learner finishes.
func TestSlackHomeTab(t *testing.T) {
	t.Setenv(envBotUsername, "diagbot_test_bot")
	sl := newE2ESlack(t)
	tgs := telegramtest.NewServer(t)
	serveWithSlack(t, tgs, sl)

	openHome := func(envelope, user string) string {
		t.Helper()
		before := len(sl.OK("views.publish"))
		sl.push(t, "events_api", envelope, map[string]any{
			"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "Ev" + envelope, "event_time": 1700000200,
			"event": map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home", "event_ts": "1700000200.000100"},
		})
		sl.Wait(t, "the Home tab", func() bool { return len(sl.OK("views.publish")) > before })
		return viewJSON(t, sl.OK("views.publish")[before])
	}
	home := openHome("home-1", e2eAdvisor)
	for _, want := range []string{"Suivi de vos jeunes", "Créer une campagne", "Demandes d'aide ouvertes : 0", "Campagnes : 0"} {
		if !strings.Contains(home, want) {
			t.Errorf("empty Home lacks %q:\n%s", want, home)
		}
	}
	if outsider := openHome("home-out", e2eOutsider); strings.Contains(outsider, "home_create") || !strings.Contains(outsider, "réservé") {
		t.Errorf("an outsider's Home:\n%s", outsider)
	}

	// "Créer une campagne" opens the form.
	homeButton := func(envelope, action, value string) {
		t.Helper()
		sl.push(t, "interactive", envelope, map[string]any{
			"type": "block_actions", "user": map[string]any{"id": e2eAdvisor}, "trigger_id": "tr-" + envelope,
			"container": map[string]any{"type": "view", "view_id": "VHOME"}, "view": map[string]any{"id": "VHOME", "type": "home"},
			"actions": []map[string]any{{"action_id": action, "block_id": "b", "value": value, "type": "button", "action_ts": "1700000300.0001"}},
		})
	}
	homeButton("create-btn", "home_create", "new")
	form := sl.WaitCall(t, "the form", "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Form.Get("json"), "Nouvelle campagne") })
	if !strings.Contains(form.Form.Get("json"), `"trigger_id":"tr-create-btn"`) {
		t.Errorf("the form was not opened with the button's trigger: %s", form.Form.Get("json"))
	}

	submit := func(envelope string, values map[string]any) {
		t.Helper()
		sl.push(t, "interactive", envelope, map[string]any{
			"type": "view_submission", "user": map[string]any{"id": e2eAdvisor}, "trigger_id": "tr-" + envelope,
			"view": map[string]any{"id": "VFORM", "type": "modal", "callback_id": "diagbot_create_campaign", "state": map[string]any{"values": values}},
		})
	}
	// An empty name: the form says so, and nothing is created.
	submit("submit-empty", map[string]any{"c_name": map[string]any{"name": map[string]any{"type": "plain_text_input", "value": "  "}}})
	if p := string(sl.AckPayload("submit-empty")); !strings.Contains(p, `"response_action":"errors"`) || !strings.Contains(p, "c_name") {
		t.Errorf("an empty name was answered %s", p)
	}
	// Paliers that do not rise: the form points at them.
	submit("submit-paliers", map[string]any{
		"c_name":    map[string]any{"name": map[string]any{"type": "plain_text_input", "value": "Atelier"}},
		"c_paliers": map[string]any{"paliers": map[string]any{"type": "plain_text_input", "value": "0 ; A\n3 ; B\n2 ; C"}},
	})
	if p := string(sl.AckPayload("submit-paliers")); !strings.Contains(p, "c_paliers") || !strings.Contains(p, "monter") {
		t.Errorf("paliers that do not rise were answered %s", p)
	}
	submit("submit-ok", map[string]any{
		"c_paliers":    map[string]any{"paliers": map[string]any{"type": "plain_text_input", "value": "0 ; Découverte ; atelier numérique\n3 ; Autonome ; atelier CV\n6 ; Expert ; métiers du numérique"}},
		"c_result":     map[string]any{"result": map[string]any{"type": "plain_text_input", "value": "Passez nous voir mardi."}},
		"c_link_label": map[string]any{"link_label": map[string]any{"type": "plain_text_input", "value": "Prendre rendez-vous"}},
		"c_link_url":   map[string]any{"link_url": map[string]any{"type": "url_text_input", "value": "https://rdv.example.org/ml"}},
		"c_name":       map[string]any{"name": map[string]any{"type": "plain_text_input", "value": "Atelier vendredi"}},
		"c_comps":      map[string]any{"comps": map[string]any{"type": "multi_static_select", "selected_options": []map[string]any{{"value": "4.1"}}}},
		"c_questions":  map[string]any{"questions": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "4"}}},
		"c_channel":    map[string]any{"channel": map[string]any{"type": "conversations_select", "selected_conversation": e2eRoom}},
	})
	if p := sl.AckPayload("submit-ok"); p != nil {
		t.Errorf("a good form was answered %s, want nothing (the form closes)", p)
	}
	dm := sl.WaitCall(t, "the code in the advisor's conversation", "chat.postMessage", func(c slackfake.Call) bool {
		return c.Form.Get("channel") == "D"+e2eAdvisor && strings.Contains(c.Form.Get("text"), "Atelier vendredi")
	})
	m := codeInReply.FindStringSubmatch(dm.Form.Get("text"))
	if m == nil || !strings.Contains(dm.Form.Get("text"), "<#"+e2eRoom+">") {
		t.Fatalf("the advisor was told %q", dm.Form.Get("text"))
	}
	code := m[1]
	sl.WaitCall(t, "the QR code in the advisor's conversation", "files.completeUploadExternal", func(c slackfake.Call) bool {
		return c.Form.Get("channel_id") == "D"+e2eAdvisor
	})

	// A learner finishes: the Home tab is published again, with the counts.
	before := len(sl.OK("views.publish"))
	lea := &e2eLearner{t: t, tg: tgs, chat: 7201, name: "Léa", answered: map[int]bool{}}
	lea.join(code, "Atelier vendredi")
	lea.finish(1)
	done := sl.WaitCall(t, "the finished notification", "files.completeUploadExternal", func(c slackfake.Call) bool {
		return strings.Contains(c.Form.Get("initial_comment"), "Diagnostic terminé")
	})
	if c := done.Form.Get("initial_comment"); !strings.Contains(c, "Palier : *Découverte — atelier numérique*") &&
		!strings.Contains(c, "Palier : *Autonome — atelier CV*") && !strings.Contains(c, "Palier : *Expert") {
		t.Errorf("the finished notification names no palier of the campaign:\n%s", c)
	}
	sl.Wait(t, "the Home tab published again with the result", func() bool {
		for _, c := range sl.OK("views.publish")[before:] {
			if strings.Contains(c.Form.Get("json"), "1 a terminé") {
				home = viewJSON(t, c)
				return true
			}
		}
		return false
	})
	for _, c := range sl.OK("views.publish")[before:] {
		if strings.Contains(c.Form.Get("json"), `"user_id":"`+e2eOutsider+`"`) {
			t.Error("an outsider's Home tab was kept up to date")
		}
	}
	for _, want := range []string{"Atelier vendredi", code, "1 a terminé", "la vôtre", "Terminé cette semaine : 1", "Léa"} {
		if !strings.Contains(home, want) {
			t.Errorf("Home after a learner finished lacks %q:\n%s", want, home)
		}
	}

	// "Sujets à travailler" and "Apprenants" show their answers in a window.
	homeButton("topics-btn", "home_topics", code)
	topics := sl.WaitCall(t, "the topics", "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Form.Get("json"), "tr-topics-btn") })
	if v := viewJSON(t, topics); !strings.Contains(v, "Sujets à travailler") || !strings.Contains(v, "*1* jeune") {
		t.Errorf("topics window:\n%s", v)
	}
	homeButton("learners-btn", "home_learners", code)
	learners := sl.WaitCall(t, "the learners", "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Form.Get("json"), "tr-learners-btn") })
	if v := viewJSON(t, learners); !strings.Contains(v, "Léa") || !strings.Contains(v, "terminé") || !strings.Contains(v, "niveau") {
		t.Errorf("learners window:\n%s", v)
	}
}
