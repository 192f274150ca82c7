package dialog

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Paris without the system's zoneinfo

	"github.com/diagbot/diagbot/engine/bank"
)

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}()

// testLesson gives every skill a lesson whose check is the skill's first item.
func testLesson(competence, skill, lang string) (LessonView, bool) {
	for _, it := range testEngine.Items() {
		if it.Competence == competence && it.Skill == skill {
			return LessonView{Title: "Leçon " + skill, Text: "Texte.", Try: "Essayez maintenant : ceci.", Check: it.ID}, true
		}
	}
	return LessonView{}, false
}

// toPath finishes a short diagnostic (3 questions, all missed) and stops at
// the path offer.
func toPath(t *testing.T, pathLength int) *conv {
	c := newConv(t)
	c.fu = FollowUp{Location: paris}
	c.lesson = testLesson
	c.campaign = &Campaign{Code: "ABCDEF234", Name: "x", Competences: []string{"4.1"}, MaxQuestions: 3, PathLength: pathLength}
	c.text("/start ABCDEF234")
	c.campaign = nil
	c.text("oui")
	for c.s.State == StateQuestion {
		c.answer(false)
	}
	c.menu("review", "later")
	if c.s.State != StateFollowUp || c.s.Path == nil || c.s.Path.State != PathOffered {
		t.Fatalf("no path offered: state %s, path %+v", c.s.State, c.s.Path)
	}
	return c
}

func has(turn Turn, sub string) bool {
	for _, o := range turn.Outputs {
		if strings.Contains(o.Text, sub) || (o.Question != nil && strings.Contains(o.Question.Header, sub)) {
			return true
		}
	}
	return false
}

// at moves the clock to the session's due time and ticks.
func (c *conv) tick() Turn {
	c.t.Helper()
	due := c.s.Due()
	if due.IsZero() {
		c.t.Fatalf("nothing due (path %+v)", c.s.Path)
	}
	c.now = due.Add(-20 * time.Second) // send adds 20 s
	return c.send(Input{Kind: InTick})
}

var pathScripts = map[string]func(t *testing.T) *conv{
	"path stop": func(t *testing.T) *conv {
		c := toPath(t, 2)
		c.menu("path", "soir")
		c.text("/stop") // followup > end_path > done
		if c.s.Path.State != PathStopped || !c.s.Due().IsZero() || c.s.State != StateDone {
			t.Errorf("after /stop: %s %+v", c.s.State, c.s.Path)
		}
		c.text("/parcours") // done > follow > followup, slots offered again
		if c.s.State != StateFollowUp || !has(c.last, T("fr", "path_when")) {
			t.Errorf("/parcours after /stop: %s %v", c.s.State, c.last.Outputs)
		}
		return c
	},
	"path help and erase": func(t *testing.T) *conv {
		c := toPath(t, 2)
		c.menu("path", "matin")
		c.text("/aide") // followup > help
		c.text("/reprendre")
		c.text("/supprimer") // followup > ask_erase
		c.menu("erase", "no")
		if c.s.State != StateFollowUp {
			t.Errorf("erase cancelled should come back to the path: %s", c.s.State)
		}
		return c
	},
}

