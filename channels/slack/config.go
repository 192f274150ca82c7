package slack

import (
	"errors"
	"fmt"
	stdlog "log"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
	slackapi "github.com/slack-go/slack"

	"github.com/diagbot/diagbot/engine/bank"
)

// Defaults and limits.
const (
	// DefaultAPIURL is Slack's Web API. slack-go joins method names to it, so
	// it must end with a slash.
	DefaultAPIURL = "https://slack.com/api/"
	// MembersTTL is how long the members of an advisor channel are trusted:
	// someone added to the channel can use /diagbot within five minutes,
	// someone removed loses it within five minutes, and a busy help channel
	// costs one conversations.members call per channel per five minutes.
	MembersTTL = 5 * time.Minute
	// HTTPTimeout bounds one call to Slack. slack-go's own default client
	// has no timeout, so a stalled connection would hold a dispatcher forever.
	HTTPTimeout = 30 * time.Second
)

// The environment variables, named in errors so the operator knows what to fix.
const (
	EnvBotToken = "DIAGBOT_SLACK_BOT_TOKEN"
	EnvAppToken = "DIAGBOT_SLACK_APP_TOKEN"
	EnvAdvisors = "DIAGBOT_SLACK_ADVISORS"
	EnvChannel  = "DIAGBOT_SLACK_CHANNEL"
	EnvAPIURL   = "DIAGBOT_SLACK_API_URL"
)

// Config is what the Slack channel needs. The bot builds it from the
// environment (see README.md).
type Config struct {
	BotToken, AppToken string
	APIURL             string   // "" = https://slack.com/api/; a trailing slash is added if missing
	DefaultChannel     string   // channel id for To == "default"
	Advisors           []string // Slack user ids (U…/W…) and channel ids (C…/G…) whose members are advisors
	Log                zerolog.Logger
	Now                func() time.Time // for caches; default time.Now
	Bank               *bank.Bank       // optional: item prompts for help notifications
	// SkillName names a skill to train in a finished notification (the
	// micro-lesson's title); optional: without it, or when it returns "",
	// the skill id is shown.
	SkillName  func(competence, skill string) string
	ThreadOf   func(learnerID string) (ref string, ok bool, err error) // the learner's open help thread
	HTTPClient *http.Client                                            // optional; default has a 30 s timeout
}

// normalize checks the settings shared by the sender and the listener and
// fills the defaults.
func (c Config) normalize() (Config, error) {
	if strings.TrimSpace(c.BotToken) == "" {
		return c, fmt.Errorf("slack: %s is empty: set it to the Bot User OAuth Token (xoxb-…) from your Slack app's \"OAuth & Permissions\" page", EnvBotToken)
	}
	c.BotToken = strings.TrimSpace(c.BotToken)
	c.AppToken = strings.TrimSpace(c.AppToken)
	if strings.HasPrefix(c.BotToken, "xapp-") {
		return c, fmt.Errorf("slack: %s holds an app-level token (xapp-…): it belongs in %s; %s takes the Bot User OAuth Token (xoxb-…)", EnvBotToken, EnvAppToken, EnvBotToken)
	}
	u, err := normalizeAPIURL(c.APIURL)
	if err != nil {
		return c, err
	}
	c.APIURL = u
	if c.DefaultChannel != "" && !isChannelID(c.DefaultChannel) {
		return c, fmt.Errorf("slack: %s=%q is not a channel id: use the id (C… or G…, in Slack: channel name → About → Channel ID), not the #name", EnvChannel, c.DefaultChannel)
	}
	for _, a := range c.Advisors {
		if !isUserID(a) && !isChannelID(a) {
			return c, fmt.Errorf("slack: %s: %q is not a Slack user id (U…/W…) or channel id (C…/G…)", EnvAdvisors, a)
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: HTTPTimeout}
	}
	return c, nil
}

func normalizeAPIURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultAPIURL, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("slack: %s=%q is not an http(s) URL: leave it empty for %s", EnvAPIURL, s, DefaultAPIURL)
	}
	if !strings.HasSuffix(s, "/") {
		s += "/" // slack-go appends "chat.postMessage" to it as is
	}
	return s, nil
}

