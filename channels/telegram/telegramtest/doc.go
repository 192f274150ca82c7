// Package telegramtest is an in-process fake of the Telegram Bot API for tests.
//
// The diagnostic bot talks to Telegram through github.com/go-telegram/bot. A
// mock of our own interface would only check that we call ourselves the way we
// think we do; this server instead speaks the real wire format (multipart
// bodies with JSON-encoded fields, {"ok":...,"result":...} envelopes, Telegram
// error codes and descriptions), so tests run the real client end to end and
// catch encoding mistakes, unescaped HTML, oversized callback data, confirmed
// update offsets and mishandled 429/403 answers before production does.
//
// Start one per test with [NewServer] and point the client at it:
//
//	srv := telegramtest.NewServer(t)
//	b, _ := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
//
// Then inject user activity ([Server.SendText], [Server.PressButton], ...),
// let the bot poll getUpdates (or post to its webhook with
// [Server.PostWebhook]), and assert on what reached the chat ([Server.Sent]),
// on the raw calls ([Server.Calls], [Server.WaitFor]) and on pacing
// ([Server.MaxRate]). Faults ([Server.Fail]) reproduce rate limits, blocked
// users, server errors, dropped connections and slow answers.
//
// Where the fixture deliberately differs from Telegram it says so: a bare '&'
// in HTML text is rejected by default (Telegram keeps it literally; see
// [WithLenientHTML]), long polls are capped at a short real wait (see
// [WithMaxPollWait]), and setWebhook accepts plain http URLs so that an
// httptest server can receive updates.
package telegramtest
