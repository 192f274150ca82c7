package telegram

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/diagbot/diagbot/channels/telegram/telegramtest"
	"github.com/diagbot/diagbot/dialog"
)

// fakeClock is simulated time: Sleep advances it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

func simLimiter(c *fakeClock) *Limiter {
	l := NewLimiter()
	l.Now, l.Sleep = c.Now, c.Sleep
	return l
}

func maxInWindow(times []time.Time, w time.Duration) int {
	best := 0
	for i := range times {
		n := 0
		for j := i; j < len(times) && times[j].Sub(times[i]) < w; j++ {
			n++
		}
		best = max(best, n)
	}
	return best
}

func TestLimiterPerChat(t *testing.T) {
	c := &fakeClock{now: time.Unix(1e9, 0)}
	l := simLimiter(c)
	var times []time.Time
	for i := 0; i < 10; i++ {
		l.Wait(context.Background(), 42)
		times = append(times, c.Now())
	}
	start := times[0]
	if !times[2].Equal(start) || times[3].Sub(start) != time.Second || times[9].Sub(start) != 7*time.Second {
		t.Errorf("a burst of 3 then 1/s expected, got offsets %v", offsets(times))
	}
}

func offsets(ts []time.Time) []time.Duration {
	var out []time.Duration
	for _, t := range ts {
		out = append(out, t.Sub(ts[0]))
	}
	return out
}

func TestLimiterGlobal(t *testing.T) {
	c := &fakeClock{now: time.Unix(1e9, 0)}
	l := simLimiter(c)
	var times []time.Time
	for i := 0; i < 500; i++ { // 500 chats, one message each
		l.Wait(context.Background(), int64(i))
		times = append(times, c.Now())
	}
	if m := maxInWindow(times, time.Second); m > 25 {
		t.Errorf("%d messages in one second, limit 25", m)
	}
	if d := times[len(times)-1].Sub(times[0]); d > 20*time.Second {
		t.Errorf("500 messages took %v of simulated time: too slow", d)
	}
}

func TestTranslate(t *testing.T) {
	priv := models.Chat{ID: 12, Type: models.ChatTypePrivate}
	user := &models.User{ID: 12, FirstName: "Léa", LanguageCode: "en"}
	tests := []struct {
		name  string
		u     models.Update
		ok    bool
		group int64
		want  dialog.Input
	}{
		{"command", models.Update{ID: 1, Message: &models.Message{Chat: priv, From: user, Text: "/start ABCDEF234"}}, true, 0,
			dialog.Input{Kind: dialog.InCommand, Command: "start", Args: "ABCDEF234", FirstName: "Léa", Lang: "en"}},
		{"text", models.Update{ID: 2, Message: &models.Message{Chat: priv, From: user, Text: "2"}}, true, 0,
			dialog.Input{Kind: dialog.InText, Text: "2", FirstName: "Léa", Lang: "en"}},
		{"sticker", models.Update{ID: 3, Message: &models.Message{Chat: priv, From: user, Sticker: &models.Sticker{}}}, true, 0,
			dialog.Input{Kind: dialog.InOther, What: "sticker", FirstName: "Léa", Lang: "en"}},
		{"voice", models.Update{ID: 4, Message: &models.Message{Chat: priv, Voice: &models.Voice{}}}, true, 0,
			dialog.Input{Kind: dialog.InOther, What: "voice"}},
		{"button", models.Update{ID: 5, CallbackQuery: &models.CallbackQuery{ID: "q", From: *user, Data: "a:1:1:0"}}, true, 0,
			dialog.Input{Kind: dialog.InButton, Data: "a:1:1:0", FirstName: "Léa", Lang: "en"}},
		{"group", models.Update{ID: 6, Message: &models.Message{Chat: models.Chat{ID: -5, Type: models.ChatTypeGroup}, Text: "/start"}}, false, -5, dialog.Input{}},
		{"edit", models.Update{ID: 7, EditedMessage: &models.Message{Chat: priv, Text: "x"}}, false, 0, dialog.Input{}},
	}
	for _, tt := range tests {
		in, ok, group := Translate(tt.u)
		if ok != tt.ok || group != tt.group || in.Input != tt.want {
			t.Errorf("%s: got %+v %v %d", tt.name, in, ok, group)
		}
		if ok && (in.LearnerID != "telegram:12" || in.Key == "") {
			t.Errorf("%s: learner %q key %q", tt.name, in.LearnerID, in.Key)
		}
	}
	if id, ok := ChatID("telegram:-100123"); !ok || id != -100123 {
		t.Error("ChatID round trip")
	}
	if _, ok := ChatID("console:local"); ok {
		t.Error("ChatID accepted a console learner")
	}
}

