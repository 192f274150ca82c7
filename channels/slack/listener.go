package slack

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"strconv"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Handler is what the listener needs from the bot.
type Handler interface {
	// Command runs an authorized advisor's parsed command.
	Command(ctx context.Context, c Command) (Reply, error)
	// Advisor stores an advisor's action (the bot's inbox); the listener
	// acknowledges the Slack event only after it returns nil, so a failure
	// means Slack delivers it again.
	Advisor(ctx context.Context, a AdvisorAction) error
	// LearnerOfThread tells whose help thread a message reference is.
	LearnerOfThread(ref string) (learnerID string, ok bool, err error)
}

// Reply is the answer to a command.
type Reply struct {
	Text      string // Slack mrkdwn, already escaped by the bot where needed
	Files     []File // uploaded to the channel where the command was typed
	Ephemeral bool   // Text is shown to the advisor only (files are not: Slack has no ephemeral files)
	Failed    bool   // the command did nothing; Text says why and what to do
	Field     string // for a form: the field to fix (FieldPaliers, FieldResult); "" = the name
	// Actions are buttons shown under Text when the answer is shown in a
	// window (the Home tab's buttons): each runs a command again.
	Actions []ReplyAction
}

// ReplyAction is a button of a reply shown in a window.
type ReplyAction struct {
	Label    string
	ActionID string // ActionTopicLesson
	Value    string // "CODE|4.1/skill"
}

// Fields of the campaign form a failed reply can point at.
const (
	FieldPaliers = "paliers"
	FieldResult  = "result"
)

// File is a file to upload with a reply (a QR code, a chart, a CSV).
type File struct {
	Name, Title string
	Data        []byte
}

// AdvisorAction kinds.
const (
	ActionKindClaim   = "claim"
	ActionKindResolve = "resolve"
	ActionKindReply   = "reply"
)

// AdvisorAction is what an advisor did on a learner's help request.
type AdvisorAction struct {
	Kind      string // "claim", "resolve", "reply"
	ID        string // stable across Slack redeliveries: the bot's inbox key
	LearnerID string
	Ref       string // "C123:1700000000.000100", the help notification
	User      string // Slack user id
	Text      string // reply text, plain: mentions resolved, &amp; &lt; &gt; undone
}

// Texts for advisors.
const (
	textRefused = "Cette commande est réservée aux conseiller·es de la structure. " +
		"Si vous accompagnez des jeunes ici, demandez à la personne qui gère diagbot de vous ajouter."
	textRefusedButton = "Ce bouton est réservé aux conseiller·es de la structure : il ne s'est rien passé."
	textCannotCheck   = "Je n'arrive pas à vérifier vos droits pour le moment : Slack ne répond pas. Réessayez dans une minute."
	textInvite        = "_Pour que tout le canal voie la réponse et les fichiers, invitez-moi ici : `/invite @diagbot`._"
	textFailed        = "La commande n'a pas abouti. Réessayez dans une minute ; si cela revient, prévenez la personne qui gère diagbot."
	textFilesInDM     = "_Je ne peux pas déposer de fichier ici : je vous les envoie en message privé._"
)

// Listener receives advisors' commands, button presses and thread replies
// over Socket Mode: an outgoing WebSocket, so the bot needs no public URL.
type Listener struct {
	cfg      Config
	h        Handler
	api      *slackapi.Client
	sm       *socketmode.Client
	users    map[string]bool // advisors named by user id
	channels []string        // channels whose members are advisors

	mu      sync.Mutex
	members map[string]memberList // by channel
	names   map[string]string     // user id → display name, for replies

	wg sync.WaitGroup // slash commands in flight

	home   homeState
	runCtx context.Context // set by Run, for the Home tabs' refresh

	// connected is called at each Socket Mode connection (tests).
	connected func()
}

type memberList struct {
	ids map[string]bool
	at  time.Time
}

// maxNameCache bounds the display name cache; past it, it starts again.
const maxNameCache = 1000

