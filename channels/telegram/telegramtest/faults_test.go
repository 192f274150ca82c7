package telegramtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/go-telegram/bot"
)

// TestFaultsAsSeenByTheClient pins down what go-telegram v1.19.0 returns for
// each fault, which is what the bot's retry logic has to recognise.
func TestFaultsAsSeenByTheClient(t *testing.T) {
	sentinels := []error{bot.ErrorForbidden, bot.ErrorBadRequest, bot.ErrorUnauthorized,
		bot.ErrorTooManyRequests, bot.ErrorNotFound, bot.ErrorConflict}
	for _, tc := range []struct {
		name   string
		fault  Fault
		status int
		check  func(t *testing.T, err error)
	}{
		{"429", Fault{Method: "sendMessage", Kind: TooManyRequests, RetryAfter: 7}, http.StatusTooManyRequests,
			func(t *testing.T, err error) {
				var tm *bot.TooManyRequestsError
				if !errors.As(err, &tm) || tm.RetryAfter != 7 || !bot.IsTooManyRequestsError(err) {
					t.Fatalf("err = %#v, want *bot.TooManyRequestsError{RetryAfter: 7}", err)
				}
				mustContain(t, err, "Too Many Requests: retry after 7")
				// The struct error wraps nothing: errors.Is with the sentinel fails.
				if errors.Is(err, bot.ErrorTooManyRequests) {
					t.Error("TooManyRequestsError now wraps ErrorTooManyRequests; update the report")
				}
			}},
		{"403", Fault{Kind: Forbidden}, http.StatusForbidden,
			func(t *testing.T, err error) {
				if !errors.Is(err, bot.ErrorForbidden) {
					t.Fatalf("err = %v, want ErrorForbidden", err)
				}
				mustContain(t, err, "Forbidden: bot was blocked by the user")
			}},
		{"500", Fault{Kind: ServerError}, http.StatusInternalServerError,
			func(t *testing.T, err error) {
				for _, s := range sentinels {
					if errors.Is(err, s) {
						t.Fatalf("500 maps to sentinel %v", s)
					}
				}
				mustContain(t, err, "error response from telegram for method sendMessage, 500 Internal Server Error")
			}},
		{"drop", Fault{Kind: Drop, ChatID: chat}, 0,
			func(t *testing.T, err error) {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("err = %v, want a transport error wrapping io.EOF", err)
				}
				mustContain(t, err, "error do request for method sendMessage")
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			srv := NewServer(t)
			b := newBot(t, srv)
			srv.Fail(tc.fault)
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Q1"})
			tc.check(t, err)
			if c := srv.CallsTo("sendMessage"); len(c) != 1 || c[0].Status != tc.status {
				t.Errorf("recorded = %+v, want status %d", c, tc.status)
			}
			// Consumed: the library did not retry, and the next call succeeds.
			if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Q1"}); err != nil {
				t.Fatalf("after the fault: %v", err)
			}
			if n := len(srv.Sent(chat)); n != 1 {
				t.Errorf("delivered %d messages, want only the retry", n)
			}
		})
	}
}

func TestDelayFault(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)

	srv.Fail(Fault{Method: "sendMessage", Kind: Delay, D: 30 * time.Millisecond})
	start := time.Now()
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "lent"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("answered after %v, want >= 30ms", d)
	}

	// A client that gives up first gets its context error; nothing is sent.
	srv.Fail(Fault{Kind: Delay, D: time.Minute})
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err := b.SendMessage(short, &bot.SendMessageParams{ChatID: chat, Text: "trop lent"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if err := srv.WaitFor(ctx, func(calls []Call) bool { return len(calls) == 2 }); err != nil {
		t.Fatal(err)
	}
	if c := srv.Calls()[1]; c.Status != 0 {
		t.Errorf("abandoned call recorded with status %d", c.Status)
	}
	if n := len(srv.Sent(chat)); n != 1 {
		t.Errorf("sent = %d", n)
	}
}

func TestFaultMatching(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)
	send := func(chatID int64) error {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: "x"})
		return err
	}

	srv.Fail(Fault{ChatID: 2, Kind: Forbidden, Times: -1}) // user 2 blocked the bot
	srv.Fail(Fault{Method: "sendPhoto", Kind: ServerError})
	srv.Fail(Fault{Method: "sendMessage", Kind: TooManyRequests, Times: 2})
	for i, tc := range []struct {
		chatID int64
		check  func(error) bool
	}{
		{2, func(err error) bool { return errors.Is(err, bot.ErrorForbidden) }},
		{1, bot.IsTooManyRequestsError},
		{2, func(err error) bool { return errors.Is(err, bot.ErrorForbidden) }},
		{1, bot.IsTooManyRequestsError},
		{1, func(err error) bool { return err == nil }}, // Times: 2 used up; sendPhoto fault untouched
	} {
		if err := send(tc.chatID); !tc.check(err) {
			t.Fatalf("send #%d to %d: unexpected %v", i, tc.chatID, err)
		}
	}
	srv.ClearFaults()
	if err := send(2); err != nil {
		t.Fatalf("after ClearFaults: %v", err)
	}
}

func TestSetHandler(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)

	srv.SetHandler("sendMessage", func(c Call) (int, any) {
		return http.StatusBadRequest, APIError(400, "Bad Request: chat not found")
	})
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "x"})
	if !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("err = %v", err)
	}
	// A group migrated to a supergroup: the library's MigrateError.
	srv.SetHandler("SENDMESSAGE", func(c Call) (int, any) {
		return http.StatusBadRequest, []byte(`{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}}`)
	})
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: -55, Text: "x"})
	var me *bot.MigrateError
	if !errors.As(err, &me) || me.MigrateToChatID != -1001234567890 {
		t.Fatalf("err = %#v, want *bot.MigrateError", err)
	}
	srv.SetHandler("getMe", func(c Call) (int, any) { return 0, OK(map[string]any{"id": 1, "is_bot": true, "first_name": "Other"}) })
	if me, err := b.GetMe(ctx); err != nil || me.FirstName != "Other" {
		t.Fatalf("overridden getMe = %+v, %v", me, err)
	}

	srv.SetHandler("sendMessage", nil)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "x"}); err != nil {
		t.Fatalf("restored: %v", err)
	}
	if c := srv.CallsTo("sendMessage"); len(c) != 3 || c[0].Description != "Bad Request: chat not found" {
		t.Errorf("calls = %+v", c)
	}
}
