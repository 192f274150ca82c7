package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Paris without the system's zoneinfo

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// simClock is the simulated time of a run.
type simClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *simClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// simSent is one message as the learner's phone got it, at simulated time.
type simSent struct {
	At  time.Time
	Out dialog.Output
	ID  uint64
}

// simSender records deliveries per recipient; blocked recipients answer like
// a chat whose learner blocked the bot.
type simSender struct {
	mu       sync.Mutex
	clock    *simClock
	sent     map[string][]simSent
	blocked  map[string]bool
	attempts map[string]int // Send calls per recipient
	notes    []storage.Message
}

type blockedErr struct{}

func (blockedErr) Error() string     { return "Forbidden: bot was blocked by the user" }
func (blockedErr) Unreachable() bool { return true }

func (s *simSender) Send(_ context.Context, m storage.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Channel == NotifyChannel {
		s.notes = append(s.notes, m)
		return "C:" + fmt.Sprint(m.ID), nil
	}
	s.attempts[m.To]++
	if s.blocked[m.To] {
		return "", blockedErr{}
	}
	var o dialog.Output
	if err := json.Unmarshal(m.Payload, &o); err != nil {
		return "", err
	}
	s.sent[m.To] = append(s.sent[m.To], simSent{At: s.clock.Now(), Out: o, ID: m.ID})
	return fmt.Sprint(m.ID), nil
}

// bankLesson gives every skill a lesson checked by its first item, so this
// test does not depend on the lesson files' wording.
func bankLesson(bk *bank.Bank) func(c, s, lang string) (dialog.LessonView, bool) {
	first := map[string]string{}
	for _, it := range bk.EngineItems() {
		if _, ok := first[it.Competence+"/"+it.Skill]; !ok {
			first[it.Competence+"/"+it.Skill] = it.ID
		}
	}
	return func(c, s, lang string) (dialog.LessonView, bool) {
		id, ok := first[c+"/"+s]
		return dialog.LessonView{Title: "Compétence " + c + " " + s, Text: "Texte.", Try: "Essayez maintenant : ceci.", Check: id}, ok
	}
}

// simRun is a bot over a file that can be stopped and started again.
type simRun struct {
	t      *testing.T
	path   string
	clock  *simClock
	sender *simSender
	db     *storage.DB
	bot    *Bot
	stop   context.CancelFunc
	done   chan error
	seq    int
}

func (r *simRun) start() {
	r.t.Helper()
	db, err := storage.Open(r.path, storage.WithNoSync(true))
	if err != nil {
		r.t.Fatal(err)
	}
	bk, eng := loadTestEngine(r.t)
	paris, _ := time.LoadLocation("Europe/Paris")
	b, err := New(Config{DB: db, Bank: bk, Engine: eng, Log: zerolog.Nop(), Shards: 8, Now: r.clock.Now,
		Senders:  map[string]Sender{"test": r.sender, NotifyChannel: r.sender},
		Backoff:  func(int) time.Duration { return time.Millisecond },
		FollowUp: dialog.FollowUp{Location: paris}, Lesson: bankLesson(bk),
		TickEvery: time.Hour, // the test ticks itself, in simulated time
	})
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.db, r.bot, r.stop, r.done = db, b, cancel, make(chan error, 1)
	go func() { r.done <- b.Run(ctx) }()
}

func (r *simRun) halt() {
	r.stop()
	<-r.done
	r.db.Close()
}

