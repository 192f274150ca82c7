package slack

import (
	"context"
	"errors"
	"strings"

	slackapi "github.com/slack-go/slack"
)

// Who is an advisor, and the names of people mentioned.

// isAdvisor tells whether user is an advisor: listed by id, or a member of a
// listed channel (members cached for MembersTTL).
func (l *Listener) isAdvisor(ctx context.Context, user string) (bool, error) {
	if user == "" {
		return false, nil
	}
	if l.users[user] {
		return true, nil
	}
	var errs []error
	for _, ch := range l.channels {
		ids, err := l.channelMembers(ctx, ch)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ids[user] {
			return true, nil
		}
	}
	return false, errors.Join(errs...)
}

// channelMembers returns a channel's members, from the cache when fresh. When
// Slack cannot answer, a stale list is better than refusing every advisor.
func (l *Listener) channelMembers(ctx context.Context, channel string) (map[string]bool, error) {
	now := l.cfg.Now()
	l.mu.Lock()
	cached, ok := l.members[channel]
	l.mu.Unlock()
	if ok && now.Sub(cached.at) < MembersTTL && !now.Before(cached.at) {
		return cached.ids, nil
	}
	ids := map[string]bool{}
	cursor := ""
	for {
		page, next, err := l.api.GetUsersInConversationContext(ctx, &slackapi.GetUsersInConversationParameters{ChannelID: channel, Cursor: cursor, Limit: 1000})
		if err != nil {
			err = classify(err, "read the members of the advisors' channel (listed in "+EnvAdvisors+")", channel)
			if ok {
				l.cfg.Log.Warn().Err(err).Msg("slack: using the previous list of advisors")
				return cached.ids, nil
			}
			return nil, err
		}
		for _, id := range page {
			ids[id] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	l.mu.Lock()
	l.members[channel] = memberList{ids: ids, at: now}
	l.mu.Unlock()
	return ids, nil
}

// userName resolves mentions in an advisor's reply to display names.
func (l *Listener) userName(ctx context.Context) func(string) string {
	return func(id string) string {
		l.mu.Lock()
		n, ok := l.names[id]
		l.mu.Unlock()
		if ok {
			return n
		}
		u, err := l.api.GetUserInfoContext(ctx, id)
		if err != nil {
			l.cfg.Log.Debug().Err(err).Msg("slack: cannot resolve a mention")
			return ""
		}
		n = u.Profile.DisplayName
		if n == "" {
			n = u.RealName
		}
		if n == "" {
			n = u.Name
		}
		l.mu.Lock()
		if len(l.names) >= maxNameCache {
			clear(l.names)
		}
		l.names[id] = n
		l.mu.Unlock()
		return n
	}
}

// unescapeEntities undoes Slack's &amp; &lt; &gt; in a command's text.
func unescapeEntities(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
