package slack

import (
	"context"
	"testing"
	"time"

	"github.com/diagbot/diagbot/channels/slack/slackfake"
	"github.com/diagbot/diagbot/dialog"
)

// A crash between Slack's acceptance of a post and the bot's mark: the
// outbox sends the entry again, marked uncertain. The advisor must still see
// each notification once, and the bot must get the same reference back (a
// help request's is the learner's thread).
func TestUncertainRetryDoesNotPostTwice(t *testing.T) {
	at := time.Unix(1700000000, 0)
	thread := chanHelp + ":"
	f := slackfake.New(t)
	s := newTestSender(t, f, func(c *Config) {
		c.ThreadOf = func(string) (string, bool, error) { return thread, thread != chanHelp+":", nil }
	})
	ctx := context.Background()
	ln := func(kind dialog.EventKind, text string) dialog.Notification {
		return dialog.Notification{LearnerID: learnerID, At: at, Event: dialog.Event{Kind: kind, Text: text, FirstName: "Léo"}}
	}
	finished := ln(dialog.EvFinished, "")
	finished.Event.Result = sampleResult()
	digest := ln(dialog.EvDigest, "")
	digest.Event.Digest = &dialog.Digest{Week: "2026-W49", Learners: 3}

	tests := []struct {
		name   string
		notice Notice
		method string // the call that makes it visible
	}{
		{"help request", note(t, KindHelp, ln(dialog.EvHelp, "je bloque"), chanHelp), "chat.postMessage"},
		{"message in the help thread", note(t, KindHelpMessage, ln(dialog.EvHelpMessage, "merci"), chanHelp), "chat.postMessage"},
		{"places in the help thread", note(t, KindPlaces, ln(dialog.EvPlaces, "Lieux proposés près de 16000"), chanHelp), "chat.postMessage"},
		{"finished, shared with its chart", note(t, KindFinished, finished, chanHelp), "files.completeUploadExternal"},
		{"erased", note(t, KindErased, ln(dialog.EvErased, ""), chanHelp), "chat.postMessage"},
		{"digest", note(t, KindDigest, digest, chanHelp), "chat.postMessage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.OK(tt.method))
			first, err := s.Send(ctx, tt.notice)
			if err != nil || first == "" {
				t.Fatalf("first send: %q, %v", first, err)
			}
			if tt.notice.Kind == KindHelp {
				thread = first // the bot records the help request as the learner's thread
			}
			again := tt.notice
			again.Uncertain = true
			second, err := s.Send(ctx, again)
			if err != nil {
				t.Fatal(err)
			}
			if second != first {
				t.Errorf("the retry returned %q, want the first post's %q", second, first)
			}
			if n := len(f.OK(tt.method)) - before; n != 1 {
				t.Errorf("%d visible posts after a send and an uncertain retry, want 1", n)
			}
		})
	}

	// An uncertain entry that never reached Slack is posted, once.
	fresh := note(t, KindErased, ln(dialog.EvErased, ""), chanHelp)
	fresh.Uncertain = true
	before := len(f.OK("chat.postMessage"))
	if _, err := s.Send(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if n := len(f.OK("chat.postMessage")) - before; n != 1 {
		t.Errorf("an uncertain entry never posted made %d posts, want 1", n)
	}

	// History that cannot be read (no scope): post rather than lose it.
	f.Fail("conversations.history", slackfake.Fault{SlackOK: true, Code: "missing_scope"})
	blind := note(t, KindErased, ln(dialog.EvErased, ""), chanHelp)
	blind.Uncertain = true
	before = len(f.OK("chat.postMessage"))
	if _, err := s.Send(ctx, blind); err != nil {
		t.Fatal(err)
	}
	if n := len(f.OK("chat.postMessage")) - before; n != 1 {
		t.Errorf("without history, %d posts, want 1", n)
	}

	// History down: try later, post nothing now.
	f.Fail("conversations.history", slackfake.Fault{Status: 503})
	down := note(t, KindErased, ln(dialog.EvErased, ""), chanHelp)
	down.Uncertain = true
	before = len(f.OK("chat.postMessage"))
	if _, err := s.Send(ctx, down); err == nil {
		t.Error("history down: want an error to retry later")
	}
	if n := len(f.OK("chat.postMessage")) - before; n != 0 {
		t.Errorf("history down: %d posts, want none yet", n)
	}
}
