package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

const chat = int64(4242)

func keyboard(pairs ...string) *models.InlineKeyboardMarkup {
	var row []models.InlineKeyboardButton
	for i := 0; i+1 < len(pairs); i += 2 {
		row = append(row, models.InlineKeyboardButton{Text: pairs[i], CallbackData: pairs[i+1]})
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}
}

func TestGetMe(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	// Without WithSkipGetMe, bot.New itself calls getMe.
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()))
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	me, err := b.GetMe(ctx)
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	if !me.IsBot || me.Username != srv.BotUser().Username || me.ID != 123456 || b.ID() != 123456 {
		t.Errorf("getMe = %+v, bot id %d", me, b.ID())
	}
	if n := len(srv.CallsTo("getMe")); n != 2 {
		t.Errorf("getMe calls = %d, want 2", n)
	}
}

func TestWrongTokenAndUnknownMethod(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)

	_, err := bot.New("999:wrong", bot.WithServerURL(srv.URL()))
	if !errors.Is(err, bot.ErrorUnauthorized) {
		t.Fatalf("bot.New with a wrong token: %v, want ErrorUnauthorized", err)
	}
	calls := srv.Calls()
	if len(calls) != 1 || calls[0].Status != http.StatusUnauthorized || calls[0].Token != "999:wrong" {
		t.Fatalf("calls = %+v", calls)
	}

	status, a := rawCall(ctx, t, srv, srv.Token(), "sendTelepathy", encForm, nil)
	if status != http.StatusNotFound || a.OK || a.ErrorCode != 404 || a.Description != "Not Found" {
		t.Errorf("unknown method: %d %+v", status, a)
	}
	status, a = rawCall(ctx, t, srv, "999:wrong", "sendTelepathy", encForm, nil)
	if status != http.StatusUnauthorized || a.Description != "Unauthorized" {
		t.Errorf("wrong token beats unknown method: %d %+v", status, a)
	}
	// Method names are case-insensitive in the Bot API.
	if status, _ := rawCall(ctx, t, srv, srv.Token(), "GETME", encForm, nil); status != http.StatusOK {
		t.Errorf("GETME: %d", status)
	}
}

func TestSendMessageKeyboardAndEdits(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)

	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID:      chat,
		Text:        "<b>Question 1</b> &amp; " + html.EscapeString("<suite>"),
		ParseMode:   models.ParseModeHTML,
		ReplyMarkup: keyboard("Oui", "q1:yes", "Non", "q1:no"),
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if msg.ID != 1 || msg.Text != "Question 1 & <suite>" || msg.Chat.ID != chat || msg.Chat.Type != models.ChatTypePrivate {
		t.Errorf("message = %+v", msg)
	}
	if len(msg.Entities) != 1 || msg.Entities[0].Type != models.MessageEntityTypeBold || msg.Entities[0].Length != 10 {
		t.Errorf("entities = %+v", msg.Entities)
	}
	if msg.ReplyMarkup == nil || msg.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "q1:no" {
		t.Errorf("reply markup = %+v", msg.ReplyMarkup)
	}

	call := srv.CallsTo("sendMessage")[0]
	if call.ChatID != chat || call.Params["parse_mode"] != "HTML" || !strings.Contains(call.Params["reply_markup"], `"callback_data":"q1:yes"`) {
		t.Errorf("recorded call = %+v", call)
	}
	sent := srv.Sent(chat)
	if len(sent) != 1 || sent[0].Method != "sendMessage" || sent[0].ParseMode != "HTML" ||
		sent[0].PlainText != "Question 1 & <suite>" || sent[0].ReplyMarkup.InlineKeyboard[0][0].Text != "Oui" {
		t.Fatalf("sent = %+v", sent)
	}

	// Editing without reply_markup removes the keyboard, as Telegram does.
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{
		ChatID: chat, MessageID: msg.ID, Text: "<i>Merci</i>", ParseMode: models.ParseModeHTML,
	}); err != nil {
		t.Fatalf("EditMessageText: %v", err)
	}
	sent = srv.Sent(chat)
	if sent[0].PlainText != "Merci" || sent[0].ReplyMarkup != nil || sent[0].Edits != 1 {
		t.Errorf("after edit: %+v", sent[0])
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{
		ChatID: chat, MessageID: msg.ID, Text: "<i>Merci</i>", ParseMode: models.ParseModeHTML,
	})
	if !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("identical edit: %v", err)
	}
	mustContain(t, err, "message is not modified")

	edited, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{
		ChatID: chat, MessageID: msg.ID, ReplyMarkup: keyboard("Suivant", "next"),
	})
	if err != nil {
		t.Fatalf("EditMessageReplyMarkup: %v", err)
	}
	if edited.EditDate == 0 || edited.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "next" {
		t.Errorf("edited = %+v", edited)
	}
	if s := srv.Sent(chat)[0]; s.Edits != 2 || s.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "next" {
		t.Errorf("after markup edit: %+v", s)
	}

	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"text of unknown message", func() error {
			_, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chat, MessageID: 99, Text: "x"})
			return err
		}, "Bad Request: message to edit not found"},
		{"markup of unknown message", func() error {
			_, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: chat, MessageID: 99, ReplyMarkup: keyboard("a", "b")})
			return err
		}, "Bad Request: message to edit not found"},
		{"no chat", func() error {
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: "", Text: "x"})
			return err
		}, "Bad Request: chat_id is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, bot.ErrorBadRequest) {
				t.Fatalf("err = %v, want ErrorBadRequest", err)
			}
			mustContain(t, err, tc.want)
		})
	}
}

