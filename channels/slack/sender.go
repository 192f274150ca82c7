package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	slackapi "github.com/slack-go/slack"

	"github.com/diagbot/diagbot/dialog"
)

// Outbox kinds the sender knows: "notify_" + the dialog event kind.
const (
	KindStarted     = "notify_" + string(dialog.EvStarted)
	KindFinished    = "notify_" + string(dialog.EvFinished)
	KindHelp        = "notify_" + string(dialog.EvHelp)
	KindHelpMessage = "notify_" + string(dialog.EvHelpMessage)
	KindClaimed     = "notify_" + string(dialog.EvClaimed)
	KindResolved    = "notify_" + string(dialog.EvResolved)
	KindErased      = "notify_" + string(dialog.EvErased)
	KindDigest      = "notify_" + string(dialog.EvDigest)
	KindPlaces      = "notify_" + string(dialog.EvPlaces)
)

// DefaultTo addresses a notification to Config.DefaultChannel.
const DefaultTo = "default"

// Sender delivers advisor notifications from the outbox to Slack. It
// implements bot.Sender; the bot's dispatcher retries its errors with
// backoff, waiting at least RetryAfter on a 429.
type Sender struct {
	cfg Config
	api *slackapi.Client

	alreadyPosted atomic.Int64
}

// AlreadyPosted counts the notifications an uncertain retry found already
// posted, and did not post again.
func (s *Sender) AlreadyPosted() int64 { return s.alreadyPosted.Load() }

// NewSender checks cfg and returns a sender. It makes no call to Slack;
// Listener.Check does.
func NewSender(cfg Config) (*Sender, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	return &Sender{cfg: cfg, api: newAPI(cfg)}, nil
}

// Notice is one advisor notification to deliver.
type Notice struct {
	// Key names this notification for good (the bot's outbox id). Every
	// message posted for it carries the key in its metadata, so a retry can
	// find what an earlier attempt posted.
	Key  string
	Kind string // KindFinished …
	To   string // a channel id, or DefaultTo
	dialog.Notification
	// Uncertain says an earlier attempt may have reached Slack without the
	// bot recording it (it crashed, or the answer was lost): the sender then
	// looks for the message before posting it again.
	Uncertain bool
}

// Send delivers one notification to the Slack channel n.To ("default" for
// Config.DefaultChannel). It returns "CHANNEL:TS" for messages posted or
// updated, which the bot records (a help notification's is the learner's
// help thread). Kinds it does not show (notify_started, unknown ones) send
// nothing and return "", nil.
func (s *Sender) Send(ctx context.Context, m Notice) (string, error) {
	switch m.Kind {
	case KindFinished, KindHelp, KindHelpMessage, KindClaimed, KindResolved, KindErased, KindDigest, KindPlaces:
	default:
		s.cfg.Log.Debug().Str("kind", m.Kind).Str("key", m.Key).Msg("slack: nothing to show for this kind")
		return "", nil
	}
	n := m.Notification
	channel, err := s.channel(m.To)
	if err != nil {
		return "", err
	}
	if m.Uncertain {
		if r, found, err := s.posted(ctx, channel, m); err != nil || found {
			if found {
				s.alreadyPosted.Add(1)
				s.cfg.Log.Info().Str("kind", m.Kind).Str("key", m.Key).Msg("slack: already posted by an earlier attempt, not posted again")
			}
			return r, err
		}
	}
	switch m.Kind {
	case KindFinished:
		return s.finished(ctx, channel, m.Key, n)
	case KindHelp:
		ch, ts, err := s.api.PostMessageContext(ctx, channel,
			slackapi.MsgOptionText(helpFallback(n), false),
			slackapi.MsgOptionBlocks(helpBlocks(n, s.prompt)...),
			slackapi.MsgOptionDisableLinkUnfurl(), keyMetadata(m.Key))
		return ref(ch, ts), classify(err, "post a help request", channel)
	case KindHelpMessage:
		return s.helpMessage(ctx, channel, m.Key, n)
	case KindClaimed:
		return s.restatus(ctx, n, false)
	case KindResolved:
		return s.restatus(ctx, n, true)
	case KindErased:
		return s.post(ctx, channel, m.Key, erasedText(n), "post an erasure notice")
	case KindPlaces:
		return s.places(ctx, channel, m.Key, n)
	default: // KindDigest
		return s.post(ctx, channel, m.Key, digestText(n), "post the weekly digest")
	}
}

