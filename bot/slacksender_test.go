package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/channels/slack"
	"github.com/diagbot/diagbot/channels/slack/slackfake"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// The outbox entries a crashed process may have posted (created before this
// one started) and entries that failed before are looked for; fresh ones are
// posted at once.
func TestSlackSenderLooksBeforeReposting(t *testing.T) {
	f := slackfake.New(t)
	ss, err := slack.NewSender(slack.Config{BotToken: "xoxb-test", APIURL: strings.TrimSuffix(f.APIURL(), "/"), DefaultChannel: "CROOM", Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	started := time.Unix(1700000100, 0)
	a := &SlackSender{S: ss, Started: started}
	payload, _ := json.Marshal(dialog.Notification{Event: dialog.Event{Kind: dialog.EvErased}, At: started.Add(-time.Minute)})
	entry := storage.Message{ID: 41, Channel: NotifyChannel, To: "CROOM", Kind: slack.KindErased, Payload: payload, CreatedAt: started.Add(-time.Minute)}
	for _, tt := range []struct {
		name    string
		m       storage.Message
		lookups int
	}{
		{"before the start", entry, 1},
		{"again, from a third process", entry, 1},
		{"fresh", storage.Message{ID: 42, Channel: NotifyChannel, To: "CROOM", Kind: slack.KindErased, Payload: payload, CreatedAt: started.Add(time.Second)}, 0},
		{"failed once", storage.Message{ID: 43, Channel: NotifyChannel, To: "CROOM", Kind: slack.KindErased, Payload: payload, CreatedAt: started.Add(time.Second), Attempts: 1}, 1},
	} {
		before := len(f.OK("conversations.history"))
		if _, err := a.Send(context.Background(), tt.m); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if n := len(f.OK("conversations.history")) - before; n != tt.lookups {
			t.Errorf("%s: %d lookups, want %d", tt.name, n, tt.lookups)
		}
	}
	if n := len(f.OK("chat.postMessage")); n != 3 {
		t.Errorf("%d posts for entries 41 (twice), 42 and 43, want 3", n)
	}
	if _, err := a.Send(context.Background(), storage.Message{ID: 44, Kind: slack.KindHelp, To: "CROOM", Payload: []byte(`"text"`)}); err == nil {
		t.Error("a payload that is not a notification must be an error")
	}
}