func TestUserMessagesShareIDsAndCannotBeEdited(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)

	srv.SendText(chat, "Léa", "bonjour") // message 1, from the user
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Bonjour Léa"})
	if err != nil || msg.ID != 2 {
		t.Fatalf("bot message = %+v, %v; want id 2 after the user's", msg, err)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chat, MessageID: 1, Text: "x"})
	mustContain(t, err, "message can't be edited")

	if ok, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: chat, MessageID: msg.ID}); !ok || err != nil {
		t.Fatalf("DeleteMessage: %v %v", ok, err)
	}
	if s := srv.Sent(chat); len(s) != 1 || !s[0].Deleted {
		t.Errorf("sent after delete = %+v", s)
	}
	_, err = b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: chat, MessageID: msg.ID})
	mustContain(t, err, "message to delete not found")
}

func TestAnswerCallbackQuery(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)

	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Prêt ?", ReplyMarkup: keyboard("Go", "start:go")})
	if err != nil {
		t.Fatal(err)
	}
	u := srv.ButtonUpdate(chat, int64(msg.ID), "start:go")
	srv.PushUpdate(u)

	// The queued query carries the message as the bot left it.
	_, a := rawCall(ctx, t, srv, srv.Token(), "getUpdates", encForm, nil)
	var ups []models.Update
	if err := json.Unmarshal(a.Result, &ups); err != nil || len(ups) != 1 {
		t.Fatalf("updates %s: %v", a.Result, err)
	}
	cq := ups[0].CallbackQuery
	if cq == nil || cq.Data != "start:go" || cq.From.ID != chat || cq.Message.Message == nil ||
		cq.Message.Message.Text != "Prêt ?" || cq.Message.Message.ReplyMarkup == nil {
		t.Fatalf("callback query = %+v", cq)
	}

	ok, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "Noté"})
	if err != nil || !ok {
		t.Fatalf("AnswerCallbackQuery: %v %v", ok, err)
	}
	if !srv.CallbackAnswered(cq.ID) {
		t.Error("query not marked answered")
	}
	if c := srv.CallsTo("answerCallbackQuery")[0]; c.ChatID != chat || c.Params["text"] != "Noté" {
		t.Errorf("answer call = %+v", c)
	}
	for _, id := range []string{cq.ID, "nope"} { // twice, and unknown
		_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: id})
		if !errors.Is(err, bot.ErrorBadRequest) {
			t.Fatalf("answer %q: %v", id, err)
		}
		mustContain(t, err, "query is too old and response timeout expired or query ID is invalid")
	}
}

