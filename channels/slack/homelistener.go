package slack

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
)

// HomeHandler is what the Home tab needs from the bot, beside Handler.
type HomeHandler interface {
	Home(ctx context.Context, user string) (Home, error)
}

// homeRefresh gathers changes (a learner finished, a help request opened or
// closed) into one republish of the advisors' Home tabs a moment later; an
// advisor who has not opened their tab for a day is not kept up to date
// (Slack shows the last view, and opening the tab publishes it anew).
const (
	homeRefreshDelay = 5 * time.Second
	homeKeep         = 24 * time.Hour
)

type homeState struct {
	mu      sync.Mutex
	opened  map[string]time.Time // advisors by the last time they opened their Home tab
	pending bool
}

// homeOpened publishes the Home tab of user.
func (l *Listener) homeOpened(ctx context.Context, user string) {
	if l.publishHome(ctx, user) {
		l.home.mu.Lock()
		if l.home.opened == nil {
			l.home.opened = map[string]time.Time{}
		}
		l.home.opened[user] = l.cfg.Now()
		l.home.mu.Unlock()
	}
}

// publishHome publishes user's Home tab and tells whether they are an
// advisor (whose tab is kept up to date).
func (l *Listener) publishHome(ctx context.Context, user string) bool {
	hh, ok := l.h.(HomeHandler)
	if !ok {
		return false
	}
	adv, err := l.isAdvisor(ctx, user)
	if err != nil {
		l.cfg.Log.Warn().Err(err).Msg("slack: cannot check whether the user is an advisor; Home tab not published")
		return false
	}
	home := Home{Now: l.cfg.Now()}
	if adv {
		if home, err = hh.Home(ctx, user); err != nil {
			l.cfg.Log.Error().Err(err).Msg("slack: cannot gather the Home tab")
			return adv
		}
		home.Advisor = true
	}
	if _, err := l.api.PublishViewContext(ctx, slackapi.PublishViewContextRequest{UserID: user, View: HomeView(home)}); err != nil {
		l.cfg.Log.Warn().Err(err).Msg("slack: cannot publish the Home tab")
		return adv
	}
	l.cfg.Log.Debug().Bool("advisor", adv).Msg("slack: Home tab published")
	return adv
}