// NewListener checks cfg and returns a listener for h.
func NewListener(cfg Config, h Handler) (*Listener, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	switch {
	case h == nil:
		return nil, errors.New("slack: NewListener needs a Handler")
	case cfg.AppToken == "":
		return nil, fmt.Errorf("slack: %s is empty: Socket Mode needs an app-level token (xapp-…, with the connections:write scope: your app's \"Basic Information\" → \"App-Level Tokens\")", EnvAppToken)
	case !strings.HasPrefix(cfg.AppToken, "xapp-"):
		return nil, fmt.Errorf("slack: %s does not hold an app-level token: it starts with xapp- (\"Basic Information\" → \"App-Level Tokens\"); the xoxb- token goes in %s", EnvAppToken, EnvBotToken)
	case len(cfg.Advisors) == 0:
		return nil, fmt.Errorf("slack: %s is empty, so nobody could use /diagbot or answer learners: list advisors' user ids (U…) or a channel of advisors (C…), separated by commas", EnvAdvisors)
	}
	l := &Listener{cfg: cfg, h: h, api: newAPI(cfg), users: map[string]bool{}, members: map[string]memberList{}, names: map[string]string{}}
	for _, a := range cfg.Advisors {
		if isUserID(a) {
			l.users[a] = true
		} else {
			l.channels = append(l.channels, a)
		}
	}
	l.sm = socketmode.New(l.api, socketmode.OptionLog(stdlog.New(debugWriter{cfg.Log}, "", 0)))
	return l, nil
}

// Check calls Slack once with each token, so a wrong one stops diagbot at
// start with an error naming the variable to fix.
func (l *Listener) Check(ctx context.Context) error {
	who, err := l.api.AuthTestContext(ctx)
	if err != nil {
		if code := slackCode(err); code != "" {
			return fmt.Errorf("slack: Slack refused %s (%s): copy the Bot User OAuth Token (xoxb-…) from your app's \"OAuth & Permissions\" page, and check the app is installed in the workspace: %w", EnvBotToken, code, err)
		}
		return fmt.Errorf("slack: cannot reach Slack at %s (check %s and the network): %w", l.cfg.APIURL, EnvAPIURL, err)
	}
	if _, _, err := l.api.StartSocketModeContext(ctx); err != nil {
		if code := slackCode(err); code != "" {
			return fmt.Errorf("slack: Slack refused %s (%s): it must be an app-level token (xapp-…) with the connections:write scope, and Socket Mode must be on in the app settings: %w", EnvAppToken, code, err)
		}
		return fmt.Errorf("slack: cannot open Socket Mode with %s (is Socket Mode on in the app settings?): %w", EnvAppToken, err)
	}
	l.cfg.Log.Info().Str("team", who.TeamID).Str("bot", who.UserID).Msg("slack: tokens accepted")
	if l.cfg.DefaultChannel != "" {
		ch, err := l.api.GetConversationInfoContext(ctx, &slackapi.GetConversationInfoInput{ChannelID: l.cfg.DefaultChannel})
		switch {
		case err != nil:
			l.cfg.Log.Warn().Err(err).Str("channel", l.cfg.DefaultChannel).Msgf("slack: cannot read %s; notifications there may fail", EnvChannel)
		case !ch.IsMember:
			l.cfg.Log.Warn().Str("channel", l.cfg.DefaultChannel).Msgf("slack: the bot is not a member of %s: invite it there (/invite @diagbot), or notifications will wait", EnvChannel)
		}
	}
	return nil
}

// fatalConnect are Socket Mode errors no retry can fix.
var fatalConnect = []string{"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"}

// Run receives Socket Mode events until ctx ends, reconnecting when the
// connection drops; it returns nil then. It returns an error only when Slack
// refuses the app-level token. It waits for the commands in flight.
func (l *Listener) Run(ctx context.Context) error {
	runCtx, stop := context.WithCancel(ctx)
	l.home.mu.Lock()
	l.runCtx = runCtx
	l.home.mu.Unlock()
	fatal := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.events(runCtx, func(err error) {
			select {
			case fatal <- err:
			default:
			}
			stop()
		})
	}()
	defer func() {
		stop()
		<-done
		// No Home refresh may join the wait group once it is waited on:
		// HomeChanged adds under home.mu only while runCtx is set.
		l.home.mu.Lock()
		l.runCtx = nil
		l.home.mu.Unlock()
		l.wg.Wait()
	}()
	delay := time.Second
	for {
		err := l.sm.RunContext(runCtx)
		select {
		case err := <-fatal:
			return err
		default:
		}
		if ctx.Err() != nil {
			return nil
		}
		if code := slackCode(err); isOneOf(code, fatalConnect) || isOneOf(fmt.Sprint(err), fatalConnect) {
			return l.tokenError(err)
		}
		var sc slackapi.StatusCodeError
		if errors.As(err, &sc) && sc.Code == 404 {
			return l.tokenError(err)
		}
		l.cfg.Log.Warn().Err(err).Dur("retry_in", delay).Msg("slack: Socket Mode stopped, reconnecting")
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		delay = min(2*delay, time.Minute)
	}
}

func (l *Listener) tokenError(err error) error {
	return fmt.Errorf("slack: Socket Mode refused %s: it must be an app-level token (xapp-…) with the connections:write scope, and Socket Mode must be on in the app settings: %w", EnvAppToken, err)
}