func TestSendPhotoAndDocument(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)
	img := pngBytes(t, 40, 30)

	msg, err := b.SendPhoto(ctx, &bot.SendPhotoParams{
		ChatID:    chat,
		Photo:     &models.InputFileUpload{Filename: "profil.png", Data: bytes.NewReader(img)},
		Caption:   "<b>Votre profil</b>",
		ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatalf("SendPhoto: %v", err)
	}
	if len(msg.Photo) != 1 || msg.Photo[0].Width != 40 || msg.Photo[0].Height != 30 || msg.Caption != "Votre profil" {
		t.Fatalf("photo message = %+v", msg)
	}
	if got := srv.CallsTo("sendPhoto")[0].Files["photo"]; !bytes.Equal(got, img) {
		t.Errorf("recorded upload differs (%d bytes, want %d)", len(got), len(img))
	}

	// A photo's caption is edited with editMessageCaption; its text cannot be.
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chat, MessageID: msg.ID, Text: "x"}); err == nil {
		t.Error("editMessageText on a photo succeeded")
	} else {
		mustContain(t, err, "there is no text in the message to edit")
	}
	edited, err := b.EditMessageCaption(ctx, &bot.EditMessageCaptionParams{ChatID: chat, MessageID: msg.ID, Caption: "<b>Votre profil</b>\n\nRéponse : 2", ParseMode: models.ParseModeHTML})
	if err != nil || edited.Caption != "Votre profil\n\nRéponse : 2" || edited.ReplyMarkup != nil {
		t.Fatalf("EditMessageCaption: %+v %v", edited, err)
	}
	if _, err := b.EditMessageCaption(ctx, &bot.EditMessageCaptionParams{ChatID: chat, MessageID: msg.ID, Caption: "<b>Votre profil</b>\n\nRéponse : 2", ParseMode: models.ParseModeHTML}); err == nil {
		t.Error("an identical caption edit succeeded")
	} else {
		mustContain(t, err, "message is not modified")
	}
	if s := srv.Sent(chat)[0]; s.Edits != 1 || !strings.Contains(s.PlainText, "Réponse : 2") {
		t.Errorf("after the caption edit: %+v", s)
	}

	// Resending by file_id delivers the same bytes.
	if _, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: chat, Photo: &models.InputFileString{Data: msg.Photo[0].FileID}}); err != nil {
		t.Fatalf("SendPhoto by file_id: %v", err)
	}
	sent := srv.Sent(chat)
	if len(sent) != 2 || !bytes.Equal(sent[0].Photo, img) || !bytes.Equal(sent[1].Photo, img) ||
		sent[0].FileName != "profil.png" || sent[0].Caption != "<b>Votre profil</b>\n\nRéponse : 2" || sent[1].FileRef != msg.Photo[0].FileID {
		t.Fatalf("sent = %+v", sent)
	}

	pdf := []byte("%PDF-1.4 rapport")
	doc, err := b.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID: chat, Document: &models.InputFileUpload{Filename: "rapport.pdf", Data: bytes.NewReader(pdf)},
	})
	if err != nil {
		t.Fatalf("SendDocument: %v", err)
	}
	if doc.Document == nil || doc.Document.MimeType != "application/pdf" || doc.Document.FileName != "rapport.pdf" {
		t.Errorf("document = %+v", doc.Document)
	}
	if s := srv.Sent(chat)[2]; !bytes.Equal(s.Document, pdf) || s.Method != "sendDocument" {
		t.Errorf("sent document = %+v", s)
	}

	for _, tc := range []struct {
		name  string
		photo models.InputFile
		want  string
	}{
		{"not an image", &models.InputFileUpload{Filename: "x.png", Data: strings.NewReader("not a png")}, "Bad Request: IMAGE_PROCESS_FAILED"},
		{"unknown file_id", &models.InputFileString{Data: "AgACAgQAAxkBAAI"}, "Bad Request: wrong file identifier/HTTP URL specified"},
		{"document as photo", &models.InputFileString{Data: doc.Document.FileID}, "Bad Request: can't use file of type Document as Photo"},
		{"too wide", &models.InputFileUpload{Filename: "w.png", Data: bytes.NewReader(pngBytes(t, 2100, 100))}, "Bad Request: PHOTO_INVALID_DIMENSIONS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: chat, Photo: tc.photo})
			if !errors.Is(err, bot.ErrorBadRequest) {
				t.Fatalf("err = %v", err)
			}
			mustContain(t, err, tc.want)
		})
	}
	if n := len(srv.Sent(chat)); n != 3 {
		t.Errorf("failed sends were delivered: %d messages", n)
	}
}