func (r *simRun) input(learner string, in dialog.Input) {
	r.t.Helper()
	r.seq++
	p, _ := json.Marshal(in)
	if err := r.bot.Receive(storage.Update{Key: fmt.Sprintf("u%d", r.seq), Channel: "test", LearnerID: learner, Payload: p}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *simRun) idle() {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		in, _ := r.db.Inbox(1)
		a, _ := r.db.OutboxDepth("test")
		b, _ := r.db.OutboxDepth(NotifyChannel)
		if len(in) == 0 && a == 0 && b == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	r.t.Fatal("bot not idle after 60 s")
}

func (r *simRun) state(learner string) dialog.Session {
	raw, _, _ := r.db.Session(learner)
	var s dialog.Session
	json.Unmarshal(raw, &s)
	return s
}

// answerText answers a question view by typing, right or not.
func answerText(bk *bank.Bank, q *dialog.QuestionView, right bool) string {
	it, _ := bk.Item(q.Item)
	if !right {
		return "je ne sais pas"
	}
	if it.Type == bank.Text {
		return it.Answers[0]
	}
	// Choices are shown shuffled: a typed number is a place shown, found
	// through the buttons, which carry the item's own indexes.
	places, p := map[int]int{}, 0
	for _, row := range q.Buttons {
		for _, b := range row {
			pb, err := dialog.ParseButton(b.Data)
			if err != nil {
				continue
			}
			if k, err := strconv.Atoi(strings.TrimPrefix(pb.Action, "t")); err == nil {
				places[k], p = p, p+1
			}
		}
	}
	var nums []string
	for _, c := range it.CorrectChoices() {
		nums = append(nums, fmt.Sprint(places[c]+1))
	}
	return strings.Join(nums, " ")
}

// TestFollowUpThirtyDays: 1,000 learners finish a short diagnostic, choose a
// moment of the day and live 30 simulated days of micro-lessons. Some never
// answer, some /stop, some block the bot; the bot restarts in the middle.
func TestFollowUpThirtyDays(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 150
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	clock := &simClock{now: time.Date(2026, 11, 23, 9, 30, 0, 0, paris)} // a Monday
	sender := &simSender{clock: clock, sent: map[string][]simSent{}, blocked: map[string]bool{}, attempts: map[string]int{}}
	r := &simRun{t: t, path: filepath.Join(t.TempDir(), "sim.db"), clock: clock, sender: sender}
	r.start()
	defer func() { r.halt() }()
	if err := r.db.PutCampaign(storage.Campaign{Code: "SUIVIS234", Name: "Suivi", Competences: []string{"4.1", "4.2"}, MaxQuestions: 4, PathLength: 3, SlackChannel: "C42"}); err != nil {
		t.Fatal(err)
	}
	bk, _ := loadTestEngine(t)
	rng := rand.New(rand.NewPCG(7, 7))
	ids := make([]string, n)
	kind := make(map[string]string) // "ok" answers, "silent" never answers, "stop", "block"
	for i := range ids {
		ids[i] = fmt.Sprintf("test:%d", i+1)
		switch {
		case i%20 == 1:
			kind[ids[i]] = "silent"
		case i%50 == 2:
			kind[ids[i]] = "stop"
		case i%50 == 3:
			kind[ids[i]] = "block"
		default:
			kind[ids[i]] = "ok"
		}
	}
	// The diagnostic, everyone at once, step by step.
	for _, id := range ids {
		r.input(id, dialog.ParseText("/start SUIVIS234"))
	}
	r.idle()
	for _, id := range ids {
		r.input(id, dialog.ParseText("oui"))
	}
	r.idle()
	for round := 0; round < 10; round++ {
		for _, id := range ids {
			if r.state(id).State == dialog.StateQuestion {
				r.input(id, dialog.ParseText("je ne sais pas"))
			}
		}
		r.idle()
	}
	slots := []string{"matin", "apresmidi", "soir"}
	for i, id := range ids {
		r.input(id, dialog.Input{Kind: dialog.InButton, Data: dialog.Button{Menu: "review", Value: "later"}.Encode()})
		r.input(id, dialog.Input{Kind: dialog.InButton, Data: dialog.Button{Menu: "path", Value: slots[i%3]}.Encode()})
	}
	r.idle()
	for _, id := range ids {
		if s := r.state(id); s.Path == nil || s.Path.State != dialog.PathActive {
			t.Fatalf("%s has no active path: %s %+v", id, s.State, s.Path)
		}
	}
	setupEnd := clock.Now()

	answered := map[uint64]bool{} // outbox ids of check questions answered
	stoppedAt := map[string]time.Time{}
	blockedAt := map[string]int{}
	step := 15 * time.Minute
	end := setupEnd.Add(30 * 24 * time.Hour)
	restarted := false
	for clock.Now().Before(end) {
		clock.Add(step)
		now := clock.Now()
		if !restarted && now.Sub(setupEnd) > 12*24*time.Hour && now.In(paris).Hour() == 14 {
			// Restart in the middle of a busy slot: ticks taken, turns and
			// sends possibly in flight.
			if err := r.bot.Tick(); err != nil {
				t.Fatal(err)
			}
			r.halt()
			r.start()
			restarted = true
		}
		if err := r.bot.Tick(); err != nil {
			t.Fatal(err)
		}
		r.idle()
		day := int(now.Sub(setupEnd) / (24 * time.Hour))
		sender.mu.Lock()
		var todo []struct {
			id   string
			text string
			num  uint64
		}
		for _, id := range ids {
			msgs := sender.sent[id]
			if len(msgs) == 0 {
				continue
			}
			last := msgs[len(msgs)-1]
			q := last.Out.Question
			if q == nil || q.Number < 1000 || answered[last.ID] || kind[id] == "silent" {
				continue
			}
			if kind[id] == "stop" && day >= 3 {
				continue
			}
			answered[last.ID] = true
			todo = append(todo, struct {
				id   string
				text string
				num  uint64
			}{id, answerText(bk, q, rng.Float64() < 0.8), last.ID})
		}
		sender.mu.Unlock()
		for _, a := range todo {
			r.input(a.id, dialog.ParseText(a.text))
		}
		for _, id := range ids {
			if kind[id] == "stop" && day >= 3 && stoppedAt[id].IsZero() {
				r.input(id, dialog.ParseText("/stop"))
				stoppedAt[id] = now
			}
			if kind[id] == "block" && day >= 5 && blockedAt[id] == 0 {
				sender.mu.Lock()
				sender.blocked[id] = true
				blockedAt[id] = sender.attempts[id] + 1 // the next attempt fails, then none
				sender.mu.Unlock()
			}
		}
		r.idle()
	}
	if !restarted {
		t.Fatal("the run never restarted")
	}

	sender.mu.Lock()
	defer sender.mu.Unlock()
	finished, okLearners := 0, 0
	for _, id := range ids {
		lessons := map[string]bool{}
		days := map[string]int{}
		for _, m := range sender.sent[id] {
			if m.At.After(setupEnd) && (dialog.FollowUp{Location: paris}).Quiet(m.At) {
				t.Fatalf("%s got a message at %v: quiet hours or weekend", id, m.At.In(paris))
			}
			if strings.HasPrefix(m.Out.Text, "📘") {
				header, _, _ := strings.Cut(m.Out.Text, "\n")
				if lessons[header] {
					t.Fatalf("%s got %q twice", id, header)
				}
				lessons[header] = true
				d := m.At.In(paris).Format(time.DateOnly)
				if days[d]++; days[d] > 1 {
					t.Fatalf("%s got two lessons on %s", id, d)
				}
			}
			if at, ok := stoppedAt[id]; ok && m.At.After(at) && !strings.Contains(m.Out.Text, "arrêté") {
				t.Fatalf("%s got %q after /stop", id, m.Out.Text)
			}
		}
		if b := blockedAt[id]; b > 0 && sender.attempts[id] > b {
			t.Fatalf("%s blocked the bot, and the bot tried %d more times", id, sender.attempts[id]-b)
		}
		s := r.state(id)
		switch kind[id] {
		case "ok":
			okLearners++
			if s.Path.State == dialog.PathFinished {
				finished++
			}
			if len(lessons) != 3 && s.Path.State == dialog.PathFinished {
				t.Errorf("%s finished with %d lessons", id, len(lessons))
			}
		case "silent":
			if s.Path.State != dialog.PathPaused || s.Path.Reminders != dialog.MaxReminders || len(lessons) != 1 {
				t.Errorf("%s never answers: path %s, %d reminders, %d lessons", id, s.Path.State, s.Path.Reminders, len(lessons))
			}
		case "stop":
			if s.Path.State != dialog.PathStopped {
				t.Errorf("%s stopped: path %s", id, s.Path.State)
			}
		}
	}
	if finished < okLearners*6/10 {
		t.Errorf("only %d of %d answering learners finished their 3-lesson path in 30 days", finished, okLearners)
	}
	// Digests: one per week (Mondays after setup), none twice across the restart.
	weeks := map[string]int{}
	for _, m := range sender.notes {
		if m.Kind == "notify_digest" {
			var nt dialog.Notification
			json.Unmarshal(m.Payload, &nt)
			weeks[nt.Event.Digest.Week]++
			if m.To != "C42" {
				t.Errorf("digest to %s, want the campaign's channel", m.To)
			}
		}
	}
	if len(weeks) < 4 {
		t.Errorf("digests for %d weeks, want 4 or 5: %v", len(weeks), weeks)
	}
	for w, k := range weeks {
		if k != 1 {
			t.Errorf("week %s digested %d times", w, k)
		}
	}
	// The advisor sees the path in the learner's report.
	_, eng := loadTestEngine(t)
	rep, err := Report(r.db, eng, nil, ids[0])
	if err != nil || rep.Path == nil || rep.Path.Steps != 3 || !strings.Contains(rep.Text(), "Parcours") {
		t.Errorf("report of %s: %+v %v\n%s", ids[0], rep.Path, err, rep.Text())
	}
	t.Logf("%d learners, %d answering, %d finished their 3-lesson path within 30 days; digests for %d weeks", n, okLearners, finished, len(weeks))
}

// TestDigestWeeks: each digest covers the ISO week before the Monday it is
// sent, whatever the hour it goes out (the bot may have been down on Monday
// morning), so every finished path is in exactly one digest.
func TestDigestWeeks(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	h := start(t, filepath.Join(t.TempDir(), "d.db"), func(c *Config) { c.FollowUp = dialog.FollowUp{Location: paris} })
	const code = "DIGEST234"
	if err := h.db.PutCampaign(storage.Campaign{Code: code, Name: "Digest"}); err != nil {
		t.Fatal(err)
	}
	finished := map[string]time.Time{
		"test:1": time.Date(2026, 11, 18, 12, 0, 0, 0, paris), // Wednesday
		"test:2": time.Date(2026, 11, 23, 10, 0, 0, 0, paris), // Monday, after that day's digest
		"test:3": time.Date(2026, 11, 30, 8, 0, 0, 0, paris),  // Monday, before that day's (late) digest
		"test:4": time.Date(2026, 12, 2, 12, 0, 0, 0, paris),
		"test:5": time.Date(2026, 12, 6, 23, 30, 0, 0, paris), // Sunday night
	}
	for id, at := range finished {
		s := dialog.Session{State: dialog.StateDone, Path: &dialog.Path{State: dialog.PathFinished, StartedAt: at.AddDate(0, 0, -20), FinishedAt: at}}
		raw, _ := json.Marshal(s)
		l := storage.Learner{ID: id, Channel: "test", ChatID: id[5:], Campaign: code}
		if _, err := h.db.CommitTurn(storage.Turn{Learner: &l, LearnerID: id, Session: raw}); err != nil {
			t.Fatal(err)
		}
	}
	byRef := map[string]string{}
	for id := range finished {
		byRef[dialog.LearnerRef(id)] = id
	}
	seen := map[string]int{}
	for _, at := range []time.Time{
		time.Date(2026, 11, 23, 9, 5, 0, 0, paris),
		time.Date(2026, 11, 30, 15, 0, 0, 0, paris), // late: the bot was down
		time.Date(2026, 12, 7, 9, 5, 0, 0, paris),
		time.Date(2026, 12, 14, 9, 5, 0, 0, paris),
	} {
		d, err := h.bot.digest(code, at)
		if err != nil {
			t.Fatal(err)
		}
		if d == nil {
			continue
		}
		for _, ref := range d.Finished {
			if finished[byRef[ref]].After(at) {
				continue // not finished yet at that time: the stored session is from later
			}
			seen[ref]++
		}
	}
	for id, at := range finished {
		if n := seen[dialog.LearnerRef(id)]; n != 1 {
			t.Errorf("%s, finished %v, is in %d digests, want 1", id, at, n)
		}
	}
}

// TestUnfinishedDiagnosticReminders: through the scheduler, a learner who
// stops in the middle of the diagnostic on a Thursday before Christmas gets
// one reminder on the next lesson day (Christmas Day and the weekend are
// not) and one two lesson days later, in the afternoon; then nothing.
func TestUnfinishedDiagnosticReminders(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	clock := &simClock{now: time.Date(2026, 12, 24, 11, 0, 0, 0, paris)}
	sender := &simSender{clock: clock, sent: map[string][]simSent{}, blocked: map[string]bool{}, attempts: map[string]int{}}
	r := &simRun{t: t, path: filepath.Join(t.TempDir(), "nudge.db"), clock: clock, sender: sender}
	r.start()
	defer r.halt()
	r.input("test:kevin", dialog.Input{Kind: dialog.InCommand, Command: "start"})
	r.idle()
	r.input("test:kevin", dialog.Input{Kind: dialog.InText, Text: "ouais"})
	r.idle()
	r.input("test:kevin", dialog.Input{Kind: dialog.InText, Text: "jsp"})
	r.idle()
	before := len(sender.sent["test:kevin"])
	var reminders []string
	for h := 0; h < 10*24; h++ { // ten days, hour by hour
		clock.Add(time.Hour)
		if err := r.bot.Tick(); err != nil {
			t.Fatal(err)
		}
		r.idle()
	}
	for _, m := range sender.sent["test:kevin"][before:] {
		if strings.HasPrefix(m.Out.Text, "👋 Votre diagnostic") {
			reminders = append(reminders, m.At.In(paris).Format("2006-01-02 15"))
		}
	}
	// The moment is 14 h and a learner's minutes; the hourly ticks take it
	// by the next hour.
	afternoon := func(s, day string) bool { return strings.HasPrefix(s, day+" 14") || strings.HasPrefix(s, day+" 15") }
	if len(reminders) != 2 || !afternoon(reminders[0], "2026-12-28") || !afternoon(reminders[1], "2026-12-30") {
		t.Errorf("reminders at %v, want 2026-12-28 and 2026-12-30 in the afternoon", reminders)
	}
}
