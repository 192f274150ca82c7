package telegramtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// TestGetUpdatesOffsets checks Telegram's offset rules in every body
// encoding the Bot API accepts.
func TestGetUpdatesOffsets(t *testing.T) {
	for _, enc := range []encoding{encForm, encJSON, encMultipart} {
		t.Run(string(enc), func(t *testing.T) {
			ctx := testCtx(t)
			srv := NewServer(t)
			poll := func(params map[string]any) []int64 {
				t.Helper()
				status, a := rawCall(ctx, t, srv, srv.Token(), "getUpdates", enc, params)
				if status != http.StatusOK || !a.OK {
					t.Fatalf("getUpdates %v: %d %+v", params, status, a)
				}
				return ids(t, a)
			}
			u1 := srv.SendText(chat, "Léa", "un")
			u2 := srv.SendSticker(chat)
			u3 := srv.SendVoice(chat)

			steps := []struct {
				params map[string]any
				want   []int64
			}{
				{nil, []int64{u1, u2, u3}},                            // nothing confirmed yet
				{map[string]any{"offset": u2}, []int64{u2, u3}},       // confirms u1
				{map[string]any{"offset": u1}, []int64{u2, u3}},       // u1 is gone for good
				{map[string]any{"limit": 1}, []int64{u2}},             // limit
				{map[string]any{"offset": -1}, []int64{u3}},           // keeps the last one only
				{nil, []int64{u3}},                                    // ...and forgot u2
				{map[string]any{"offset": u3 + 1}, []int64{}},         // all confirmed
				{map[string]any{"offset": u3 + 1, "timeout": 0}, nil}, // short poll, empty
			}
			for i, st := range steps {
				if got := poll(st.params); !slices.Equal(got, st.want) && (len(got) != 0 || len(st.want) != 0) {
					t.Fatalf("step %d %v: ids %s, want %s", i, st.params, fmtIDs(got), fmtIDs(st.want))
				}
			}
			if n := len(srv.PendingUpdates()); n != 0 {
				t.Errorf("pending = %d", n)
			}
		})
	}
}

