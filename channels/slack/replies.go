package slack

import (
	"bytes"
	"context"
	"errors"
	"strings"

	slackapi "github.com/slack-go/slack"
)

// Slash commands and the answers to them: in the channel, to the advisor alone, or in their conversation with the bot.

// command runs a slash command for an advisor and posts the reply.
func (l *Listener) command(ctx context.Context, sc slackapi.SlashCommand) {
	log := l.cfg.Log
	ok, err := l.isAdvisor(ctx, sc.UserID)
	if err != nil {
		log.Error().Err(err).Msg("slack: cannot check whether the user is an advisor")
		l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, textCannotCheck)
		return
	}
	if !ok {
		log.Warn().Str("user", sc.UserID).Msg("slack: /diagbot refused: the user is not an advisor")
		l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, textRefused)
		return
	}
	c, err := ParseCommand(unescapeEntities(sc.Text))
	if err != nil {
		l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, err.Error())
		return
	}
	if c.Op == OpHelp {
		l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, Usage)
		return
	}
	c.User, c.Channel = sc.UserID, sc.ChannelID
	if c.Op == OpCampaignCreate {
		c.BotAbsent = !l.isMember(ctx, sc.ChannelID)
	}
	reply, err := l.h.Command(ctx, c)
	if err != nil {
		log.Error().Err(err).Str("op", c.Op).Msg("slack: /diagbot command failed")
		l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, textFailed)
		return
	}
	log.Info().Str("op", c.Op).Int("files", len(reply.Files)).Msg("slack: /diagbot command done")
	l.reply(ctx, sc, reply)
}

// reply posts a command's answer where the command was typed. When the bot
// is not in that channel it answers the advisor alone, through the command's
// response_url, which works anywhere.
func (l *Listener) reply(ctx context.Context, sc slackapi.SlashCommand, r Reply) {
	invite := false
	if strings.TrimSpace(r.Text) != "" {
		if r.Ephemeral {
			l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, r.Text)
		} else if _, _, err := l.api.PostMessageContext(ctx, sc.ChannelID, slackapi.MsgOptionText(r.Text, false)); err != nil {
			l.cfg.Log.Warn().Err(classify(err, "post a command's reply", sc.ChannelID)).Msg("slack: reply not posted in the channel, sent to the advisor alone")
			l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, r.Text+"\n\n"+textInvite)
			invite = isOneOf(slackCode(err), channelErrors)
		}
	}
	where := sc.ChannelID
	if invite || r.Ephemeral {
		where = "" // the channel refused the text, or the text is for the advisor alone
	}
	for _, f := range r.Files {
		if len(f.Data) == 0 || f.Name == "" {
			l.cfg.Log.Error().Str("file", f.Name).Msg("slack: a command's reply has an empty file or no file name: skipped")
			continue
		}
		if where != "" {
			err := l.upload(ctx, where, f)
			if err == nil {
				continue
			}
			l.cfg.Log.Warn().Err(classify(err, "upload "+f.Name, where)).Msg("slack: a command's file was not uploaded in the channel")
			if !isOneOf(slackCode(err), channelErrors) {
				l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, "Je n'ai pas pu déposer le fichier « "+Escape(f.Name)+" ». Réessayez la commande dans une minute.")
				continue
			}
			where = ""
			l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, textFilesInDM)
		}
		// The advisor's own conversation with the bot, which always works.
		dm, _, _, err := l.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{sc.UserID}})
		if err == nil {
			err = l.upload(ctx, dm.ID, f)
		}
		if err != nil {
			l.cfg.Log.Warn().Err(err).Str("file", f.Name).Msg("slack: a command's file could not be sent to the advisor either")
			l.ephemeral(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, "Je n'ai pas pu vous envoyer le fichier « "+Escape(f.Name)+" ». "+textInvite)
		}
	}
}

func (l *Listener) upload(ctx context.Context, channel string, f File) error {
	_, err := l.api.UploadFileContext(ctx, slackapi.UploadFileParameters{
		Reader: bytes.NewReader(f.Data), FileSize: len(f.Data), Filename: f.Name, Title: f.Title, Channel: channel,
	})
	return err
}

// isMember tells whether the bot is a member of channel. A direct message
// between people, a channel it was not invited to, or one it cannot see:
// no. When Slack does not answer, it assumes yes (and the post tells).
func (l *Listener) isMember(ctx context.Context, channel string) bool {
	ch, err := l.api.GetConversationInfoContext(ctx, &slackapi.GetConversationInfoInput{ChannelID: channel})
	switch {
	case err == nil:
		return ch.IsMember || ch.IsIM // an IM it can read is its own with the advisor
	case isOneOf(slackCode(err), channelErrors), slackCode(err) == "missing_scope":
		return false
	}
	l.cfg.Log.Warn().Err(err).Str("channel", channel).Msg("slack: cannot tell whether the bot is in the channel")
	return true
}

// ephemeral shows text to one user in a channel; when the bot cannot post
// there, through the response_url of the command or button.
func (l *Listener) ephemeral(ctx context.Context, channel, user, responseURL, text string) {
	_, err := l.api.PostEphemeralContext(ctx, channel, user, slackapi.MsgOptionText(text, false))
	if err == nil {
		return
	}
	if responseURL != "" {
		err2 := slackapi.PostWebhookCustomHTTPContext(ctx, responseURL, l.cfg.HTTPClient,
			&slackapi.WebhookMessage{Text: text, ResponseType: slackapi.ResponseTypeEphemeral, ReplaceOriginal: false})
		if err2 == nil {
			return
		}
		err = errors.Join(err, err2)
	}
	l.cfg.Log.Warn().Err(err).Str("channel", channel).Msg("slack: cannot answer the advisor")
}