// events handles what the Socket Mode client emits. Button presses and
// thread replies are handled one at a time, in order, so two replies of an
// advisor reach the learner in the order they were written; slash commands,
// acknowledged at once, run on their own.
func (l *Listener) events(ctx context.Context, fatal func(error)) {
	for {
		var evt socketmode.Event
		select {
		case <-ctx.Done():
			return
		case evt = <-l.sm.Events:
		}
		log := l.cfg.Log
		switch evt.Type {
		case socketmode.EventTypeConnecting:
			log.Debug().Msg("slack: Socket Mode connecting")
		case socketmode.EventTypeConnected:
			log.Info().Msg("slack: Socket Mode connected")
			if l.connected != nil {
				l.connected()
			}
		case socketmode.EventTypeConnectionError:
			var err error = errors.New("connection error")
			if e, ok := evt.Data.(*slackapi.ConnectionErrorEvent); ok && e.ErrorObj != nil {
				err = e.ErrorObj
			}
			if isOneOf(slackCode(err), fatalConnect) || isOneOf(err.Error(), fatalConnect) {
				fatal(l.tokenError(err))
				return
			}
			log.Warn().Err(err).Msg("slack: Socket Mode cannot connect, retrying")
		case socketmode.EventTypeInvalidAuth:
			fatal(l.tokenError(errors.New("invalid_auth")))
			return
		case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed, socketmode.EventTypeErrorBadMessage:
			log.Warn().Str("event", string(evt.Type)).Msg("slack: Socket Mode trouble")
		case socketmode.EventTypeHello, socketmode.EventTypeDisconnect:
			log.Debug().Str("event", string(evt.Type)).Msg("slack: Socket Mode")
		case socketmode.EventTypeSlashCommand:
			sc, ok := evt.Data.(slackapi.SlashCommand)
			l.ack(ctx, evt.Request) // at once: Slack shows an error past 3 s
			if ok {
				l.wg.Go(func() { l.command(ctx, sc) })
			}
		case socketmode.EventTypeInteractive:
			cb, ok := evt.Data.(slackapi.InteractionCallback)
			if !ok {
				l.ack(ctx, evt.Request)
				continue
			}
			if cb.Type == slackapi.InteractionTypeViewSubmission {
				// The form's answer goes in the acknowledgement: errors to
				// show, or nothing to close it.
				var payload any
				switch cb.View.CallbackID {
				case CallbackCreate:
					payload = l.submitCreate(ctx, cb)
				case CallbackPlace:
					payload = l.submitPlace(ctx, cb)
				}
				if evt.Request != nil {
					if err := l.sm.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil && ctx.Err() == nil {
						log.Warn().Err(err).Msg("slack: cannot answer a form")
					}
				}
				continue
			}
			if cb.Type == slackapi.InteractionTypeBlockActions && cb.View.Type == slackapi.VTModal {
				l.ack(ctx, evt.Request)
				for _, a := range cb.ActionCallback.BlockActions {
					if a != nil {
						l.wg.Go(func() { l.modalAction(ctx, cb, a) })
					}
				}
				continue
			}
			if cb.Type == slackapi.InteractionTypeBlockActions && cb.View.Type == slackapi.VTHomeTab {
				l.ack(ctx, evt.Request) // at once: opening a form needs the trigger within 3 s
				for _, a := range cb.ActionCallback.BlockActions {
					if a != nil {
						l.wg.Go(func() { l.homeAction(ctx, cb, a) })
					}
				}
				continue
			}
			if err := l.interaction(ctx, cb); err != nil {
				log.Error().Err(err).Msg("slack: button press not stored, Slack will deliver it again")
				continue
			}
			l.ack(ctx, evt.Request)
		case socketmode.EventTypeEventsAPI:
			e, ok := evt.Data.(slackevents.EventsAPIEvent)
			if !ok {
				l.ack(ctx, evt.Request)
				continue
			}
			if h, ok := e.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
				l.ack(ctx, evt.Request)
				if h.Tab == "home" && h.User != "" {
					l.wg.Go(func() { l.homeOpened(ctx, h.User) })
				}
				continue
			}
			if err := l.event(ctx, e); err != nil {
				log.Error().Err(err).Msg("slack: thread reply not stored, Slack will deliver it again")
				continue
			}
			l.ack(ctx, evt.Request)
		default:
			l.ack(ctx, evt.Request)
		}
	}
}