// channel resolves a recipient.
func (s *Sender) channel(to string) (string, error) {
	if to != DefaultTo {
		return to, nil
	}
	if s.cfg.DefaultChannel == "" {
		return "", fmt.Errorf("slack: a notification goes to the default channel, but %s is not set: set it to the id of the advisors' channel (C…)", EnvChannel)
	}
	return s.cfg.DefaultChannel, nil
}

func (s *Sender) post(ctx context.Context, channel, key, text, what string) (string, error) {
	ch, ts, err := s.api.PostMessageContext(ctx, channel, slackapi.MsgOptionText(text, false), slackapi.MsgOptionDisableLinkUnfurl(), keyMetadata(key))
	return ref(ch, ts), classify(err, what, channel)
}

func (s *Sender) prompt(itemID string) string {
	if s.cfg.Bank == nil {
		return ""
	}
	if it, ok := s.cfg.Bank.Item(itemID); ok {
		return it.Prompt
	}
	return ""
}

// finished posts the results with the radar chart.
//
// It is ONE call that makes ONE visible message, so a retry can never show
// the text twice: files.getUploadURLExternal and the upload itself leave a
// private file nobody sees, and files.completeUploadExternal shares it in the
// channel with the text as its initial comment, in one step. Had we posted
// the text and then uploaded the chart in its thread, a failed upload would
// be retried with the text, and the channel would show it twice. What is left
// is the outbox's own at-least-once: a crash after Slack accepted the share
// and before the bot marked it sent. The file's name carries the key, so an
// uncertain retry finds the share in the channel's history (see posted).
func (s *Sender) finished(ctx context.Context, channel, key string, n dialog.Notification) (string, error) {
	text := finishedText(n, s.cfg.SkillName)
	png, err := radar(n.Event.Result)
	if err != nil {
		// A chart is a nicety: the levels are in the text.
		s.cfg.Log.Warn().Err(err).Msg("slack: no radar chart for a finished diagnostic, the text goes alone")
		return s.post(ctx, channel, key, text, "post a finished diagnostic")
	}
	f, err := s.api.UploadFileContext(ctx, slackapi.UploadFileParameters{
		Reader:         bytes.NewReader(png),
		FileSize:       len(png),
		Filename:       chartFileName(key),
		Title:          "Niveaux par compétence",
		AltTxt:         "Radar des niveaux par compétence, de 0 à 8",
		InitialComment: text,
		Channel:        channel,
	})
	if err != nil {
		return "", classify(err, "share a finished diagnostic", channel)
	}
	return "file:" + f.ID, nil
}

// helpMessage posts a learner's message in their open help thread, or at top
// level with a note when there is none.
func (s *Sender) helpMessage(ctx context.Context, channel, key string, n dialog.Notification) (string, error) {
	var thread string
	if s.cfg.ThreadOf != nil && n.LearnerID != "" {
		r, ok, err := s.cfg.ThreadOf(n.LearnerID)
		if err != nil {
			return "", fmt.Errorf("slack: look up the learner's help thread: %w", err)
		}
		if ok {
			thread = r
		}
	}
	if ch, ts, ok := splitRef(thread); ok {
		c, t, err := s.api.PostMessageContext(ctx, ch, slackapi.MsgOptionText(helpMessageText(n, true), false),
			slackapi.MsgOptionTS(ts), slackapi.MsgOptionDisableLinkUnfurl(), keyMetadata(key))
		if err == nil {
			s.quoteFirst(ctx, ch, ts, n)
		}
		return ref(c, t), classify(err, "post a learner's message in their help thread", ch)
	} else if thread != "" {
		s.cfg.Log.Warn().Str("ref", thread).Msg("slack: the learner's help thread is not CHANNEL:TS; their message goes to the channel")
	}
	return s.post(ctx, channel, key, helpMessageText(n, false), "post a learner's message")
}

// places posts the places proposed to a learner: in their open help thread
// when they have one (the advisor answering them sees where they were sent),
// else in the channel.
func (s *Sender) places(ctx context.Context, channel, key string, n dialog.Notification) (string, error) {
	text := "📍 " + who(n) + " · " + Escape(n.Event.Text)
	if s.cfg.ThreadOf != nil && n.LearnerID != "" {
		r, ok, err := s.cfg.ThreadOf(n.LearnerID)
		if err != nil {
			return "", fmt.Errorf("slack: look up the learner's help thread: %w", err)
		}
		if ch, ts, ok2 := splitRef(r); ok && ok2 {
			c, t, err := s.api.PostMessageContext(ctx, ch, slackapi.MsgOptionText(text, false),
				slackapi.MsgOptionTS(ts), slackapi.MsgOptionDisableLinkUnfurl(), keyMetadata(key))
			return ref(c, t), classify(err, "post the places proposed in the learner's help thread", ch)
		}
	}
	return s.post(ctx, channel, key, text, "post the places proposed")
}

