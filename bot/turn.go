package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// One learner's turn: the update in, dialog.Step, one transaction out.

// handleSafely runs one turn; a panic or an error parks the update in the
// dead-letter bucket and the bot goes on.
func (b *Bot) handleSafely(ctx context.Context, u storage.Update) {
	start := b.cfg.Now()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		err = b.handle(ctx, u)
	}()
	if err == nil {
		b.metrics.Turns.Add(1)
		took := b.cfg.Now().Sub(start)
		b.metrics.TurnSeconds.Observe(took)
		if b.onTurn != nil {
			b.onTurn(took)
		}
		b.cfg.Log.Debug().Str("update", u.Key).Dur("took", took).Msg("turn")
		return
	}
	b.metrics.DeadLetters.Add(1)
	b.cfg.Log.Error().Err(err).Str("update", u.Key).Str("channel", u.Channel).Msg("update parked in the dead-letter bucket")
	if dlErr := b.cfg.DB.DeadLetter(u, err.Error(), b.cfg.Now()); dlErr != nil {
		b.cfg.Log.Error().Err(dlErr).Str("update", u.Key).Msg("cannot park the update")
	}
}

// handle runs the dialog for one update and commits the turn: what the
// learner has (session, learner record), what is not from them (expiry,
// ticks and advisors for someone unknown), the dialog's step, then the
// messages to the learner, to advisors and to webhooks, stored with the new
// session in one transaction.
func (b *Bot) handle(ctx context.Context, u storage.Update) error {
	var in dialog.Input
	if err := json.Unmarshal(u.Payload, &in); err != nil {
		return fmt.Errorf("update payload is not a dialog input: %w", err)
	}
	sess, found, err := b.session(u.LearnerID, in.Kind == inExpire)
	if err != nil {
		return err
	}
	learner, known, err := b.cfg.DB.Learner(u.LearnerID)
	if err != nil {
		return err
	}
	now := b.cfg.Now()
	if in.Kind == inExpire {
		return b.expireTurn(u, sess, found, learner, known, now)
	}
	if in.Kind == dialog.InTick || in.Kind == dialog.InAdvisor {
		// Not from the learner: never creates one, and nothing more for
		// someone who blocked the bot.
		if !known || (in.Kind == dialog.InTick && learner.Unreachable) {
			zero := time.Time{}
			_, err := b.cfg.DB.CommitTurn(storage.Turn{Update: &u, LearnerID: u.LearnerID, Due: &zero})
			return err
		}
	}
	if in, err = b.codeTypedAlone(in, sess); err != nil {
		return err
	}
	env, err := b.env(in, now)
	if err != nil {
		return err
	}
	turn, err := b.step(sess, in, env)
	if err != nil {
		return err
	}
	if in.Kind == dialog.InTick || in.Kind == dialog.InAdvisor {
		// The session's time is the learner's last exchange (retention,
		// reports): the bot's own turns and the advisor's do not move it.
		// A learner left at the erase question with a path under way gets a
		// tick every day, and would otherwise be kept for ever.
		turn.Session.UpdatedAt = sess.UpdatedAt
	}
	b.cfg.Log.Debug().Str("update", u.Key).Strs("transitions", turn.Transitions).Msg("step")
	if outs, held := b.flood.filter(u.LearnerID, turn, now); held {
		turn.Outputs = outs
		b.metrics.FloodHeld.Add(1)
	}

	channel := u.Channel
	if known {
		channel = learner.Channel // the scheduler and advisors speak through the learner's channel
	}
	out, issued, placesLine, err := b.learnerMessages(u, channel, turn, now)
	if err != nil {
		return err
	}
	notes, err := b.advisorMessages(u, turn, placesLine, now)
	if err != nil {
		return err
	}
	out = append(out, notes...)
	hooks, err := b.webhookMessages(u, sess, turn, now)
	if err != nil {
		return err
	}
	out = append(out, hooks...)
	if turn.Erase {
		// One transaction removes every trace (this update is marked seen)
		// and queues the goodbye: a crash cannot keep one without the other.
		_, err := b.cfg.DB.CommitTurn(storage.Turn{Update: &u, LearnerID: u.LearnerID, Erase: true, Outbox: out})
		if err != nil {
			return err
		}
		b.wakeAll()
		return nil
	}
	if err := b.commit(u, in, sess, turn, learner, known, channel, out, issued, now); err != nil {
		return err
	}
	b.wakeAll()
	return ctx.Err()
}

// session reads the learner's stored session. For an expiry an unreadable
// one counts as silent: the erasure does not depend on the value it erases
// (the sweep did the same).
func (b *Bot) session(learnerID string, expiring bool) (dialog.Session, bool, error) {
	var sess dialog.Session
	raw, found, err := b.cfg.DB.Session(learnerID)
	if err == nil && found {
		if jerr := json.Unmarshal(raw, &sess); jerr != nil {
			err = fmt.Errorf("stored session of the learner is unreadable: %w", jerr)
		}
	}
	if err != nil {
		if !expiring {
			return sess, false, err
		}
		return dialog.Session{}, false, nil
	}
	return sess, found, nil
}