func TestPathOfferAndSlots(t *testing.T) {
	c := toPath(t, 2)
	if n := len(c.s.Path.Steps); n != 2 {
		t.Fatalf("path of %d steps, want 2", n)
	}
	if !has(c.last, "2 petites leçons") {
		t.Errorf("offer: %+v", c.last.Outputs)
	}
	c.menu("path", "matin")
	due := c.s.Due().In(paris)
	// Monday 23 November, after 10:00 UTC (11:00 Paris): tomorrow morning.
	if due.Day() != 24 || due.Hour() != 10 {
		t.Errorf("first lesson due %v, want Tuesday 24 around 10:00 Paris", due)
	}
	if !has(c.last, "demain vers 10 h") {
		t.Errorf("the learner should read when: %+v", c.last.Outputs)
	}
	// A path of length -1: no offer, done.
	c2 := newConv(t)
	c2.lesson = testLesson
	c2.campaign = &Campaign{Code: "ABCDEF234", Name: "x", Competences: []string{"4.1"}, MaxQuestions: 3, PathLength: -1}
	c2.text("/start ABCDEF234")
	c2.text("oui")
	for c2.s.State == StateQuestion {
		c2.answer(false)
	}
	c2.menu("review", "later")
	if c2.s.State != StateDone || c2.s.Path != nil {
		t.Errorf("no path wanted: %s %+v", c2.s.State, c2.s.Path)
	}
	// Declining.
	c3 := toPath(t, 2)
	c3.menu("path", "non")
	if c3.s.State != StateDone || c3.s.Path.State != PathDeclined || !c3.s.Due().IsZero() {
		t.Errorf("declined: %s %+v", c3.s.State, c3.s.Path)
	}
}

// TestPathToTheEnd runs a path with every check answered right: one lesson a
// day at most, never in quiet hours nor on weekends, reviews spaced, finished.
func TestPathToTheEnd(t *testing.T) {
	c := toPath(t, 3)
	c.menu("path", "soir")
	days := map[string]int{}
	for i := 0; i < 60 && c.s.Path.State == PathActive; i++ {
		turn := c.tick()
		local := c.now.In(paris)
		if len(turn.Outputs) > 0 {
			if (FollowUp{Location: paris}).Quiet(c.now) {
				t.Fatalf("sent at %v: quiet hours or weekend", local)
			}
			days[local.Format(time.DateOnly)]++
			if days[local.Format(time.DateOnly)] > 1 {
				t.Fatalf("two sends on %v", local)
			}
		}
		if c.s.Path.Check != nil {
			c.answer(true)
		}
	}
	if c.s.Path.State != PathFinished || c.s.State != StateDone {
		t.Fatalf("path not finished: %s %+v", c.s.State, c.s.Path)
	}
	if !has(c.last, "Parcours terminé") {
		t.Errorf("no congratulations: %+v", c.last.Outputs)
	}
	// 3 lessons, each right 3 times (lesson day, +3, +7): 9 sends.
	if len(days) != 9 {
		t.Errorf("%d days with a send, want 9: %v", len(days), days)
	}
	c.text("/progres")
	if !has(c.last, "↗") {
		t.Errorf("right answers should show progress: %+v", c.last.Outputs)
	}
	// The names and whole levels of /resultats; a competence without new
	// answers that moved is "estimé".
	line := regexp.MustCompile(`^[=↗↘] (.+) \((\d\.\d)\) : (\d) → (\d)( \(estimé\))?$`)
	answered := map[string]bool{}
	for _, r := range c.s.Path.Responses {
		it, _ := testBank.Item(r.Item)
		answered[it.Competence] = true
	}
	lines := strings.Split(c.last.Outputs[0].Text, "\n")
	for _, l := range lines[1 : len(lines)-1] {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("progress line %q", l)
			continue
		}
		if m[1] != plainName("fr", m[2]) || (m[5] != "") != (m[3] != m[4] && !answered[m[2]]) {
			t.Errorf("progress line %q: plain name, estimé only without new answers", l)
		}
	}
	c.text("/parcours")
	if !has(c.last, "3 leçons retenues sur 3") || !has(c.last, "⏳ à venir · 🔁 à revoir · ✅ retenue") {
		t.Errorf("/parcours: %+v", c.last.Outputs)
	}
}

// TestPathWords: /parcours says "0 leçon retenue", and the diagnostic's
// "0 question", in French.
func TestPathWords(t *testing.T) {
	c := toPath(t, 3)
	c.menu("path", "soir")
	c.text("/parcours")
	if !has(c.last, "0 leçon retenue sur") {
		t.Errorf("/parcours: %+v", c.last.Outputs)
	}
	d := newConv(t)
	d.text("/start")
	d.text("oui")
	if d.text("/resultats"); !has(d.last, "Vous avez répondu à 0 question.") {
		t.Errorf("/resultats before any answer: %+v", d.last.Outputs)
	}
}