// quoteFirst puts the learner's first words into their help request when
// they asked for help without saying why (/aide alone) and then wrote: the
// advisor sees at a glance what is wrong, without opening the thread. Later
// messages leave it as it is. Best effort: the message is in the thread
// anyway.
func (s *Sender) quoteFirst(ctx context.Context, channel, ts string, n dialog.Notification) {
	blocks, err := s.postedBlocks(ctx, channel, ts)
	if err != nil || blocks == nil {
		return
	}
	changed := false
	for i, b := range blocks {
		sec, ok := b.(*slackapi.SectionBlock)
		if !ok || b.ID() != blockHelpText || sec.Text == nil || sec.Text.Text != quote("") {
			continue
		}
		blocks[i] = slackapi.NewSectionBlock(mrkdwn(quote(n.Event.Text)), nil, nil, slackapi.SectionBlockOptionBlockID(blockHelpText))
		changed = true
	}
	if !changed {
		return
	}
	if _, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, slackapi.MsgOptionText(helpFallback(n), false), slackapi.MsgOptionBlocks(blocks...)); err != nil {
		s.cfg.Log.Warn().Err(err).Str("channel", channel).Msg("slack: cannot quote the learner's first message in their help request")
	}
}

// restatus updates a help notification after a claim or a resolve: the same
// content, a new status line, the next button. Updating twice gives the same
// message, so a retried update is harmless.
func (s *Sender) restatus(ctx context.Context, n dialog.Notification, resolved bool) (string, error) {
	ch, ts, ok := splitRef(n.Event.Ref)
	if !ok {
		s.cfg.Log.Warn().Str("ref", n.Event.Ref).Msg("slack: a claim or resolve names no help message (CHANNEL:TS): nothing to update")
		return "", nil
	}
	blocks, err := s.postedBlocks(ctx, ch, ts)
	if err != nil {
		return "", classify(err, "read the help request to update", ch)
	}
	if blocks == nil {
		// Not found (history not readable, or the message is gone): rebuild
		// it from the event, which knows the learner but not their message.
		s.cfg.Log.Debug().Str("channel", ch).Msg("slack: help request not found in history, rebuilt from the event")
		for _, b := range helpBlocks(n, s.prompt) {
			if b.ID() != blockHelpText {
				blocks = append(blocks, b)
			}
		}
	}
	fallback := "Demande d'aide prise en charge par " + mention(n.Event.Advisor)
	if resolved {
		fallback = "Demande d'aide résolue par " + mention(n.Event.Advisor)
	}
	_, _, _, err = s.api.UpdateMessageContext(ctx, ch, ts,
		slackapi.MsgOptionText(fallback, false),
		slackapi.MsgOptionBlocks(restatus(blocks, n.LearnerID, n.Event.Advisor, resolved)...))
	switch slackCode(err) {
	case "message_not_found", "cant_update_message", "edit_window_closed":
		s.cfg.Log.Warn().Str("channel", ch).Str("error", slackCode(err)).Msg("slack: the help request cannot be updated any more; leaving it as it is")
		return ref(ch, ts), nil
	}
	return ref(ch, ts), classify(err, "update the help request", ch)
}

// postedBlocks reads a message's blocks; nil when it is not found.
func (s *Sender) postedBlocks(ctx context.Context, channel, ts string) ([]slackapi.Block, error) {
	h, err := s.api.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{
		ChannelID: channel, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1,
	})
	if err != nil {
		var rl *slackapi.RateLimitedError
		if errors.As(err, &rl) || slackCode(err) == "" {
			return nil, err // rate limit, network, 5xx: try again later
		}
		// missing_scope, not_in_channel …: the update still works without it.
		s.cfg.Log.Warn().Err(err).Str("channel", channel).Msg("slack: cannot read the help request (add the channels:history and groups:history scopes)")
		return nil, nil
	}
	for _, m := range h.Messages {
		if m.Timestamp == ts && len(m.Blocks.BlockSet) > 0 {
			return m.Blocks.BlockSet, nil
		}
	}
	return nil, nil
}

// ref is a posted message's reference, "CHANNEL:TS".
func ref(channel, ts string) string {
	if channel == "" || ts == "" {
		return ""
	}
	return channel + ":" + ts
}

// splitRef reads "CHANNEL:TS".
func splitRef(r string) (channel, ts string, ok bool) {
	channel, ts, ok = strings.Cut(r, ":")
	return channel, ts, ok && channel != "" && ts != ""
}
