package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	slackapi "github.com/slack-go/slack"
)

// An outbox entry can reach Slack without the bot knowing: the post
// succeeded, then the bot crashed (or lost Slack's answer) before it marked
// the entry sent. Posting it again would show the advisor the same message
// twice. So every message the sender posts carries the entry's key in its
// metadata (a file share, which takes no metadata, carries it in the file's
// name), and a retry that may follow such a success first looks for it.

// metadataType is the event type of the metadata diagbot puts on its posts.
const metadataType = "diagbot_outbox"

// lookBack is how far before a notification's time its post is looked for
// (clocks differ), and lookPages bounds how many pages of history are read:
// the bot posts a notification within minutes of its time, unless Slack
// was down for long, and then the lookup costs a few calls more.
const (
	lookBack  = 2 * time.Minute
	lookPages = 5
	lookLimit = 200
)

// keyMetadata marks a post with its outbox key.
func keyMetadata(key string) slackapi.MsgOption {
	return slackapi.MsgOptionMetadata(slackapi.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{"key": key}})
}

// chartFileName is the finished chart's file name, which carries the key.
func chartFileName(key string) string {
	if key == "" {
		return "niveaux.png"
	}
	return "niveaux-" + key + ".png"
}

// posted looks for the message an earlier attempt may have posted for m,
// and returns its reference when found. Updates (claimed, resolved) give
// the same message twice and are not looked for. When the history cannot be
// read for good (a missing scope), it says not found: posting twice is
// better than never.
func (s *Sender) posted(ctx context.Context, channel string, m Notice) (string, bool, error) {
	if m.Key == "" || m.Kind == KindClaimed || m.Kind == KindResolved {
		return "", false, nil
	}
	oldest := ""
	if !m.At.IsZero() {
		at := m.At.Add(-lookBack)
		oldest = strconv.FormatInt(at.Unix(), 10) + "." + fmt.Sprintf("%06d", at.Nanosecond()/1000)
	}
	var thread string
	if (m.Kind == KindHelpMessage || m.Kind == KindPlaces) && s.cfg.ThreadOf != nil && m.LearnerID != "" {
		if r, ok, err := s.cfg.ThreadOf(m.LearnerID); err != nil {
			return "", false, fmt.Errorf("slack: look up the learner's help thread: %w", err)
		} else if ch, ts, ok2 := splitRef(r); ok && ok2 {
			channel, thread = ch, ts
		}
	}
	cursor := ""
	for page := 0; page < lookPages; page++ {
		var (
			msgs []slackapi.Message
			next string
			err  error
		)
		if thread != "" {
			var more bool
			msgs, more, next, err = s.api.GetConversationRepliesContext(ctx, &slackapi.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: thread, Oldest: oldest, Limit: lookLimit, Cursor: cursor, IncludeAllMetadata: true})
			if !more {
				next = ""
			}
		} else {
			var h *slackapi.GetConversationHistoryResponse
			h, err = s.api.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{
				ChannelID: channel, Oldest: oldest, Limit: lookLimit, Cursor: cursor, IncludeAllMetadata: true})
			if h != nil {
				msgs, next = h.Messages, h.ResponseMetaData.NextCursor
			}
		}
		if err != nil {
			var rl *slackapi.RateLimitedError
			if errors.As(err, &rl) || slackCode(err) == "" {
				return "", false, classify(err, "look for an earlier post", channel)
			}
			s.cfg.Log.Warn().Err(err).Str("channel", channel).Msg("slack: cannot read the channel to look for an earlier post (add the channels:history and groups:history scopes); posting")
			return "", false, nil
		}
		for _, msg := range msgs {
			if r, ok := sameKey(channel, msg, m.Key); ok {
				return r, true, nil
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return "", false, nil
}

// sameKey tells whether msg is the post of key, and returns its reference.
func sameKey(channel string, msg slackapi.Message, key string) (string, bool) {
	if msg.Metadata.EventType == metadataType && fmt.Sprint(msg.Metadata.EventPayload["key"]) == key {
		return ref(channel, msg.Timestamp), true
	}
	for _, f := range msg.Files {
		if f.Name == chartFileName(key) {
			return "file:" + f.ID, true
		}
	}
	return "", false
}