func TestPathReminderThenPause(t *testing.T) {
	c := toPath(t, 2)
	c.menu("path", "apresmidi")
	c.tick() // lesson 1 + check
	if c.s.Path.Check == nil {
		t.Fatal("no check question")
	}
	first := c.s.Path.Check.Number
	for r := 1; r <= MaxReminders; r++ {
		turn := c.tick()
		if !has(turn, "Une petite question vous attend") || c.s.Path.Reminders != r {
			t.Fatalf("reminder %d: %+v", r, turn.Outputs)
		}
	}
	turn := c.tick()
	if len(turn.Outputs) != 0 || c.s.Path.State != PathPaused || !c.s.Due().IsZero() {
		t.Fatalf("after two reminders the path pauses silently: %+v %+v", turn.Outputs, c.s.Path)
	}
	c.text("coucou") // the learner writes: the path comes back, the question again
	if c.s.Path.State != PathActive || c.s.Due().IsZero() || c.question().Number != first {
		t.Fatalf("wake: %+v", c.s.Path)
	}
	c.answer(false)
	if c.s.Path.Steps[0].Streak != 0 || c.s.Path.Check != nil {
		t.Errorf("a miss: %+v", c.s.Path.Steps[0])
	}
	// A stale diagnostic button now: nothing recorded.
	turn = c.press(Button{Session: c.s.Nonce, Question: 1, Action: ActionPick(0)}.Encode())
	if len(turn.Answers) != 0 {
		t.Errorf("stale button recorded an answer")
	}
}

func TestPathTicksThatSendNothing(t *testing.T) {
	c := toPath(t, 2)
	c.menu("path", "matin")
	// Late after a restart: 23:30 Paris on the due day. Nothing now,
	// rescheduled to the next morning.
	due := c.s.Due().In(paris)
	c.now = time.Date(due.Year(), due.Month(), due.Day(), 23, 30, 0, 0, paris)
	turn := c.send(Input{Kind: InTick})
	if len(turn.Outputs) != 0 || c.s.Due().In(paris).Day() != due.Day()+1 || c.s.Due().In(paris).Hour() != 10 {
		t.Errorf("late tick: %+v due %v", turn.Outputs, c.s.Due().In(paris))
	}
	// During a help request: nothing either.
	c.text("/aide")
	turn = c.tick()
	if len(turn.Outputs) != 0 || c.s.Due().IsZero() {
		t.Errorf("tick during help: %+v", turn.Outputs)
	}
	// Weekends are skipped by default: from Friday the next is Monday.
	c.text("/reprendre")
	c.now = time.Date(2026, 11, 27, 12, 0, 0, 0, paris) // Friday, a late tick
	c.send(Input{Kind: InTick})
	c.answer(true)
	if d := c.s.Due().In(paris); d.Weekday() != time.Monday {
		t.Errorf("after Friday: %v", d)
	}
}

