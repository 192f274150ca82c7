package dialog

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/diagbot/diagbot/engine/bank"
)

// A session in every state of the machine, built once by driving Step as
// the bot does, for the table tests and the fuzzers. "question" is a
// single-choice question; "question_multiple" and "question_text" the other
// kinds of item.

// driver drives Step without a *testing.T (fuzzers build sessions once, for
// every run): a failure panics, which fails whichever test called it.
type driver struct {
	s        Session
	now      time.Time
	campaign *Campaign
	lesson   func(competence, skill, lang string) (LessonView, bool)
	last     Turn
}

func (d *driver) env() Env {
	return Env{Now: d.now, Engine: testEngine, Bank: testBank, Campaign: d.campaign, Random: uint64(d.now.UnixNano()),
		FollowUp: FollowUp{Location: paris}, Lesson: d.lesson}
}

func (d *driver) send(in Input) *driver {
	d.now = d.now.Add(20 * time.Second)
	turn, err := Step(d.s, in, d.env())
	if err != nil {
		panic(fmt.Sprintf("Step(%+v) in %s: %v", in, d.s.State, err))
	}
	d.s, d.last = roundTrip(turn.Session), turn
	return d
}

func (d *driver) text(s string) *driver { return d.send(ParseText(s)) }
func (d *driver) menu(m, v string) *driver {
	return d.send(Input{Kind: InButton, Data: Button{Menu: m, Value: v}.Encode()})
}

// answerAll answers every question wrong (so there is something to review).
func (d *driver) answerAll() *driver {
	for d.s.State == StateQuestion {
		it, _ := testBank.Item(d.s.Engine.Pending)
		if it.Type == bank.Text {
			d.text("zzzz")
		} else {
			d.text("je ne sais pas")
		}
	}
	return d
}

func roundTrip(s Session) Session {
	data, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var back Session
	if err := json.Unmarshal(data, &back); err != nil {
		panic(err)
	}
	return back
}

// firstItem is the first item of the bank of type ty.
func firstItem(ty bank.Type) string {
	for _, it := range testEngine.Items() {
		if bi, _ := testBank.Item(it.ID); bi.Type == ty && len(bi.Choices) >= 3 || bi.Type == ty && ty == bank.Text {
			return it.ID
		}
	}
	panic("no item of type " + string(ty))
}

var testCampaign = &Campaign{Code: "ABCDEF234", Name: "Garantie jeunes", Competences: []string{"4.1"}, MaxQuestions: 3}

var stateSessions = sync.OnceValue(func() map[string]Session {
	out := map[string]Session{"new": {State: StateNew, Lang: "fr"}}
	start := func() *driver { return &driver{now: t0} }
	atQuestion := func(ty bank.Type) Session {
		d := start().text("/start").text("oui")
		s := d.s
		s.Engine.Pending = firstItem(ty)
		return s
	}
	toResults := func(lesson bool) *driver {
		d := start()
		if lesson {
			d.lesson = testLesson
		}
		d.campaign = testCampaign
		d.text("/start " + testCampaign.Code)
		d.campaign = nil
		return d.text("oui").answerAll()
	}
	out["consent"] = start().text("/start").s
	d := start()
	d.campaign = &Campaign{Code: "IDCODE234", Name: "Avec identifiant", AskExternalID: true}
	d.text("/start IDCODE234")
	d.campaign = nil
	out["external_id"] = d.text("oui").s
	out["question"] = atQuestion(bank.Single)
	out["question_multiple"] = atQuestion(bank.Multiple)
	out["question_text"] = atQuestion(bank.Text)
	out["results"] = toResults(false).s
	out["review"] = toResults(false).menu("review", "yes").s
	out["done"] = toResults(false).menu("review", "later").s
	out["followup_offer"] = toResults(true).menu("review", "later").s
	out["followup_active"] = toResults(true).menu("review", "later").menu("path", "matin").s
	d = toResults(true).menu("review", "later").menu("path", "matin")
	d.now = d.s.Due().Add(-20 * time.Second)
	out["followup_check"] = d.send(Input{Kind: InTick}).s
	out["paused"] = start().text("/start").text("oui").text("/pause").s
	out["help"] = start().text("/start").text("oui").text("/aide").s
	out["confirm_erase"] = start().text("/start").text("oui").text("/supprimer").s
	d = start().text("/start").text("oui").text("je ne sais pas")
	d.campaign = testCampaign
	out["confirm_campaign"] = d.text("/start " + testCampaign.Code).s
	out["erased"] = start().text("/start").text("non").s
	for name, s := range out {
		want := name
		if i := len(StateQuestion); len(name) > i && name[:i] == StateQuestion {
			want = StateQuestion
		}
		if i := len(StateFollowUp); len(name) > i && name[:i] == StateFollowUp {
			want = StateFollowUp
		}
		if s.State != want {
			panic(fmt.Sprintf("session %q is in state %q", name, s.State))
		}
	}
	return out
})

// stateNames lists stateSessions' names in a stable order.
func stateNames() []string {
	var names []string
	for n := range stateSessions() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// fuzzQuestion is a session at a single-choice question.
func fuzzQuestion() Session { return stateSessions()["question"] }

// sameSession tells whether b is a up to the traces of any message: its
// UpdatedAt, its count of texts not understood and its next reminder.
func sameSession(a, b Session) bool {
	b.UpdatedAt, b.Misses, b.NudgeAt, b.Nudges = a.UpdatedAt, a.Misses, a.NudgeAt, a.Nudges
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
