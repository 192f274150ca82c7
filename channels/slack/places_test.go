package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/channels/slack/slackfake"
	"github.com/diagbot/diagbot/dialog"
)

// TestSendPlaces: the places proposed to a learner go to the campaign's
// channel as one short line, escaped.
func TestSendPlaces(t *testing.T) {
	f := slackfake.New(t)
	s := newTestSender(t, f, nil)
	n := dialog.Notification{LearnerID: "test:1", Event: dialog.Event{Kind: dialog.EvPlaces, Campaign: "QWERTY789", FirstName: "Inès",
		Text: "Lieux proposés près de 16000 pour 4.1 : MJC <Mosaïque>, Angoulême (300 m)."}}
	if _, err := s.Send(context.Background(), note(t, KindPlaces, n, chanHelp)); err != nil {
		t.Fatal(err)
	}
	posts := f.OK("chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("got %s", f.Methods())
	}
	if got := posts[0].Form.Get("text"); got != "📍 Inès · Lieux proposés près de 16000 pour 4.1 : MJC &lt;Mosaïque&gt;, Angoulême (300 m)." || strings.Contains(got, "\n") {
		t.Errorf("text %q", got)
	}
}
