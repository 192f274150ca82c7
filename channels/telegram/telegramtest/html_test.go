package telegramtest

import (
	"errors"
	"html"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// TestParseHTML holds the parser to Telegram's behaviour; the error texts are
// tdlib's, checked against its parser source.
func TestParseHTML(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		lenient bool
		plain   string
		ents    []models.MessageEntity
		err     string
	}{
		{name: "entities decoded", in: "<b>gras</b> &lt;3 &amp; &quot;x&quot; &#39;y&#x27; &gt", plain: `gras <3 & "x" 'y' >`,
			ents: []models.MessageEntity{{Type: "bold", Offset: 0, Length: 4}}},
		{name: "html.EscapeString output", in: html.EscapeString(`Tom & Jerry <3 "q" 'a'`), plain: `Tom & Jerry <3 "q" 'a'`},
		{name: "case-insensitive tags", in: "<B>x</B><STRONG>y</strong>", plain: "xy",
			ents: []models.MessageEntity{{Type: "bold", Offset: 0, Length: 1}, {Type: "bold", Offset: 1, Length: 1}}},
		{name: "nested, UTF-16 offsets", in: "😀 <i>é<u>ü</u></i>", plain: "😀 éü",
			ents: []models.MessageEntity{{Type: "italic", Offset: 3, Length: 2}, {Type: "underline", Offset: 4, Length: 1}}},
		{name: "link with & in its URL", in: `<a href="https://ex.fr/?a=1&b=2">lien</a>`, plain: "lien",
			ents: []models.MessageEntity{{Type: "text_link", Offset: 0, Length: 4, URL: "https://ex.fr/?a=1&b=2"}}},
		{name: "spoilers", in: `<tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span>`, plain: "ab",
			ents: []models.MessageEntity{{Type: "spoiler", Offset: 0, Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{name: "pre with language", in: `<pre><code class="language-go">x := 1</code></pre>`, plain: "x := 1",
			ents: []models.MessageEntity{{Type: "pre", Offset: 0, Length: 6, Language: "go"}}},
		{name: "code drops language", in: `<code class="language-go">x</code>`, plain: "x",
			ents: []models.MessageEntity{{Type: "code", Offset: 0, Length: 1}}},
		{name: "expandable blockquote", in: "<blockquote expandable>q</blockquote><blockquote>r</blockquote>", plain: "qr",
			ents: []models.MessageEntity{{Type: "expandable_blockquote", Offset: 0, Length: 1}, {Type: "blockquote", Offset: 1, Length: 1}}},
		{name: "custom emoji", in: `<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, plain: "👍",
			ents: []models.MessageEntity{{Type: "custom_emoji", Offset: 0, Length: 2, CustomEmojiID: "5368324170671202286"}}},
		{name: "empty tag makes no entity", in: "<b></b>x", plain: "x"},
		{name: "anonymous end tag", in: "<i>x</>", plain: "x", ents: []models.MessageEntity{{Type: "italic", Offset: 0, Length: 1}}},

		{name: "bare <", in: "a < b", err: `Unsupported start tag "" at byte offset 2`},
		{name: "unknown tag", in: "<br>", err: `Unsupported start tag "br" at byte offset 0`},
		{name: "unclosed start", in: "x <b", err: "Unclosed start tag at byte offset 2"},
		{name: "unclosed attribute", in: "<a href", err: `Unclosed start tag "a" at byte offset 0`},
		{name: "unclosed quoted", in: `<a href="x"`, err: "Unclosed start tag at byte offset 0"},
		{name: "empty attribute name", in: `<a ="x">y</a>`, err: `Empty attribute name in the tag "a" at byte offset 0`},
		{name: "bad name token", in: "<a href=x/>y</a>", err: "Unexpected end of name token at byte offset 8"},
		{name: "span without class", in: "<span>x</span>", err: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{name: "unexpected end", in: "x</b>", err: "Unexpected end tag at byte offset 1"},
		{name: "unclosed end", in: "<b>x</b", err: "Unclosed end tag at byte offset 4"},
		{name: "unmatched end", in: "<b>x</i>", err: `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{name: "missing end", in: "<b>x", err: `Can't find end tag corresponding to start tag "b"`},
		{name: "bad emoji id", in: `<tg-emoji emoji-id="x">y</tg-emoji>`, err: "Invalid custom emoji identifier specified"},
		{name: "surrogate", in: "&#xD800;", err: "Text contains invalid Unicode characters"},

		{name: "bare & (strict)", in: "Q&A", err: `Character "&" at byte offset 1 is not an entity`},
		{name: "unknown entity (strict)", in: "a&nbsp;b", err: `Character "&" at byte offset 1 is not an entity`},
		{name: "bare & (lenient, as Telegram)", in: "Q&A &nbsp; &#12345678;", lenient: true, plain: "Q&A &nbsp; &#12345678;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain, ents, err := parseHTML(tc.in, tc.lenient)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if plain != tc.plain {
				t.Errorf("plain = %q, want %q", plain, tc.plain)
			}
			if string(mustJSON(ents)) != string(mustJSON(tc.ents)) && len(ents)+len(tc.ents) > 0 {
				t.Errorf("entities = %s, want %s", mustJSON(ents), mustJSON(tc.ents))
			}
		})
	}
}

// TestMessageValidation goes through the real client: what the bot sends
// and how Telegram's refusals come back.
func TestMessageValidation(t *testing.T) {
	ctx := testCtx(t)
	srv := NewServer(t)
	b := newBot(t, srv)
	long := strings.Repeat("é", 4096)
	data64 := strings.Repeat("d", 64)

	for _, tc := range []struct {
		name   string
		params bot.SendMessageParams
		want   string // "" for success
	}{
		{"escaped HTML", bot.SendMessageParams{Text: "<b>Score</b> : " + html.EscapeString("5 < 7 & co"), ParseMode: models.ParseModeHTML}, ""},
		{"bare <", bot.SendMessageParams{Text: "5 < 7", ParseMode: models.ParseModeHTML}, `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`},
		{"bare & (strict fixture)", bot.SendMessageParams{Text: "Q&A", ParseMode: models.ParseModeHTML}, "Bad Request: can't parse entities:"},
		{"no parse mode: markup is text", bot.SendMessageParams{Text: "5 < 7 & <b>"}, ""},
		{"unknown parse mode", bot.SendMessageParams{Text: "x", ParseMode: "BBCode"}, "Bad Request: unsupported parse_mode"},
		{"empty", bot.SendMessageParams{Text: ""}, "Bad Request: message text is empty"},
		{"blank", bot.SendMessageParams{Text: " \n "}, "Bad Request: message text is empty"},
		{"empty after markup", bot.SendMessageParams{Text: "<b></b>", ParseMode: models.ParseModeHTML}, "Bad Request: message text is empty"},
		{"4096 characters", bot.SendMessageParams{Text: long}, ""},
		{"markup does not count", bot.SendMessageParams{Text: "<b>" + long + "</b>", ParseMode: models.ParseModeHTML}, ""},
		{"4097 characters", bot.SendMessageParams{Text: long + "x"}, "Bad Request: message is too long"},
		{"64-byte callback data", bot.SendMessageParams{Text: "x", ReplyMarkup: keyboard("ok", data64)}, ""},
		{"65-byte callback data", bot.SendMessageParams{Text: "x", ReplyMarkup: keyboard("ok", data64+"d")}, "Bad Request: BUTTON_DATA_INVALID"},
		{"multibyte callback data", bot.SendMessageParams{Text: "x", ReplyMarkup: keyboard("ok", strings.Repeat("é", 33))}, "Bad Request: BUTTON_DATA_INVALID"},
		{"button without action", bot.SendMessageParams{Text: "x", ReplyMarkup: keyboard("ok", "")}, "Text buttons are not allowed in the inline keyboard"},
		{"reply keyboard removal", bot.SendMessageParams{Text: "x", ReplyMarkup: &models.ReplyKeyboardRemove{RemoveKeyboard: true}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.params
			p.ChatID = chat
			_, err := b.SendMessage(ctx, &p)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if !errors.Is(err, bot.ErrorBadRequest) {
				t.Fatalf("err = %v, want ErrorBadRequest", err)
			}
			mustContain(t, err, tc.want)
		})
	}

	lenient := NewServer(t, WithLenientHTML())
	lb := newBot(t, lenient)
	m, err := lb.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Q&A", ParseMode: models.ParseModeHTML})
	if err != nil || m.Text != "Q&A" {
		t.Fatalf("lenient server: %+v, %v", m, err)
	}
}