// expireTurn erases a learner silent for KeepLearners, checked again here, in
// the learner's order: a message that came after the sweep keeps them.
func (b *Bot) expireTurn(u storage.Update, sess dialog.Session, found bool, learner storage.Learner, known bool, now time.Time) error {
	cutoff := now.Add(-KeepLearners)
	if !known || learner.UpdatedAt.After(cutoff) || found && sess.UpdatedAt.After(cutoff) {
		_, err := b.cfg.DB.CommitTurn(storage.Turn{Update: &u})
		return err
	}
	// A message of theirs may be waiting behind this update: the session
	// does not show it yet, the erasure (in its transaction) does, and
	// keeps them; the message is handled next. Storage logs which it was.
	_, err := b.cfg.DB.CommitTurn(storage.Turn{Update: &u, LearnerID: u.LearnerID, Erase: true, KeepIfWaiting: true})
	return err
}

// codeTypedAlone turns a campaign code typed alone, as the advisor wrote it
// on paper, into /start CODE, where typed text is not an answer.
func (b *Bot) codeTypedAlone(in dialog.Input, sess dialog.Session) (dialog.Input, error) {
	if in.Kind != dialog.InText || textIsAnAnswer(sess) {
		return in, nil
	}
	code, ok := NormalizeCode(in.Text)
	if !ok {
		return in, nil
	}
	if _, found, err := b.cfg.DB.Campaign(code); err != nil || !found {
		return in, err
	}
	return dialog.Input{Kind: dialog.InCommand, Command: "start", Args: code, FirstName: in.FirstName, Lang: in.Lang}, nil
}

// env is what the dialog needs from outside for input in, with the
// campaign /start CODE names (when it is open).
func (b *Bot) env(in dialog.Input, now time.Time) (dialog.Env, error) {
	env := dialog.Env{Now: now, Engine: b.cfg.Engine, Bank: b.cfg.Bank, Random: b.cfg.Random(),
		FollowUp: b.cfg.FollowUp, Lesson: b.cfg.Lesson, Define: b.cfg.Define,
		NoAdvisor: b.cfg.NoAdvisor}
	if in.Kind != dialog.InCommand || in.Command != "start" || in.Args == "" {
		return env, nil
	}
	c, ok, err := b.cfg.DB.Campaign(in.Args)
	if err != nil {
		return env, err
	}
	if ok && c.ArchivedAt == nil {
		env.Campaign = &dialog.Campaign{Code: c.Code, Name: c.Name, Competences: c.Competences, Profile: c.Profile,
			MaxQuestions: c.MaxQuestions, StopWhenKnown: c.StopWhenKnown, MinQuestions: c.MinQuestions, Feedback: c.Feedback,
			AskExternalID: c.AskExternalID, PathLength: c.PathLength, HelpHours: c.HelpHours, ExternalIDKind: c.ExternalIDKind}
	}
	return env, nil
}

// learnerMessages are the turn's outputs as outbox entries to the learner,
// with what some of them need filled in: the attestation signed, the
// places found (and the advisor's line of them), the data export.
func (b *Bot) learnerMessages(u storage.Update, channel string, turn dialog.Turn, now time.Time) (
	out []storage.Message, issued *storage.IssuedAttestation, placesLine string, err error) {
	for _, o := range turn.Outputs {
		if o.Kind == dialog.OutAttestation && !turn.Erase {
			if issued != nil {
				return nil, nil, "", fmt.Errorf("the dialog asked for two attestations in one turn")
			}
			if issued, err = b.attestation(u.LearnerID, &o, now); err != nil {
				return nil, nil, "", err
			}
		}
		if o.Kind == dialog.OutPlaces {
			if placesLine, err = b.fillPlaces(&o, now); err != nil {
				return nil, nil, "", err
			}
		}
		if o.Kind == dialog.OutExport {
			data, err := b.cfg.DB.Export(u.LearnerID)
			if err != nil {
				return nil, nil, "", err
			}
			o.File, o.FileName = data, "mes-donnees-diagbot.json"
		}
		payload, err := json.Marshal(o)
		if err != nil {
			return nil, nil, "", err
		}
		if o.Kind == dialog.OutResults {
			// The picture is its own outbox entry, so a failure of the text
			// after it never sends the picture twice.
			out = append(out, storage.Message{Channel: channel, To: u.LearnerID, Kind: KindResultsChart, Payload: payload})
		}
		out = append(out, storage.Message{Channel: channel, To: u.LearnerID, Kind: string(o.Kind), Payload: payload})
	}
	return out, issued, placesLine, nil
}