// TestSendEscapesAndClassifiesErrors sends through the real client to the
// fake server, which rejects malformed HTML as Telegram does.
func TestSendEscapesAndClassifiesErrors(t *testing.T) {
	srv := telegramtest.NewServer(t)
	api, err := tg.New(srv.Token(), tg.WithServerURL(srv.URL()), tg.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeClock{now: time.Unix(1e9, 0)}
	s := NewSender(api, simLimiter(c), nil, nil)
	ctx := context.Background()
	q := &dialog.QuestionView{Session: 1, Number: 1, Header: "Question 1 · ▓", Prompt: "Que fait <script> & « x > y » ?",
		Choices: []string{"a < b", "R&D"}, Buttons: [][]dialog.ButtonView{{{Label: "1. a < b", Data: "a:1:1:0"}}}}
	if _, err := s.Send(ctx, 7, dialog.Output{Kind: dialog.OutQuestion, Question: q}); err != nil {
		t.Fatalf("escaped question refused: %v", err)
	}
	sent := srv.Sent(7)
	if len(sent) != 1 || !strings.Contains(sent[0].PlainText, "<script> & « x > y »") {
		t.Fatalf("sent %+v", sent)
	}
	if _, err := s.Send(ctx, 7, dialog.Output{Kind: dialog.OutAnswered, Answered: &dialog.AnsweredView{Session: 1, Number: 1, Text: "Réponse : a < b"}}); err != nil {
		t.Fatal(err)
	}
	if m := srv.Sent(7)[0]; m.ReplyMarkup != nil || !strings.Contains(m.PlainText, "Réponse : a < b") {
		t.Errorf("question not edited to show the answer: %+v", m)
	}

	srv.Fail(telegramtest.Fault{Method: "sendMessage", Kind: telegramtest.TooManyRequests, RetryAfter: 7})
	_, err = s.Send(ctx, 7, dialog.Output{Kind: dialog.OutText, Text: "x"})
	var se *SendError
	if !errors.As(err, &se) || se.RetryAfter() != 7*time.Second || se.Unreachable() {
		t.Errorf("429: %v", err)
	}
	srv.Fail(telegramtest.Fault{Method: "sendMessage", Kind: telegramtest.Forbidden})
	_, err = s.Send(ctx, 7, dialog.Output{Kind: dialog.OutText, Text: "x"})
	if !errors.As(err, &se) || !se.Unreachable() {
		t.Errorf("403: %v", err)
	}
	srv.Fail(telegramtest.Fault{Method: "sendMessage", Kind: telegramtest.ServerError})
	_, err = s.Send(ctx, 7, dialog.Output{Kind: dialog.OutText, Text: "x"})
	if !errors.As(err, &se) || se.Unreachable() || se.RetryAfter() != 0 {
		t.Errorf("500: %v", err)
	}
}

func TestResultsHTMLFits(t *testing.T) {
	r := &dialog.ResultsView{Title: "Vos résultats", Summary: "Niveau 3"}
	for i := 0; i < 16; i++ {
		r.Competences = append(r.Competences, dialog.CompetenceView{ID: "1.1", Name: strings.Repeat("Nom très long & ", 5), Level: i % 9})
	}
	for i := 0; i < 3; i++ {
		r.Train = append(r.Train, dialog.TrainView{Competence: "4.1", Name: "x", Tips: []string{strings.Repeat("conseil <b> ", 30)}})
	}
	if n := len([]rune(ResultsHTML(r))); n > 4096 {
		t.Errorf("results text is %d characters", n)
	}
}

func TestBotCommandsAreDialogCommands(t *testing.T) {
	for lang, cmds := range BotCommands {
		if len(cmds) != len(BotCommands["fr"]) {
			t.Errorf("%s has %d commands, fr %d", lang, len(cmds), len(BotCommands["fr"]))
		}
		for _, c := range cmds {
			// The English menu may offer an English alias (/certificate).
			if canon, ok := dialog.Commands[c.Command]; !ok || canon != c.Command && lang == "fr" {
				t.Errorf("%s menu offers /%s, which the dialog does not know as a command", lang, c.Command)
			}
		}
	}
}

// newPhoneSender is a sender on the fake Bot API, its clock still.
func newPhoneSender(t *testing.T) (*telegramtest.Server, *Sender) {
	t.Helper()
	srv := telegramtest.NewServer(t)
	api, err := tg.New(srv.Token(), tg.WithServerURL(srv.URL()), tg.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	return srv, NewSender(api, simLimiter(&fakeClock{now: time.Unix(1e9, 0)}), nil, nil)
}

// TestQuestionLayoutOnAPhone: a question whose choices fit on buttons is
// sent with the choices as the buttons and not listed in the text; one with
// long choices lists them numbered, with a row of number buttons.
func TestQuestionLayoutOnAPhone(t *testing.T) {
	srv, s := newPhoneSender(t)
	short := &dialog.QuestionView{Session: 1, Number: 1, Header: "Question 1", Prompt: "Quel site ?",
		Buttons: [][]dialog.ButtonView{{{Label: "CAF", Data: "a:1:1:1"}}, {{Label: "Ameli", Data: "a:1:1:0"}}, {{Label: "🤷 Je ne sais pas", Data: "a:1:1:skip"}}}}
	long := &dialog.QuestionView{Session: 1, Number: 2, Header: "Question 2", Prompt: "Que faire ?",
		Choices: []string{"Cliquer sur le lien pour voir ce qu'il y a", "Chercher l'information sur un site officiel"},
		Buttons: [][]dialog.ButtonView{{{Label: "1", Data: "a:1:2:1"}, {Label: "2", Data: "a:1:2:0"}}, {{Label: "🤷 Je ne sais pas", Data: "a:1:2:skip"}}}}
	for _, q := range []*dialog.QuestionView{short, long} {
		if _, err := s.Send(context.Background(), 9, dialog.Output{Kind: dialog.OutQuestion, Question: q}); err != nil {
			t.Fatal(err)
		}
	}
	sent := srv.Sent(9)
	if len(sent) != 2 {
		t.Fatalf("sent %d messages", len(sent))
	}
	if m := sent[0]; strings.Contains(m.PlainText, "CAF") || m.ReplyMarkup.InlineKeyboard[0][0].Text != "CAF" {
		t.Errorf("short choices: listed twice or not the buttons: %q %+v", m.PlainText, m.ReplyMarkup)
	}
	m := sent[1]
	if !strings.Contains(m.PlainText, "1. Cliquer sur le lien") || !strings.Contains(m.PlainText, "2. Chercher") {
		t.Errorf("long choices not listed numbered: %q", m.PlainText)
	}
	if row := m.ReplyMarkup.InlineKeyboard[0]; len(row) != 2 || row[0].Text != "1" || row[1].CallbackData != "a:1:2:0" {
		t.Errorf("long choices: want one row of number buttons, got %+v", m.ReplyMarkup.InlineKeyboard)
	}
}

// TestResultsOnAPhone: the results come as bars per area (a photo whose
// caption is the title), then the short first message with a button per
// area and the attestation's; results stored before the areas keep the
// radar and the full text.
func TestResultsOnAPhone(t *testing.T) {
	srv, s := newPhoneSender(t)
	r := &dialog.ResultsView{Title: "Vos résultats", ChartTitle: "Votre niveau par domaine (sur 8)",
		Summary:     "Votre niveau : intermédiaire (3 sur 8).\nVous savez déjà reconnaître un SMS d'arnaque. 👍",
		Competences: []dialog.CompetenceView{{ID: "4.1", Name: "Sécuriser", Level: 3, Value: 3.2}},
		Areas:       []dialog.AreaView{{ID: 4, Plain: "Se protéger", Name: "Protection et sécurité", Level: 3}, {ID: 1, Plain: "Chercher l'information", Level: 5}}}
	o := dialog.Output{Kind: dialog.OutResults, Results: r, Buttons: [][]dialog.ButtonView{
		{{Label: "🔎 Se protéger", Data: "m:area:4"}}, {{Label: "📜 Obtenir mon attestation", Data: "m:attest:start"}}}}
	if _, err := s.ResultsChart(context.Background(), 5, r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), 5, o); err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent(5)
	if len(sent) != 2 || sent[0].PlainText != "Vos résultats" {
		t.Fatalf("sent %+v", sent)
	}
	if m := sent[1]; m.PlainText != r.Summary || len(m.ReplyMarkup.InlineKeyboard) != 2 || m.ReplyMarkup.InlineKeyboard[1][0].CallbackData != "m:attest:start" {
		t.Errorf("first results message: %q %+v", m.PlainText, m.ReplyMarkup)
	}
	if png, err := ResultsBars(r); err != nil || len(png) < 1000 {
		t.Errorf("bars: %d bytes, %v", len(png), err)
	}
}

// TestAttestationFiles: the attestation's files (filled by the issuer) go
// as documents, the first with the text; without files, the text alone.
func TestAttestationFiles(t *testing.T) {
	srv, s := newPhoneSender(t)
	o := dialog.Output{Kind: dialog.OutAttestation, Text: "📜 Voici votre attestation.", Attestation: &dialog.AttestationView{Name: "Léa Martin"},
		Files: []dialog.OutFile{{Name: "attestation.pdf", MIME: "application/pdf", Data: []byte("%PDF-1.7")}, {Name: "badge.png", MIME: "image/png", Data: []byte("png")}}}
	if _, err := s.Send(context.Background(), 3, o); err != nil {
		t.Fatal(err)
	}
	o.Files = nil
	if _, err := s.Send(context.Background(), 3, o); err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent(3)
	if len(sent) != 3 || sent[0].Method != "sendDocument" || sent[0].FileName != "attestation.pdf" || sent[0].PlainText != o.Text ||
		sent[1].FileName != "badge.png" || sent[1].Caption != "" || sent[2].Method != "sendMessage" || sent[2].PlainText != o.Text {
		t.Errorf("sent %+v", sent)
	}
}