func TestAdvisorActions(t *testing.T) {
	c := newConv(t)
	c.text("bonjour")
	c.menu("consent", "yes")
	q := c.question().Number
	c.text("/aide je ne comprends pas")
	turn := c.send(Input{Kind: InAdvisor, What: "claim", Advisor: "U1", Ref: "C1:1.2"})
	if !has(turn, "a vu votre demande") || len(turn.Events) != 1 || turn.Events[0].Kind != EvClaimed || turn.Events[0].Ref != "C1:1.2" {
		t.Errorf("claim: %+v", turn)
	}
	turn = c.send(Input{Kind: InAdvisor, What: "reply", Advisor: "U1", Text: "Lisez bien la question <b>"})
	if !has(turn, "Votre conseiller ou conseillère : Lisez bien la question <b>") || c.s.State != StateHelp {
		t.Errorf("reply: %+v", turn.Outputs)
	}
	turn = c.text("merci, et pour la suite ?")
	if len(turn.Events) != 1 || turn.Events[0].Kind != EvHelpMessage {
		t.Errorf("the learner's text goes to the thread: %+v", turn.Events)
	}
	turn = c.send(Input{Kind: InAdvisor, What: "resolve", Advisor: "U1", Ref: "C1:1.2"})
	if c.s.State != StateQuestion || c.s.HelpPending || turn.Events[0].Kind != EvResolved || c.question().Number != q {
		t.Errorf("resolve: %s %+v", c.s.State, turn)
	}
	// An erased learner: advisors' actions change nothing and say nothing.
	e := newConv(t)
	turn = e.send(Input{Kind: InAdvisor, What: "reply", Text: "hello"})
	if len(turn.Outputs) != 0 || e.s.State != StateNew {
		t.Errorf("unknown learner: %+v", turn)
	}
}

func TestQuiet(t *testing.T) {
	f := FollowUp{Location: paris}
	cases := []struct {
		t     time.Time
		quiet bool
	}{
		{time.Date(2026, 11, 23, 8, 59, 0, 0, paris), true},
		{time.Date(2026, 11, 23, 9, 0, 0, 0, paris), false},
		{time.Date(2026, 11, 23, 20, 59, 0, 0, paris), false},
		{time.Date(2026, 11, 23, 21, 0, 0, 0, paris), true},
		{time.Date(2026, 11, 28, 12, 0, 0, 0, paris), true}, // Saturday
	}
	for _, tc := range cases {
		if got := f.Quiet(tc.t); got != tc.quiet {
			t.Errorf("Quiet(%v) = %v", tc.t, got)
		}
	}
	f.Weekends = true
	if f.Quiet(time.Date(2026, 11, 28, 12, 0, 0, 0, paris)) {
		t.Error("weekends allowed")
	}
}

// stepAt is a bare step at now with a path in slot (for the time helpers).
func stepAt(now time.Time, fu FollowUp, slot string, jitter int) *step {
	return &step{s: Session{Path: &Path{State: PathActive, Slot: slot, Jitter: jitter}}, env: Env{Now: now, FollowUp: fu}, m: newMachine(StateFollowUp)}
}

// TestSlotsAcrossDST: the learner's moment keeps its local hour on the days
// Europe/Paris changes time (last Sundays of March and October), and no local
// day is skipped or repeated around them.
func TestSlotsAcrossDST(t *testing.T) {
	weekends := FollowUp{Location: paris, Weekends: true}
	cases := []struct {
		name   string
		fu     FollowUp
		slot   string
		jitter int
		now    time.Time
		want   time.Time // local
	}{
		{"spring forward, morning", weekends, "matin", 5, time.Date(2026, 3, 28, 12, 0, 0, 0, paris), time.Date(2026, 3, 29, 10, 5, 0, 0, paris)},
		{"fall back, morning", weekends, "matin", 5, time.Date(2026, 10, 24, 12, 0, 0, 0, paris), time.Date(2026, 10, 25, 10, 5, 0, 0, paris)},
		{"spring forward, evening", weekends, "soir", 59, time.Date(2026, 3, 28, 20, 0, 0, 0, paris), time.Date(2026, 3, 29, 18, 59, 0, 0, paris)},
		{"fall back, evening", weekends, "soir", 59, time.Date(2026, 10, 24, 20, 0, 0, 0, paris), time.Date(2026, 10, 25, 18, 59, 0, 0, paris)},
		// Late on Saturday (UTC clock): the next day is Sunday, not Monday.
		{"spring forward, from late Saturday in UTC", weekends, "matin", 0, time.Date(2026, 3, 28, 22, 30, 0, 0, time.UTC), time.Date(2026, 3, 29, 10, 0, 0, 0, paris)},
		{"fall back, from late Saturday in UTC", weekends, "matin", 0, time.Date(2026, 10, 24, 22, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 10, 0, 0, 0, paris)},
		// Weekends off: Monday after the change, same local hour.
		{"spring forward, weekdays", FollowUp{Location: paris}, "apresmidi", 30, time.Date(2026, 3, 27, 15, 0, 0, 0, paris), time.Date(2026, 3, 30, 14, 30, 0, 0, paris)},
		{"fall back, weekdays", FollowUp{Location: paris}, "apresmidi", 30, time.Date(2026, 10, 23, 15, 0, 0, 0, paris), time.Date(2026, 10, 26, 14, 30, 0, 0, paris)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := stepAt(tc.now, tc.fu, tc.slot, tc.jitter)
			got := st.nextSlot(tc.now)
			if !got.Equal(tc.want) {
				t.Errorf("nextSlot(%v) = %v, want %v", tc.now.In(paris), got.In(paris), tc.want)
			}
			if tc.fu.Quiet(got) {
				t.Errorf("%v is in the quiet hours", got.In(paris))
			}
			// dayAfter(1) from the day before lands on the same moment.
			nextDay := tc.now.In(paris).AddDate(0, 0, 1).Format(time.DateOnly) == tc.want.Format(time.DateOnly)
			if d := st.dayAfter(1); tc.fu.Weekends && nextDay && !d.Equal(tc.want) {
				t.Errorf("dayAfter(1) = %v, want %v", d.In(paris), tc.want)
			}
		})
	}
}

