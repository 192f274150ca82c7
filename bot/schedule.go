package bot

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// ScheduleChannel is the Update.Channel of the scheduler's ticks.
const ScheduleChannel = "schedule"

// takeBatch bounds the learners moved to the inbox per tick; the rest wait
// for the next tick a moment later.
const takeBatch = 500

// schedule ticks until ctx ends.
func (b *Bot) schedule(ctx context.Context) {
	t := time.NewTicker(b.cfg.TickEvery)
	defer t.Stop()
	for {
		if err := b.Tick(); err != nil {
			b.cfg.Log.Error().Err(err).Msg("scheduler tick failed")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick moves the learners whose follow-up is due into the inbox and to their
// workers, and queues the weekly digests that are due. The inbox entry is
// keyed by learner and due time: a crash between taking and handling
// replays it, and it is handled once.
func (b *Bot) Tick() error {
	b.tickMu.Lock()
	defer b.tickMu.Unlock()
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.stopped {
		return nil
	}
	now := b.cfg.Now()
	for {
		us, err := b.cfg.DB.TakeDue(now, takeBatch, func(id string, due time.Time) storage.Update {
			// The key only has to be unique: TakeDue moves the due entry
			// into the inbox in one transaction, so a tick is never made
			// twice. It names nobody, since handled keys outlive an erasure.
			return storage.Update{Key: botKey("tick"), Channel: ScheduleChannel,
				LearnerID: id, Payload: json.RawMessage(`{"kind":"tick"}`)}
		})
		if err != nil {
			return err
		}
		b.metrics.Scheduled.Add(int64(len(us)))
		for _, u := range us {
			if b.replayed { // else Run's replay queues them
				b.shards[b.shard(u.LearnerID)] <- u
			}
		}
		if len(us) < takeBatch {
			break
		}
	}
	b.housekeep(now)
	if b.expireMore && now.Sub(b.lastExpire) >= expireRetry {
		b.sweepExpired(now) // the rest of a large batch of learners past their time
	}
	return b.digests(now)
}

// KeepLearners is how long a learner's data is kept after their last
// exchange with the bot: the twelve months the privacy notice promises.
const KeepLearners = 365 * 24 * time.Hour

// inExpire is the bot's own input that erases a learner kept KeepLearners
// without an exchange. It goes through the learner's worker like their
// updates, so it never races a turn of theirs, and the worker checks again
// that they are still silent.
const inExpire dialog.InputKind = "expire"

// botKey is a fresh update key for an update the bot makes itself: random,
// so it holds nothing about the learner (handled keys stay in "seen" for
// KeepSeen, after an erasure too).
func botKey(kind string) string {
	var r [16]byte
	crand.Read(r[:])
	return kind + ":" + hex.EncodeToString(r[:])
}

// expireBatch bounds the erasures one sweep queues; expireRetry is how soon
// the sweep runs again when it left learners past their time. The first
// sweep of a file older than a year finds most of its learners at once, and
// each erasure scans the inbox and the campaign index in a write
// transaction: all at once, the work grew with the square of their number
// and every live turn (and Receive, on full shard queues) waited behind it.
const (
	expireBatch = 1000
	expireRetry = 10 * time.Minute
)

// expire queues an erasure for the learners whose last exchange is older
// than KeepLearners (the oldest learner records first), at most b.expireBatch
// of them; more says some were left for the next sweep. The learner record's
// UpdatedAt changes only with it, so it picks the candidates cheaply; the
// session's own UpdatedAt (set at every turn of the learner) decides.
func (b *Bot) expire(now time.Time) (queued int, more bool, err error) {
	cutoff := now.Add(-KeepLearners)
	var old []storage.Learner
	err = b.cfg.DB.ForEachLearner(func(l storage.Learner) error {
		if l.UpdatedAt.Before(cutoff) {
			old = append(old, storage.Learner{ID: l.ID, UpdatedAt: l.UpdatedAt})
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	slices.SortFunc(old, func(x, y storage.Learner) int { return x.UpdatedAt.Compare(y.UpdatedAt) })
	var us []storage.Update
	for _, l := range old {
		if len(us) == b.expireBatch {
			more = true
			break
		}
		if !b.silentSince(l.ID, cutoff) {
			continue
		}
		us = append(us, storage.Update{Key: botKey("expire"), Channel: ScheduleChannel, LearnerID: l.ID,
			Payload: json.RawMessage(`{"kind":"expire"}`), ReceivedAt: now})
	}
	if len(us) == 0 {
		return 0, more, nil
	}
	added, err := b.cfg.DB.PutInboxBatch(us) // one commit for the batch
	if err != nil {
		return 0, more, err
	}
	if b.replayed { // else Run's replay queues them
		for _, u := range added {
			b.shards[b.shard(u.LearnerID)] <- u
		}
	}
	return len(added), more, nil
}

// sweepExpired runs expire and remembers whether it must run again soon.
func (b *Bot) sweepExpired(now time.Time) {
	b.lastExpire = now
	n, more, err := b.expire(now)
	b.expireMore = more
	if err != nil {
		b.cfg.Log.Error().Err(err).Int("queued", n).Msg("cannot queue the erasure of learners kept past their time")
	} else if n > 0 {
		b.cfg.Log.Info().Int("learners", n).Bool("more", more).Dur("silent_for", KeepLearners).Msg("housekeeping: learners silent for too long queued for erasure")
	}
}

// silentSince tells whether the learner's last turn is before cutoff. An
// unreadable session counts as silent only if the learner record is old too
// (the caller checked that).
func (b *Bot) silentSince(learnerID string, cutoff time.Time) bool {
	raw, found, err := b.cfg.DB.Session(learnerID)
	if err != nil || !found {
		return err == nil
	}
	var s dialog.Session
	if json.Unmarshal(raw, &s) != nil {
		return true
	}
	return s.UpdatedAt.Before(cutoff)
}

// How long bookkeeping is kept. Seen update keys guard against replays
// (Telegram replays within a day); message references only serve recent
// messages; dropped messages are kept for the operator to look at.
const (
	KeepSeen    = 30 * 24 * time.Hour
	KeepRefs    = 60 * 24 * time.Hour
	KeepDropped = 90 * 24 * time.Hour
)

// housekeep prunes old bookkeeping once a day, so the file does not grow
// with every message ever handled.
func (b *Bot) housekeep(now time.Time) {
	if !b.lastHousekeep.IsZero() && now.Sub(b.lastHousekeep) < 24*time.Hour {
		return
	}
	b.lastHousekeep = now
	total := 0
	for _, p := range []struct {
		name string
		fn   func(time.Time) (int, error)
		keep time.Duration
	}{
		{"seen", b.cfg.DB.PruneSeen, KeepSeen},
		{"refs", b.cfg.DB.PruneRefs, KeepRefs}, {"dropped", b.cfg.DB.PruneDropped, KeepDropped},
	} {
		n, err := p.fn(now.Add(-p.keep))
		if err != nil {
			b.cfg.Log.Error().Err(err).Str("what", p.name).Msg("cannot prune")
			continue
		}
		total += n
	}
	b.cfg.Log.Info().Int("records", total).Msg("housekeeping: old bookkeeping pruned")
	b.sweepExpired(now)
}

// digests queues, on Monday once the quiet hours are over, each campaign's
// weekly digest for its advisors, once per ISO week.
func (b *Bot) digests(now time.Time) error {
	fu := b.cfg.FollowUp
	local := now.In(fu.Zone())
	if local.Weekday() != time.Monday || fu.Quiet(now) || (fu.Weekends && local.Hour() < 9) {
		return nil
	}
	year, wk := local.ISOWeek()
	week := fmt.Sprintf("%d-W%02d", year, wk)
	if b.digestWeek == week {
		return nil
	}
	cs, err := b.cfg.DB.Campaigns()
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.ArchivedAt != nil {
			continue
		}
		d, err := b.digest(c.Code, now)
		if err != nil {
			return err
		}
		if d == nil {
			continue
		}
		d.Week = week
		payload, err := json.Marshal(dialog.Notification{Event: dialog.Event{Kind: dialog.EvDigest, Campaign: c.Code, Digest: d}, At: now})
		if err != nil {
			return err
		}
		to := DefaultNotifyTo
		if c.SlackChannel != "" {
			to = c.SlackChannel
		}
		m := storage.Message{Channel: NotifyChannel, To: to, Kind: "notify_" + string(dialog.EvDigest), Payload: payload}
		if _, err := b.cfg.DB.EnqueueOnce("digest:"+c.Code+":"+week, m); err != nil {
			return err
		}
	}
	b.digestWeek = week
	b.wakeAll()
	return nil
}

// digestWindow is the local ISO week before the one of now: from the
// Monday 00:00 a week before this one's to this Monday 00:00. Fixed
// boundaries, not "the last 7 days": a digest sent late on a Monday (the bot
// was down) neither misses nor repeats what happened that Monday morning,
// and a change of time does not shift them by an hour.
func digestWindow(now time.Time, l *time.Location) (start, end time.Time) {
	local := now.In(l)
	back := (int(local.Weekday()) + 6) % 7 // days since Monday
	end = time.Date(local.Year(), local.Month(), local.Day()-back, 0, 0, 0, 0, l)
	return end.AddDate(0, 0, -7), end
}

// digest sums up a campaign's paths over the last ISO week (digestWindow);
// nil when no learner of it has a path.
func (b *Bot) digest(code string, now time.Time) (*dialog.Digest, error) {
	ids, err := b.cfg.DB.CampaignLearners(code)
	if err != nil {
		return nil, err
	}
	week, end := digestWindow(now, b.cfg.FollowUp.Zone())
	d := &dialog.Digest{Learners: len(ids)}
	found := false
	for _, id := range ids {
		raw, ok, err := b.cfg.DB.Session(id)
		if err != nil || !ok {
			continue
		}
		var s dialog.Session
		if json.Unmarshal(raw, &s) != nil || s.Path == nil {
			continue
		}
		p := s.Path
		label := s.ExternalID
		if label == "" {
			label = dialog.LearnerRef(id)
		}
		switch {
		case p.State == dialog.PathFinished:
			if !p.FinishedAt.Before(week) && p.FinishedAt.Before(end) {
				d.Finished = append(d.Finished, label)
				found = true
			}
		case p.State == dialog.PathStopped || p.State == dialog.PathPaused:
			d.Stopped = append(d.Stopped, label)
			found = true
		case p.State == dialog.PathActive && !p.LastAnswer.Before(week):
			d.Active = append(d.Active, label)
			found = true
		case p.State == dialog.PathActive && p.StartedAt.Before(week):
			d.Stopped = append(d.Stopped, label) // silent for a week
			found = true
		case p.State == dialog.PathActive:
			d.Active = append(d.Active, label) // just started
			found = true
		}
	}
	if !found {
		return nil, nil
	}
	for _, l := range [][]string{d.Active, d.Stopped, d.Finished} {
		slices.Sort(l)
	}
	return d, nil
}