// HomeChanged asks for the Home tabs of the advisors who use them to be
// published again soon: something they show has changed.
func (l *Listener) HomeChanged() {
	l.home.mu.Lock()
	defer l.home.mu.Unlock()
	if l.home.pending || len(l.home.opened) == 0 || l.runCtx == nil {
		return
	}
	l.home.pending = true
	ctx := l.runCtx
	l.wg.Go(func() {
		t := time.NewTimer(homeRefreshDelay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.home.mu.Lock()
		l.home.pending = false
		var users []string
		for u, at := range l.home.opened {
			if l.cfg.Now().Sub(at) > homeKeep {
				delete(l.home.opened, u)
				continue
			}
			users = append(users, u)
		}
		l.home.mu.Unlock()
		for _, u := range users {
			l.publishHome(ctx, u)
		}
	})
}

// homeAction handles a button of the Home tab.
func (l *Listener) homeAction(ctx context.Context, cb slackapi.InteractionCallback, a *slackapi.BlockAction) {
	ok, err := l.isAdvisor(ctx, cb.User.ID)
	if err != nil || !ok {
		if err == nil {
			l.cfg.Log.Warn().Str("user", cb.User.ID).Str("action", a.ActionID).Msg("slack: Home button refused: the user is not an advisor")
		}
		return
	}
	switch a.ActionID {
	case ActionHomeCreate:
		if _, err := l.api.OpenViewContext(ctx, cb.TriggerID, CreateModal()); err != nil {
			l.cfg.Log.Warn().Err(err).Msg("slack: cannot open the campaign form")
		}
		return
	case ActionHomeRefresh:
		l.homeOpened(ctx, cb.User.ID)
		return
	case ActionHomePlace:
		if ph, ok := l.h.(PlaceHandler); ok {
			if _, err := l.api.OpenViewContext(ctx, cb.TriggerID, PlaceModal(ph.PlaceServices())); err != nil {
				l.cfg.Log.Warn().Err(err).Msg("slack: cannot open the place form")
			}
		}
		return
	}
	c := Command{User: cb.User.ID, Code: a.Value}
	title := "Campagne " + a.Value
	switch a.ActionID {
	case ActionHomeStats:
		c.Op = OpCampaignStats
	case ActionHomeExport:
		c.Op = OpCampaignExport
	case ActionHomeLearners:
		c.Op, c.Filter = OpCampaignLearners, FilterAll
	case ActionHomeStuck:
		c.Op, c.Filter = OpCampaignLearners, FilterStuck
	case ActionHomeTopics:
		c.Op, title = OpCampaignTopics, "Sujets "+a.Value
	default:
		return
	}
	reply, err := l.h.Command(ctx, c)
	if err != nil {
		l.cfg.Log.Error().Err(err).Str("op", c.Op).Msg("slack: a Home button's command failed")
		reply = Reply{Text: textFailed}
	}
	if len(reply.Files) == 0 {
		if _, err := l.api.OpenViewContext(ctx, cb.TriggerID, TextModal(title, reply.Text, reply.Actions...)); err != nil {
			l.cfg.Log.Warn().Err(err).Msg("slack: cannot show a Home button's answer")
		}
		return
	}
	l.toDM(ctx, cb.User.ID, reply)
}

// modalAction handles a button inside a window: a topic's "send the
// lesson". Its answer is pushed on top of the window.
func (l *Listener) modalAction(ctx context.Context, cb slackapi.InteractionCallback, a *slackapi.BlockAction) {
	if a.ActionID != ActionTopicLesson {
		return
	}
	ok, err := l.isAdvisor(ctx, cb.User.ID)
	if err != nil || !ok {
		return
	}
	code, skill, found := strings.Cut(a.Value, "|")
	if !found {
		return
	}
	reply, err := l.h.Command(ctx, Command{Op: OpCampaignLesson, User: cb.User.ID, Code: code, Lacks: skill})
	if err != nil {
		l.cfg.Log.Error().Err(err).Msg("slack: sending a lesson from a window failed")
		reply = Reply{Text: textFailed}
	}
	if _, err := l.api.PushViewContext(ctx, cb.TriggerID, TextModal("Leçon envoyée", reply.Text)); err != nil {
		l.cfg.Log.Warn().Err(err).Msg("slack: cannot show the answer of a window's button")
	}
}

// toDM sends a reply (text and files) in the advisor's own conversation with
// the bot.
func (l *Listener) toDM(ctx context.Context, user string, r Reply) {
	dm, _, _, err := l.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		l.cfg.Log.Warn().Err(err).Msg("slack: cannot open the advisor's conversation with the bot")
		return
	}
	if strings.TrimSpace(r.Text) != "" {
		if _, _, err := l.api.PostMessageContext(ctx, dm.ID, slackapi.MsgOptionText(r.Text, false)); err != nil {
			l.cfg.Log.Warn().Err(err).Msg("slack: cannot write to the advisor")
		}
	}
	for _, f := range r.Files {
		if _, err := l.api.UploadFileContext(ctx, slackapi.UploadFileParameters{Reader: bytes.NewReader(f.Data), FileSize: len(f.Data),
			Filename: f.Name, Title: f.Title, Channel: dm.ID}); err != nil {
			l.cfg.Log.Warn().Err(err).Str("file", f.Name).Msg("slack: cannot send a file to the advisor")
		}
	}
}

// submitCreate handles the campaign form: it answers Slack's submission
// with the fields to fix, or creates the campaign, closes the form and
// sends the code and QR code in the advisor's conversation with the bot.
func (l *Listener) submitCreate(ctx context.Context, cb slackapi.InteractionCallback) any {
	ok, err := l.isAdvisor(ctx, cb.User.ID)
	if err != nil || !ok {
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{blockName: textRefusedButton})
	}
	c, errs := ParseCreate(cb.View.State)
	if errs != nil {
		return slackapi.NewErrorsViewSubmissionResponse(errs)
	}
	c.User = cb.User.ID
	if c.Channel != "" {
		c.BotAbsent = !l.isMember(ctx, c.Channel)
	} else {
		c.BotAbsent = true // no channel of its own: the default channel
	}
	reply, err := l.h.Command(ctx, c)
	if err != nil {
		l.cfg.Log.Error().Err(err).Msg("slack: the campaign form's command failed")
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{blockName: textFailed})
	}
	if reply.Failed {
		field := map[string]string{FieldPaliers: blockPaliers, FieldResult: blockResult}[reply.Field]
		if field == "" {
			field = blockName
		}
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{field: strings.TrimPrefix(reply.Text, "⚠️ ")})
	}
	l.wg.Go(func() {
		l.toDM(ctx, c.User, reply)
		l.homeOpened(ctx, c.User)
	})
	return nil
}