// newAPI builds a slack-go client for cfg (already normalized).
func newAPI(cfg Config) *slackapi.Client {
	opts := []slackapi.Option{
		slackapi.OptionAPIURL(cfg.APIURL),
		slackapi.OptionHTTPClient(cfg.HTTPClient),
		slackapi.OptionLog(stdlog.New(debugWriter{cfg.Log}, "", 0)),
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	return slackapi.New(cfg.BotToken, opts...)
}

// debugWriter sends slack-go's own log lines to zerolog at debug level: they
// may quote payloads, which hold personal data.
type debugWriter struct{ log zerolog.Logger }

func (w debugWriter) Write(p []byte) (int, error) {
	w.log.Debug().Str("component", "slack-go").Msg(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// ParseAdvisors reads DIAGBOT_SLACK_ADVISORS: Slack user ids (U…, W…) and
// channel ids (C…, G…) separated by commas or spaces. Every member of a
// listed channel is an advisor. Duplicates are dropped; "" gives none.
func ParseAdvisors(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' }) {
		id := strings.TrimSpace(f)
		if !isUserID(id) && !isChannelID(id) {
			hint := ""
			switch up := strings.ToUpper(id); {
			case strings.HasPrefix(id, "@"), strings.HasPrefix(id, "#"):
				hint = " (names change and are not unique: use ids)"
			case isUserID(up) || isChannelID(up):
				hint = " (ids are in capitals: " + up + ")"
			}
			return nil, fmt.Errorf("slack: %s: %q is not a Slack user id (U… or W…) or channel id (C… or G…)%s. "+
				"In Slack, a member id is under profile → ⋮ → \"Copy member ID\", a channel id under channel name → About", EnvAdvisors, id, hint)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// isID tells a Slack id: a prefix letter then 2 or more capitals or digits.
func isID(s, prefixes string) bool {
	if len(s) < 3 || len(s) > 32 || !strings.ContainsRune(prefixes, rune(s[0])) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isUserID(s string) bool    { return isID(s, "UW") }
func isChannelID(s string) bool { return isID(s, "CG") }

// SendError is a failed call to Slack, classified for the bot's dispatcher:
// RetryAfter is Slack's Retry-After on a 429 (0 otherwise). Every SendError is
// worth retrying: a channel the bot is not in works once someone invites it.
type SendError struct {
	Err   error
	Retry time.Duration
}

func (e *SendError) Error() string             { return e.Err.Error() }
func (e *SendError) Unwrap() error             { return e.Err }
func (e *SendError) RetryAfter() time.Duration { return e.Retry }

// Slack error codes that need the operator.
var (
	authErrors    = []string{"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"}
	channelErrors = []string{"not_in_channel", "channel_not_found"}
)

func slackCode(err error) string {
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

func isOneOf(code string, set []string) bool {
	for _, s := range set {
		if code == s {
			return true
		}
	}
	return false
}

// classify turns a slack-go error into a SendError whose message says what
// to do. what is the call ("post the help notification"), channel where.
func classify(err error, what, channel string) error {
	if err == nil {
		return nil
	}
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		return &SendError{Err: fmt.Errorf("slack: %s in %s: rate limited, retry after %s: %w", what, channel, rl.RetryAfter, err), Retry: rl.RetryAfter}
	}
	code := slackCode(err)
	var se slackapi.SlackErrorResponse
	errors.As(err, &se)
	switch {
	case isOneOf(code, channelErrors):
		return &SendError{Err: fmt.Errorf("slack: cannot %s in channel %s (%s): invite the bot to that channel (in the channel: /invite @the-bot), or fix the campaign's Slack channel or %s: %w",
			what, channel, code, EnvChannel, err)}
	case code == "is_archived":
		return &SendError{Err: fmt.Errorf("slack: cannot %s: channel %s is archived: unarchive it, or move the campaign to another channel: %w", what, channel, err)}
	case isOneOf(code, authErrors):
		return &SendError{Err: fmt.Errorf("slack: cannot %s: Slack refused the bot token (%s): check %s (the Bot User OAuth Token, xoxb-…) and that the app is still installed: %w",
			what, code, EnvBotToken, err)}
	case code == "missing_scope":
		return &SendError{Err: fmt.Errorf("slack: cannot %s: the Slack app lacks the scope %q: add it under \"OAuth & Permissions\" and reinstall the app (see channels/slack/README.md): %w",
			what, se.Needed, err)}
	}
	return &SendError{Err: fmt.Errorf("slack: %s in %s: %w", what, channel, err)}
}