// stuck reports a path still active with work left and nothing scheduled:
// the scheduler would never come back to it.
func stuck(p *Path) bool {
	return p != nil && p.State == PathActive && p.Due.IsZero() && p.done() < len(p.Steps)
}

// TestPathEdges: each script drives a learner through an edge of the
// follow-up and checks what the learner sees and what stays scheduled.
func TestPathEdges(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, c *conv)
	}{
		{"stop with a check pending, then back", func(t *testing.T, c *conv) {
			c.menu("path", "soir")
			c.tick() // lesson 1 and its check
			if c.s.Path.Check == nil {
				t.Fatal("no check question")
			}
			c.text("/stop")
			if c.s.Path.State != PathStopped || c.s.Path.Check != nil || !c.s.Due().IsZero() {
				t.Fatalf("after /stop: %+v", c.s.Path)
			}
			c.text("/parcours")
			c.menu("path", "matin")
			if stuck(c.s.Path) {
				t.Fatalf("active with nothing scheduled: %+v", c.s.Path)
			}
			turn := c.tick() // the dropped check comes back
			if c.s.Path.Check == nil || c.s.Path.Check.Step != 0 || !has(turn, T("fr", "check_header")) {
				t.Fatalf("the unanswered check should come back: %+v %+v", turn.Outputs, c.s.Path)
			}
		}},
		{"stop during help, then a new diagnostic", func(t *testing.T, c *conv) {
			c.menu("path", "matin")
			c.text("/aide")
			c.text("/stop")
			if c.s.Path.State != PathStopped {
				t.Fatalf("/stop during help: %+v", c.s.Path)
			}
			c.text("/reprendre")
			c.text("/start")
			if c.s.State != StateQuestion {
				t.Fatalf("after /stop the learner can start again: state %s, %+v", c.s.State, c.last.Outputs)
			}
		}},
		{"late tick after midnight", func(t *testing.T, c *conv) {
			c.menu("path", "matin")
			due := c.s.Due().In(paris) // Tuesday 24, 10 h
			// The bot was down: the tick comes at 00:30 on Wednesday, in the
			// quiet hours. Nothing now; Wednesday's moment is still ahead.
			c.now = time.Date(due.Year(), due.Month(), due.Day()+1, 0, 30, 0, 0, paris)
			turn := c.send(Input{Kind: InTick})
			got := c.s.Due().In(paris)
			if len(turn.Outputs) != 0 || got.Day() != due.Day()+1 || got.Hour() != 10 {
				t.Errorf("late tick: %+v, due %v, want Wednesday 10 h", turn.Outputs, got)
			}
		}},
		{"stale tick after a change of moment", func(t *testing.T, c *conv) {
			c.menu("path", "matin")
			due := c.s.Due() // Tuesday, 10 h
			// The scheduler took the 10 h tick, but the learner's press of
			// "soir" just before it is handled first: the tick is stale.
			c.now = due.Add(-2 * time.Minute)
			c.menu("path", "soir")
			evening := c.s.Due()
			c.now = due
			turn := c.send(Input{Kind: InTick})
			if len(turn.Outputs) != 0 || !c.s.Due().Equal(evening) {
				t.Fatalf("stale tick: %+v, due %v, want nothing sent and %v", turn.Outputs, c.s.Due().In(paris), evening.In(paris))
			}
			turn = c.tick()
			if c.s.Path.Check == nil || c.now.In(paris).Hour() != 18 {
				t.Errorf("the lesson comes in the evening: %+v", turn.Outputs)
			}
		}},
		{"lessons removed from the content", func(t *testing.T, c *conv) {
			c.menu("path", "matin")
			c.lesson = func(string, string, string) (LessonView, bool) { return LessonView{}, false }
			for i := 0; i < 5 && c.s.Path.State == PathActive; i++ {
				c.tick()
				if stuck(c.s.Path) {
					t.Fatalf("active with nothing scheduled: %+v", c.s.Path)
				}
			}
			if c.s.Path.State != PathFinished || c.s.State != StateDone {
				t.Errorf("a path with no lesson left ends: %s %+v", c.s.State, c.s.Path)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := toPath(t, 2)
			tc.run(t, c)
		})
	}
}