func TestSendChatAction(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)
	if ok, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: chat, Action: models.ChatActionUploadPhoto}); !ok || err != nil {
		t.Fatalf("SendChatAction: %v %v", ok, err)
	}
	_, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: chat, Action: "dancing"})
	mustContain(t, err, "wrong parameter action in request")
	if c := srv.CallsTo("sendChatAction")[0]; c.ChatID != chat || c.Params["action"] != "upload_photo" {
		t.Errorf("call = %+v", c)
	}
}

func TestCommandsAndDescriptions(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)

	fr := []models.BotCommand{{Command: "start", Description: "Commencer le diagnostic"}, {Command: "aide", Description: "Aide"}}
	en := []models.BotCommand{{Command: "start", Description: "Start the diagnostic"}, {Command: "help", Description: "Help"}}
	for lang, cmds := range map[string][]models.BotCommand{"fr": fr, "en": en} {
		if ok, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds, LanguageCode: lang}); !ok || err != nil {
			t.Fatalf("SetMyCommands %s: %v %v", lang, ok, err)
		}
	}
	if got := srv.Commands("fr"); len(got) != 2 || got[0] != fr[0] || got[1] != fr[1] {
		t.Errorf("fr commands = %+v", got)
	}
	if got := srv.Commands("en"); len(got) != 2 || got[1] != en[1] {
		t.Errorf("en commands = %+v", got)
	}
	if got := srv.Commands(""); got != nil {
		t.Errorf("default-language commands = %+v, want none", got)
	}
	got, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{LanguageCode: "fr"})
	if err != nil || len(got) != 2 || got[0] != fr[0] {
		t.Errorf("GetMyCommands fr = %+v, %v", got, err)
	}

	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{
		Commands: fr[:1], Scope: &models.BotCommandScopeAllPrivateChats{},
	}); err != nil {
		t.Fatal(err)
	}
	if got := srv.ScopedCommands("all_private_chats", ""); len(got) != 1 {
		t.Errorf("scoped commands = %+v", got)
	}

	for _, bad := range []models.BotCommand{{Command: "Start", Description: "x"}, {Command: "start", Description: ""}} {
		_, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{bad}})
		if !errors.Is(err, bot.ErrorBadRequest) {
			t.Errorf("SetMyCommands %+v: %v", bad, err)
		}
	}

	if _, err := b.SetMyDescription(ctx, &bot.SetMyDescriptionParams{Description: "Diagnostic des compétences numériques", LanguageCode: "fr"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetMyShortDescription(ctx, &bot.SetMyShortDescriptionParams{ShortDescription: "Digital skills check"}); err != nil {
		t.Fatal(err)
	}
	if srv.Description("fr") != "Diagnostic des compétences numériques" || srv.ShortDescription("") != "Digital skills check" {
		t.Errorf("descriptions = %q, %q", srv.Description("fr"), srv.ShortDescription(""))
	}
}

func TestWebhookRegistration(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)

	srv.SendText(chat, "Léa", "old")
	ok, err := b.SetWebhook(ctx, &bot.SetWebhookParams{
		URL: "https://diag.example/hook", SecretToken: "s3cr3t_-", AllowedUpdates: []string{"message", "callback_query"},
	})
	if !ok || err != nil {
		t.Fatalf("SetWebhook: %v %v", ok, err)
	}
	wh := srv.Webhook()
	if wh.URL != "https://diag.example/hook" || wh.SecretToken != "s3cr3t_-" || len(wh.AllowedUpdates) != 2 {
		t.Errorf("webhook = %+v", wh)
	}
	info, err := b.GetWebhookInfo(ctx)
	if err != nil || info.URL != wh.URL || info.PendingUpdateCount != 1 {
		t.Errorf("GetWebhookInfo = %+v, %v", info, err)
	}

	// Polling is refused while a webhook is set.
	status, a := rawCall(ctx, t, srv, srv.Token(), "getUpdates", encForm, nil)
	if status != http.StatusConflict || !strings.Contains(a.Description, "webhook is active") {
		t.Errorf("getUpdates with a webhook: %d %+v", status, a)
	}

	_, err = b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "https://diag.example/hook", SecretToken: "no spaces!"})
	mustContain(t, err, "secret token contains unallowed characters")

	if ok, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{DropPendingUpdates: true}); !ok || err != nil {
		t.Fatalf("DeleteWebhook: %v %v", ok, err)
	}
	if wh := srv.Webhook(); wh.URL != "" || !wh.DropPendingUpdates {
		t.Errorf("webhook after delete = %+v", wh)
	}
	status, a = rawCall(ctx, t, srv, srv.Token(), "getUpdates", encForm, nil)
	if status != http.StatusOK || string(a.Result) != "[]" {
		t.Errorf("getUpdates after deleteWebhook(drop) = %d %s", status, a.Result)
	}
}