func (l *Listener) ack(ctx context.Context, req *socketmode.Request) {
	if req == nil || req.EnvelopeID == "" {
		return
	}
	if err := l.sm.AckCtx(ctx, req.EnvelopeID, nil); err != nil && ctx.Err() == nil {
		l.cfg.Log.Warn().Err(err).Msg("slack: cannot acknowledge an event; Slack will deliver it again")
	}
}

// interaction handles button presses: "Je m'en occupe" and "Résolu".
func (l *Listener) interaction(ctx context.Context, cb slackapi.InteractionCallback) error {
	if cb.Type != slackapi.InteractionTypeBlockActions {
		return nil
	}
	channel, ts := cb.Container.ChannelID, cb.Container.MessageTs
	if channel == "" {
		channel = cb.Channel.ID
	}
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil || (a.ActionID != ActionClaim && a.ActionID != ActionResolve) {
			continue
		}
		ok, err := l.isAdvisor(ctx, cb.User.ID)
		if err != nil {
			return err
		}
		if !ok {
			l.cfg.Log.Warn().Str("user", cb.User.ID).Str("action", a.ActionID).Msg("slack: button refused: the user is not an advisor")
			l.ephemeral(ctx, channel, cb.User.ID, cb.ResponseURL, textRefusedButton)
			continue
		}
		if a.Value == "" || ts == "" {
			l.cfg.Log.Warn().Str("action", a.ActionID).Msg("slack: a help button without learner or message: ignored")
			continue
		}
		stamp := a.ActionTs
		if stamp == "" {
			stamp = cb.ActionTs + cb.TriggerID
		}
		act := AdvisorAction{
			Kind:      a.ActionID, // ActionClaim and ActionResolve are the kinds' names
			ID:        "slack:" + a.ActionID + ":" + stamp + ":" + cb.User.ID,
			LearnerID: a.Value,
			Ref:       ref(channel, ts),
			User:      cb.User.ID,
		}
		if err := l.h.Advisor(ctx, act); err != nil {
			return err
		}
		l.cfg.Log.Info().Str("action", act.Kind).Msg("slack: advisor action stored")
	}
	return nil
}

// event handles Events API events: an advisor's reply in a help thread.
// Everything else (other messages, bots, edits, non-advisors) is ignored.
func (l *Listener) event(ctx context.Context, e slackevents.EventsAPIEvent) error {
	if e.Type != slackevents.CallbackEvent {
		return nil
	}
	m, ok := e.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || m.ThreadTimeStamp == "" || m.ThreadTimeStamp == m.TimeStamp || m.BotID != "" || m.User == "" {
		return nil
	}
	switch m.SubType {
	case "", "thread_broadcast", "file_share":
		// A reply, also sent to the channel, or with a file (only its text
		// reaches the learner).
	default:
		return nil // edits, deletions, joins …
	}
	thread := ref(m.Channel, m.ThreadTimeStamp)
	learner, ok, err := l.h.LearnerOfThread(thread)
	if err != nil {
		return fmt.Errorf("find the learner of a help thread: %w", err)
	}
	if !ok {
		// A thread that is not a help request — or one whose help message
		// was posted a moment ago and is not recorded yet: then Slack is
		// asked to deliver the reply again (no acknowledgement).
		if young(m.ThreadTimeStamp, l.cfg.Now()) {
			return fmt.Errorf("help thread %s not recorded yet", thread)
		}
		return nil
	}
	adv, err := l.isAdvisor(ctx, m.User)
	if err != nil {
		return err
	}
	if !adv {
		l.cfg.Log.Debug().Str("user", m.User).Msg("slack: reply in a help thread from a non-advisor: not relayed")
		return nil
	}
	text := plainText(m.Text, l.userName(ctx))
	if text == "" {
		return nil
	}
	// The message's own channel and ts name it: a redelivery, or the same
	// message reaching us twice, is the same inbox key.
	act := AdvisorAction{Kind: ActionKindReply, ID: "slack:message:" + m.Channel + ":" + m.TimeStamp,
		LearnerID: learner, Ref: thread, User: m.User, Text: text}
	if err := l.h.Advisor(ctx, act); err != nil {
		return err
	}
	l.cfg.Log.Info().Str("action", act.Kind).Msg("slack: advisor action stored")
	return nil
}

// recentThread is how long an unknown thread may still become a help thread:
// the bot records it just after Slack answers the post.
const recentThread = 30 * time.Second

// young tells whether a Slack ts ("1700000000.000100", seconds since 1970)
// is less than recentThread before now.
func young(ts string, now time.Time) bool {
	sec, _, _ := strings.Cut(ts, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return false
	}
	return now.Sub(time.Unix(n, 0)) < recentThread
}
