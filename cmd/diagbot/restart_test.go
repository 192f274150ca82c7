package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/channels/telegram/telegramtest"
)

// serveAt runs the Telegram service on dbPath until the returned stop is called.
func serveAt(t *testing.T, srv *telegramtest.Server, dbPath string) (stop func()) {
	t.Helper()
	_, stop = serveWith(t, srv, dbPath, nil)
	return stop
}

// startToQuestion1 has a new learner of the chat start and accept, and
// returns question 1 as Telegram shows it, with its buttons.
func startToQuestion1(t *testing.T, srv *telegramtest.Server, chat int64, name string) telegramtest.SentMessage {
	t.Helper()
	srv.SendText(chat, name, "/start")
	consent := waitMessage(t, srv, chat, func(m telegramtest.SentMessage) bool {
		return strings.Contains(m.Text, "Avant de commencer") && len(buttons(m)) == 2
	})
	srv.PressButton(chat, int64(consent.MessageID), buttons(consent)[0].CallbackData)
	return waitMessage(t, srv, chat, func(m telegramtest.SentMessage) bool {
		return strings.Contains(m.Text+m.Caption, "Question 1 ·") && m.ReplyMarkup != nil
	})
}

// TestTelegramRestartMidSend: the bot restarts twice — once between a
// question and its answer (the answer is still shown in the question
// message), once while Telegram fails the next question (it arrives once,
// after the restart).
func TestTelegramRestartMidSend(t *testing.T) {
	srv := telegramtest.NewServer(t)
	dbPath := filepath.Join(t.TempDir(), "restart.db")
	const chat = 4242
	stop := serveAt(t, srv, dbPath)
	q1 := startToQuestion1(t, srv, chat, "Sam")
	stop()

	// Restart 1, then answer question 1: its message is edited in place, and
	// question 2 fails at Telegram while the bot stops again.
	srv.Fail(telegramtest.Fault{Method: "sendMessage", ChatID: chat, Times: -1, Kind: telegramtest.ServerError})
	srv.Fail(telegramtest.Fault{Method: "sendPhoto", ChatID: chat, Times: -1, Kind: telegramtest.ServerError})
	stop = serveAt(t, srv, dbPath)
	srv.PressButton(chat, int64(q1.MessageID), buttons(q1)[0].CallbackData)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	edited := func(calls []telegramtest.Call) bool {
		for _, c := range calls {
			if (c.Method == "editMessageText" || c.Method == "editMessageCaption") && c.Params["message_id"] == strconv.Itoa(q1.MessageID) && c.Status == http.StatusOK {
				return true
			}
		}
		return false
	}
	failed := func(calls []telegramtest.Call) bool {
		for _, c := range calls {
			if (c.Method == "sendMessage" || c.Method == "sendPhoto") && c.ChatID == chat && c.Status == http.StatusInternalServerError {
				return true
			}
		}
		return false
	}
	if err := srv.WaitFor(ctx, func(calls []telegramtest.Call) bool { return edited(calls) && failed(calls) }); err != nil {
		t.Fatalf("after the first restart: question 1 edited %v, question 2 failed %v", edited(srv.Calls()), failed(srv.Calls()))
	}
	stop()

	// Restart 2 with Telegram back: question 2 arrives, once.
	srv.ClearFaults()
	serveAt(t, srv, dbPath)
	waitMessage(t, srv, chat, func(m telegramtest.SentMessage) bool {
		return strings.Contains(m.Text+m.Caption, "Question 2 ·")
	})
	n := 0
	for _, m := range srv.Sent(chat) {
		if strings.Contains(m.Text+m.Caption, "Question 2 ·") {
			n++
		}
		if strings.Contains(m.Text+m.Caption, "Question 1 ·") && m.MessageID != q1.MessageID {
			t.Errorf("question 1 sent twice")
		}
	}
	if n != 1 {
		t.Errorf("question 2 arrived %d times, want once", n)
	}
}