func TestGetUpdatesLongPoll(t *testing.T) {
	t.Run("times out at the cap", func(t *testing.T) {
		ctx := testCtx(t)
		srv := NewServer(t, WithMaxPollWait(60*time.Millisecond))
		start := time.Now()
		_, a := rawCall(ctx, t, srv, srv.Token(), "getUpdates", encForm, map[string]any{"timeout": 50})
		if d := time.Since(start); d < 60*time.Millisecond || d > 2*time.Second {
			t.Errorf("long poll lasted %v, want about 60ms", d)
		}
		if string(a.Result) != "[]" {
			t.Errorf("result = %s", a.Result)
		}
	})
	t.Run("wakes on an update", func(t *testing.T) {
		ctx := testCtx(t)
		srv := NewServer(t, WithMaxPollWait(5*time.Second))
		got := make(chan apiAnswer, 1)
		go func() {
			_, a, _ := rawDo(ctx, srv, srv.Token(), "getUpdates", encJSON, map[string]any{"timeout": 30})
			got <- a
		}()
		waitPolls(ctx, t, srv, 1)
		start := time.Now()
		id := srv.SendText(chat, "Léa", "hello")
		select {
		case a := <-got:
			if ids := ids(t, a); len(ids) != 1 || ids[0] != id {
				t.Errorf("ids = %v", ids)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("woke after %v", d)
			}
		case <-ctx.Done():
			t.Fatal("long poll never answered")
		}
	})
	t.Run("a newer poll ends the older with 409", func(t *testing.T) {
		ctx := testCtx(t)
		srv := NewServer(t, WithMaxPollWait(5*time.Second))
		type answer struct {
			status int
			a      apiAnswer
		}
		first := make(chan answer, 1)
		go func() {
			s, a, _ := rawDo(ctx, srv, srv.Token(), "getUpdates", encForm, map[string]any{"timeout": 30})
			first <- answer{s, a}
		}()
		waitPolls(ctx, t, srv, 1)
		if s, _ := rawCall(ctx, t, srv, srv.Token(), "getUpdates", encForm, nil); s != http.StatusOK {
			t.Fatalf("second poll: %d", s)
		}
		r := <-first
		if r.status != http.StatusConflict || !strings.Contains(r.a.Description, "terminated by other getUpdates request") {
			t.Errorf("older poll = %d %+v", r.status, r.a)
		}
	})
	t.Run("Close ends a pending poll", func(t *testing.T) {
		ctx := testCtx(t)
		srv := NewServer(t, WithMaxPollWait(time.Minute))
		done := make(chan struct{})
		go func() {
			defer close(done)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/bot"+srv.Token()+"/getUpdates?timeout=60", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		waitPolls(ctx, t, srv, 1)
		start := time.Now()
		srv.Close()
		<-done
		if d := time.Since(start); d > time.Second {
			t.Errorf("Close took %v", d)
		}
	})
}

func TestAllowedUpdates(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	// chat_member updates are not delivered unless asked for.
	srv.PushUpdate(models.Update{ChatMember: &models.ChatMemberUpdated{Chat: models.Chat{ID: -5}}})
	if n := len(srv.PendingUpdates()); n != 0 {
		t.Fatalf("chat_member queued by default (%d pending)", n)
	}
	rawCall(ctx, t, srv, srv.Token(), "getUpdates", encForm, map[string]any{"allowed_updates": []string{"callback_query"}})
	srv.SendText(chat, "Léa", "ignored")
	press := srv.PressButton(chat, 1, "x")
	_, a := rawCall(ctx, t, srv, srv.Token(), "getUpdates", encForm, nil)
	if got := ids(t, a); len(got) != 1 || got[0] != press {
		t.Errorf("ids = %v, want only the callback %d", got, press)
	}
}

func TestInjectedUpdates(t *testing.T) {
	srv := NewServer(t)
	srv.SetUser(models.User{ID: chat, FirstName: "Léa", Username: "lea", LanguageCode: "fr"})

	text := srv.TextUpdate(chat, "", "/start diag_42")
	m := text.Message
	if m.From.LanguageCode != "fr" || m.From.Username != "lea" || m.Chat.Type != models.ChatTypePrivate || m.Chat.FirstName != "Léa" {
		t.Errorf("text update = %+v from %+v", m, m.From)
	}
	if len(m.Entities) != 1 || m.Entities[0].Type != models.MessageEntityTypeBotCommand || m.Entities[0].Length != len("/start") {
		t.Errorf("command entity = %+v", m.Entities)
	}
	if m.Date == 0 || m.ID != 1 || text.ID != 1 {
		t.Errorf("ids/date: message %d update %d date %d", m.ID, text.ID, m.Date)
	}
	if len(srv.PendingUpdates()) != 0 {
		t.Error("a built update was queued")
	}

	group := srv.GroupTextUpdate(-1001234567890, 77, "salut")
	if g := group.Message; g.Chat.Type != models.ChatTypeSupergroup || g.Chat.ID != -1001234567890 || g.From.ID != 77 {
		t.Errorf("supergroup message = %+v", g)
	}
	srv.SendGroupText(-55, 77, "hello")
	sticker := srv.StickerUpdate(chat)
	voice := srv.VoiceUpdate(chat)
	if sticker.Message.Sticker == nil || voice.Message.Voice == nil || voice.Message.ID != sticker.Message.ID+1 {
		t.Errorf("sticker %+v voice %+v", sticker.Message, voice.Message)
	}
	pending := srv.PendingUpdates()
	if len(pending) != 1 || pending[0].Message.Chat.Type != models.ChatTypeGroup || pending[0].Message.Text != "hello" {
		t.Errorf("pending = %+v", pending)
	}

	// UpdateJSON is what the real client decodes, callback message included.
	btn := srv.ButtonUpdate(chat, 1, "q1:a")
	var back models.Update
	if err := json.Unmarshal(srv.UpdateJSON(btn), &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != btn.ID || back.CallbackQuery.Data != "q1:a" || back.CallbackQuery.Message.Message == nil ||
		back.CallbackQuery.Message.Message.ID != 1 {
		t.Errorf("round trip = %+v", back.CallbackQuery)
	}

	// Explicit ids move the sequence forward.
	if id := srv.PushUpdate(models.Update{ID: 500, Message: &models.Message{ID: 9, Date: 1, Chat: models.Chat{ID: chat}}}); id != 500 {
		t.Errorf("explicit id = %d", id)
	}
	if id := srv.SendText(chat, "", "after"); id != 501 {
		t.Errorf("next id = %d, want 501", id)
	}
}