// advisorMessages are the turn's events as notifications to advisors: to
// the campaign's channel (or the default one), or into the learner's help
// thread for what belongs there.
func (b *Bot) advisorMessages(u storage.Update, turn dialog.Turn, placesLine string, now time.Time) ([]storage.Message, error) {
	about := u.LearnerID
	if turn.Erase {
		about = "" // the advisor's "erased" notice keeps no link to the learner
	}
	var out []storage.Message
	for _, ev := range turn.Events {
		b.withPalier(&ev)
		if ev.Kind == dialog.EvPlaces {
			ev.Text = placesLine
		}
		payload, err := json.Marshal(dialog.Notification{Event: ev, LearnerID: about, At: now})
		if err != nil {
			return nil, err
		}
		to := DefaultNotifyTo
		if ev.Campaign != "" {
			if c, ok, _ := b.cfg.DB.Campaign(ev.Campaign); ok && c.SlackChannel != "" {
				to = c.SlackChannel
			}
		}
		// Updates of a help notification, and the learner's messages (and
		// the places proposed) into its thread, go where it was posted.
		if ev.Ref != "" {
			to, _, _ = strings.Cut(ev.Ref, ":")
		} else if ev.Kind == dialog.EvHelpMessage || ev.Kind == dialog.EvPlaces {
			if ref, ok, _ := b.cfg.DB.HelpThread(u.LearnerID); ok {
				to, _, _ = strings.Cut(ref, ":")
			}
		}
		out = append(out, storage.Message{Channel: NotifyChannel, To: to, About: about, Kind: "notify_" + string(ev.Kind), Payload: payload})
		b.cfg.Log.Info().Str("event", string(ev.Kind)).Str("campaign", ev.Campaign).Msg("advisor notification queued")
	}
	return out, nil
}

// commit stores the turn in one transaction: the update marked seen, the
// learner record when it changed, the session, the answers, the messages,
// the next due time, the help request's record and the attestation.
func (b *Bot) commit(u storage.Update, in dialog.Input, sess dialog.Session, turn dialog.Turn, learner storage.Learner, known bool,
	channel string, out []storage.Message, issued *storage.IssuedAttestation, now time.Time) error {
	before := learner
	if !known {
		learner = storage.Learner{ID: u.LearnerID, Channel: channel, ChatID: chatOf(u.LearnerID), CreatedAt: now}
	}
	learner.FirstName = turn.Session.FirstName
	learner.Lang = turn.Session.Lang
	learner.ExternalID = turn.Session.ExternalID
	if turn.Session.Campaign != nil {
		learner.Campaign = turn.Session.Campaign.Code
	}
	// The learner record changes rarely; rewriting it at every answer would
	// dirty one more page per turn for nothing.
	var upsert *storage.Learner
	if !known || learner != before {
		learner.UpdatedAt = now
		upsert = &learner
	}
	sessJSON, err := json.Marshal(turn.Session)
	if err != nil {
		return err
	}
	var answers []storage.Answer
	for _, a := range turn.Answers {
		answers = append(answers, storage.Answer{LearnerID: u.LearnerID, UpdateKey: u.Key, Item: a.Item,
			Correct: a.Correct, Skipped: a.Skipped, Response: a.Response, At: now, Order: a.Order, Lang: a.Lang})
	}
	var due *time.Time
	// A tick's entry was taken off the schedule: always write the next one.
	if next := turn.Session.Due(); in.Kind == dialog.InTick || !next.Equal(sess.Due()) {
		due = &next
	}
	help, closeHelp := helpChange(sess, turn.Session)
	if _, err := b.cfg.DB.CommitTurn(storage.Turn{Update: &u, Learner: upsert, LearnerID: u.LearnerID,
		Session: sessJSON, Answers: answers, Outbox: out, Due: due, Help: help, CloseHelp: closeHelp, Attestation: issued}); err != nil {
		return err
	}
	if issued != nil {
		b.metrics.Attestations.Add(1)
	}
	return nil
}

// helpChange keeps the record of open help requests in step with the
// session: opened (now), claimed (same time, new advisor), closed.
func helpChange(before, after dialog.Session) (*storage.HelpOpen, bool) {
	switch {
	case after.HelpPending && (!before.HelpPending || before.HelpClaimed != after.HelpClaimed):
		h := &storage.HelpOpen{ClaimedBy: after.HelpClaimed}
		if after.Campaign != nil {
			h.Campaign = after.Campaign.Code
		}
		return h, false
	case before.HelpPending && !after.HelpPending:
		return nil, true
	}
	return nil, false
}

// textIsAnAnswer tells whether typed text is taken as it is in the
// session's state: an answer to a question or a check, an identifier, a
// message for the advisor. Elsewhere a campaign code typed alone is read as
// one.
func textIsAnAnswer(s dialog.Session) bool {
	switch s.State {
	case dialog.StateQuestion, dialog.StateExternalID, dialog.StateHelp:
		return true
	}
	return s.Path != nil && s.Path.Check != nil
}

func chatOf(learnerID string) string {
	for i := 0; i < len(learnerID); i++ {
		if learnerID[i] == ':' {
			return learnerID[i+1:]
		}
	}
	return learnerID
}