// lessonChecking gives every skill a lesson whose check is the bank's first
// item of type ty (so a test chooses how the learner answers).
func lessonChecking(ty bank.Type) func(competence, skill, lang string) (LessonView, bool) {
	var id string
	for _, it := range testEngine.Items() {
		if b, ok := testBank.Item(it.ID); ok && b.Type == ty {
			id = it.ID
			break
		}
	}
	return func(competence, skill, lang string) (LessonView, bool) {
		l, ok := testLesson(competence, skill, lang)
		l.Check = id
		return l, ok
	}
}

// TestPathCheckAnswers: the check question answered by typing, by buttons,
// with multiple-choice ticks kept across a reminder, and old buttons stale.
func TestPathCheckAnswers(t *testing.T) {
	cases := []struct {
		name string
		ty   bank.Type
		run  func(t *testing.T, c *conv, it *bank.Item)
	}{
		{"typed number", bank.Single, func(t *testing.T, c *conv, it *bank.Item) {
			// The number shown: the choices are in the learner's order.
			place := slices.Index((&step{s: c.s}).choiceOrder(it), it.CorrectChoices()[0])
			turn := c.text(strconv.Itoa(place + 1))
			if len(turn.Answers) != 1 || !turn.Answers[0].Correct || c.s.Path.Steps[0].Streak != 1 || c.s.Path.Check != nil {
				t.Errorf("typed right answer: %+v %+v", turn.Answers, c.s.Path.Steps[0])
			}
		}},
		{"je ne sais pas", bank.Single, func(t *testing.T, c *conv, it *bank.Item) {
			turn := c.text("Je ne sais pas")
			if len(turn.Answers) != 1 || !turn.Answers[0].Skipped || c.s.Path.Check != nil || c.s.Path.Steps[0].Review.IsZero() {
				t.Errorf("don't know: %+v %+v", turn.Answers, c.s.Path)
			}
		}},
		{"gibberish asks again", bank.Single, func(t *testing.T, c *conv, it *bank.Item) {
			n := c.s.Path.Check.Number
			turn := c.text("bof")
			if len(turn.Answers) != 0 || c.s.Path.Check == nil || len(turn.Outputs) != 1 {
				t.Fatalf("unreadable answer: %+v", turn.Outputs)
			}
			// A short word with the check's buttons, not the question again.
			b, err := ParseButton(turn.Outputs[0].Buttons[0][0].Data)
			if err != nil || b.Question != n {
				t.Errorf("the buttons are not the check's: %+v %v", turn.Outputs, err)
			}
		}},
		{"typed text answer", bank.Text, func(t *testing.T, c *conv, it *bank.Item) {
			turn := c.text(it.Answers[0])
			if len(turn.Answers) != 1 || !turn.Answers[0].Correct {
				t.Errorf("typed text: %+v", turn.Answers)
			}
		}},
		{"multiple ticks across a reminder", bank.Multiple, func(t *testing.T, c *conv, it *bank.Item) {
			q := c.question()
			btn := func(a string) string { return Button{Session: q.Session, Question: q.Number, Action: a}.Encode() }
			right := it.CorrectChoices()
			c.press(btn(ActionToggle(right[0])))
			c.tick() // a reminder: the ticks are still shown
			if got := c.question(); got.Number != q.Number || !slices.Equal(got.Selected, []int{right[0]}) {
				t.Fatalf("reminder lost the ticks: %+v", got)
			}
			for _, r := range right[1:] {
				c.press(btn(ActionToggle(r)))
			}
			turn := c.press(btn(ActionValidate))
			if len(turn.Answers) != 1 || !turn.Answers[0].Correct || c.s.Path.Check != nil || len(c.s.Selected) != 0 {
				t.Fatalf("validate: %+v %+v", turn.Answers, c.s.Selected)
			}
			// The old question's buttons are stale now.
			turn = c.press(btn(ActionValidate))
			if len(turn.Answers) != 0 || !has(turn, T("fr", "stale_plain")) {
				t.Errorf("old check button: %+v", turn)
			}
		}},
		{"tick during the erase question keeps the check", bank.Single, func(t *testing.T, c *conv, it *bank.Item) {
			n := c.s.Path.Check.Number
			c.text("/supprimer")
			turn := c.tick()
			if len(turn.Outputs) != 0 || c.s.Path.Check == nil || c.s.Path.Reminders != 0 || c.s.Due().IsZero() {
				t.Fatalf("tick while asked about erasing: %+v %+v", turn.Outputs, c.s.Path)
			}
			c.menu("erase", "no")
			if c.s.State != StateFollowUp || c.question().Number != n {
				t.Fatalf("back from the erase question: %s", c.s.State)
			}
			c.answer(true)
			if c.s.Path.Steps[0].Streak != 1 {
				t.Errorf("answer after erase cancelled: %+v", c.s.Path.Steps[0])
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := toPath(t, 2)
			c.lesson = lessonChecking(tc.ty)
			c.menu("path", "matin")
			c.tick()
			if c.s.Path.Check == nil {
				t.Fatal("no check question")
			}
			it, _ := testBank.Item(c.s.Path.Check.Item)
			if it.Type != tc.ty {
				t.Fatalf("check of type %s, want %s", it.Type, tc.ty)
			}
			tc.run(t, c, it)
			if stuck(c.s.Path) {
				t.Errorf("active with nothing scheduled: %+v", c.s.Path)
			}
		})
	}
}

// TestSecondHelpRequestIsAnnounced: a claim on a new help request is told to
// the learner even when an earlier request was claimed.
func TestSecondHelpRequestIsAnnounced(t *testing.T) {
	c := newConv(t)
	c.text("bonjour")
	c.menu("consent", "yes")
	for i := 0; i < 2; i++ {
		c.text("/aide")
		turn := c.send(Input{Kind: InAdvisor, What: "claim", Advisor: "U1", Ref: "C1:1." + string(rune('0'+i))})
		if !has(turn, "a vu votre demande") {
			t.Errorf("request %d: claim not announced: %+v", i+1, turn.Outputs)
		}
		c.text("/reprendre")
	}
}