// TestWebhookDelivery posts updates to go-telegram's own webhook handler, and
// pins down that it answers 200 even to a wrong secret token (dropping the
// update), so the bot must check the secret itself to answer 401.
func TestWebhookDelivery(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	got := make(chan *models.Update, 4)
	b := newBot(t, srv,
		bot.WithWebhookSecretToken("s3cr3t"),
		bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) { got <- u }),
	)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { b.StartWebhook(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	hook := httptest.NewServer(b.WebhookHandler())
	t.Cleanup(hook.Close)

	post := func(secret string, u models.Update) int {
		t.Helper()
		resp, err := srv.PostWebhook(hook.URL, secret, u)
		if err != nil {
			t.Fatalf("PostWebhook: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong", srv.TextUpdate(chat, "Intrus", "forged")); code != http.StatusOK {
		t.Errorf("wrong secret answered %d; go-telegram v1.19.0 answers 200", code)
	}
	if code := post("s3cr3t", srv.TextUpdate(chat, "Léa", "bonjour")); code != http.StatusOK {
		t.Errorf("right secret answered %d", code)
	}
	select {
	case u := <-got: // the forged update was dropped before the real one was posted
		if u.Message == nil || u.Message.Text != "bonjour" || u.Message.From.FirstName != "Léa" {
			t.Fatalf("first update delivered = %+v", u)
		}
	case <-ctx.Done():
		t.Fatal("no update delivered")
	}

	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Q1", ReplyMarkup: keyboard("A", "q1:a")})
	if err != nil {
		t.Fatal(err)
	}
	bu := srv.ButtonUpdate(chat, int64(msg.ID), "q1:a")
	post("s3cr3t", bu)
	select {
	case u := <-got:
		if u.CallbackQuery == nil || u.CallbackQuery.Data != "q1:a" || u.CallbackQuery.Message.Message.Text != "Q1" {
			t.Fatalf("callback delivered = %+v", u)
		}
		if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID}); err != nil {
			t.Errorf("answering a webhook-delivered query: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("no callback delivered")
	}
}

// TestPollingEndToEnd runs go-telegram's own getUpdates loop against the
// server: user text in, HTML reply with a keyboard out, button press, answer
// and edit, and every update confirmed.
func TestPollingEndToEnd(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t, WithMaxPollWait(50*time.Millisecond))
	b := newBot(t, srv,
		bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if u.Message == nil {
				return
			}
			_, _ = b.SendMessage(ctx, &bot.SendMessageParams{
				ChatID:      u.Message.Chat.ID,
				Text:        "Bonjour <b>" + html.EscapeString(u.Message.From.FirstName) + "</b>",
				ParseMode:   models.ParseModeHTML,
				ReplyMarkup: keyboard("Commencer", "start:go"),
			})
		}),
		bot.WithCallbackQueryDataHandler("start:", bot.MatchTypePrefix, func(ctx context.Context, b *bot.Bot, u *models.Update) {
			cq := u.CallbackQuery
			_, _ = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID})
			_, _ = b.EditMessageText(ctx, &bot.EditMessageTextParams{
				ChatID: cq.Message.Message.Chat.ID, MessageID: cq.Message.Message.ID, Text: "C'est parti",
			})
		}),
	)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { b.Start(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	srv.SendText(chat, "Léa <3", "/start")
	if err := srv.WaitFor(ctx, func([]Call) bool { return len(srv.Sent(chat)) == 1 }); err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent(chat)[0]
	if sent.PlainText != "Bonjour Léa <3" {
		t.Errorf("reply = %q", sent.PlainText)
	}
	last := srv.PressButton(chat, int64(sent.MessageID), "start:go")
	// Confirmation happens when a poll arrives with offset = last + 1; the
	// call itself is recorded when that poll is answered.
	confirmed := func(calls []Call) bool {
		for _, c := range calls {
			if c.Method == "getUpdates" && c.Params["offset"] == strconv.FormatInt(last+1, 10) {
				return true
			}
		}
		return false
	}
	if err := srv.WaitFor(ctx, func(calls []Call) bool {
		s := srv.Sent(chat)
		return confirmed(calls) && len(s) == 1 && s[0].Edits == 1 && len(srv.CallsTo("answerCallbackQuery")) == 1
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.PendingUpdates()); n != 0 {
		t.Errorf("%d updates left unconfirmed", n)
	}
	if s := srv.Sent(chat)[0]; s.PlainText != "C'est parti" || s.ReplyMarkup != nil {
		t.Errorf("after the press: %+v", s)
	}
	// The library asks for timeout = pollTimeout - 1s (59 by default) and
	// offset = last seen id + 1.
	polls := srv.CallsTo("getUpdates")
	if p := polls[0].Params; p["timeout"] != "59" || p["offset"] != "1" {
		t.Errorf("first poll params = %v", p)
	}
}

// TestBodyEncodings sends the same call in each encoding the Bot API
// accepts: reply_markup is a JSON object in a JSON body and a JSON string in
// form bodies, and must read the same.
func TestBodyEncodings(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	markup := map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "Oui", "callback_data": "yes"}}}}
	for i, enc := range []encoding{encForm, encJSON, encMultipart} {
		status, a := rawCall(ctx, t, srv, srv.Token(), "sendMessage", enc, map[string]any{
			"chat_id": chat, "text": "<i>Prêt ?</i>", "parse_mode": "HTML", "reply_markup": markup,
		})
		if status != http.StatusOK || !a.OK {
			t.Fatalf("%s: %d %+v", enc, status, a)
		}
		s := srv.Sent(chat)[i]
		if s.PlainText != "Prêt ?" || s.ReplyMarkup == nil || s.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "yes" {
			t.Errorf("%s: sent = %+v", enc, s)
		}
		if p := srv.Calls()[i].Params; p["chat_id"] != "4242" || !strings.HasPrefix(p["reply_markup"], "{") {
			t.Errorf("%s: params = %v", enc, p)
		}
	}
}
