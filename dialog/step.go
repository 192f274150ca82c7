package dialog

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/diagbot/diagbot/engine"
)

// MaxInputText is the longest message taken as an answer; longer ones get a
// kind request for something shorter and change nothing.
const MaxInputText = 1000

// step carries one Step's work.
type step struct {
	s   Session
	in  Input
	env Env
	m   *machine
	t   Turn
	err error // an error met where the flow cannot return one
	// misunderstood is set when the learner's text was not understood this step.
	misunderstood bool
}

func (st *step) lang() string { return st.s.Lang }

func (st *step) say(key string, kv ...any) {
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutText, Lang: st.lang(), Text: T(st.lang(), key, kv...)})
}

func (st *step) sayButtons(text string, buttons ...ButtonView) {
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutText, Lang: st.lang(), Text: text, Buttons: rows(buttons)})
}

func (st *step) fire(event string) error { return st.m.fire(event) }

// Step handles one input of one learner. It never performs I/O: the caller
// stores Turn.Session, appends Turn.Answers, sends Turn.Outputs and Turn.Events,
// all in one transaction. Bad input changes nothing and gets a kind answer.
// An error means the stored state cannot be used (for example it names an
// item no longer in the bank); the caller parks the update.
func Step(s Session, in Input, env Env) (Turn, error) {
	// Bytes that are not UTF-8 (a terminal's) become U+FFFD now, as JSON
	// would store them: an answer reads the same before and after storage.
	for _, f := range []*string{&in.Text, &in.Args, &in.FirstName} {
		*f = strings.ToValidUTF8(*f, "\uFFFD")
	}
	st := &step{s: clone(s), in: in, env: env, m: newMachine(s.State)}
	if st.s.Lang == "" {
		st.s.Lang = "fr"
		if in.Lang == "en" || strings.HasPrefix(in.Lang, "en-") {
			st.s.Lang = "en"
		}
	}
	if in.FirstName != "" {
		st.s.FirstName = truncate(in.FirstName, 64)
	}
	learner := in.Kind != InTick && in.Kind != InAdvisor
	st.welcomeBack(learner)
	err := st.handle()
	if err == nil {
		err = st.err
	}
	if learner && !st.misunderstood {
		st.s.Misses = 0
	}
	if learner {
		st.scheduleNudges()
	}
	st.s.State = st.m.current()
	st.s.UpdatedAt = env.Now
	st.t.Session = st.s
	st.t.Transitions = st.m.done
	st.t.Unclear = st.misunderstood
	return st.t, err
}

func clone(s Session) Session {
	c := s
	c.Selected = slices.Clone(s.Selected)
	c.Given = slices.Clone(s.Given)
	if s.Engine != nil {
		e := *s.Engine
		e.Responses = slices.Clone(s.Engine.Responses)
		e.Config.Competences = slices.Clone(s.Engine.Config.Competences)
		c.Engine = &e
	}
	if s.Campaign != nil {
		cp := *s.Campaign
		c.Campaign = &cp
	}
	if s.Offer != nil {
		o := *s.Offer
		c.Offer = &o
	}
	if s.Path != nil {
		p := *s.Path
		p.Steps = slices.Clone(s.Path.Steps)
		p.Responses = slices.Clone(s.Path.Responses)
		if s.Path.Check != nil {
			ck := *s.Path.Check
			p.Check = &ck
		}
		if r := s.Path.Retest; r != nil {
			rc := *r
			rc.Items = slices.Clone(r.Items)
			rc.Before = maps.Clone(r.Before)
			p.Retest = &rc
		}
		p.Baseline = make(map[string]float64, len(s.Path.Baseline))
		for k, v := range s.Path.Baseline {
			p.Baseline[k] = v
		}
		c.Path = &p
	}
	return c
}

// mend makes a stored diagnostic fit the bank of today: the content is
// rewritten and items leave it. Answers to items no longer there are
// dropped (they can no longer be scored); a pending question no longer
// there is replaced by another, under a new number (its old buttons are
// then stale). It reports whether the question asked was replaced.
func (st *step) mend() (replaced bool, err error) {
	es := st.s.Engine
	if es == nil || st.env.Engine == nil {
		return false, nil
	}
	known := func(id string) bool {
		_, inEngine := st.env.Engine.Item(id)
		_, inBank := st.env.Bank.Item(id)
		return inEngine && inBank
	}
	es.Responses = slices.DeleteFunc(es.Responses, func(r engine.Response) bool { return !known(r.Item) })
	if es.Pending == "" || known(es.Pending) {
		return false, nil
	}
	es.Pending, st.s.Selected = "", nil
	if _, _, err := st.env.Engine.Next(es); err != nil {
		return false, err
	}
	if es.Pending != "" {
		st.s.Question++
	}
	return true, nil
}

func (st *step) handle() error {
	in := st.in
	replaced, err := st.mend()
	if err != nil {
		return err
	}
	if replaced && st.m.current() == StateQuestion && in.Kind != InCommand {
		// What the learner sent was about a question that is gone.
		st.say("question_replaced")
		return st.ask(false)
	}
	if in.Kind == InText && utf8.RuneCountInString(in.Text) > MaxInputText {
		st.say("too_long")
		return st.resend()
	}
	state := st.m.current()
	switch in.Kind {
	case InTick:
		return st.tick()
	case InAdvisor:
		return st.advisor()
	}
	if p := st.s.Path; p != nil && p.State == PathPaused && state == StateFollowUp {
		// The learner writes again: the path comes back.
		switch in.Kind {
		case InText, InOther:
			return st.wake()
		case InButton:
			p.State, p.Reminders = PathActive, 0
			p.Due = st.dayAfter(1)
		}
	}
	if st.s.AttestAsk && (in.Kind == InCommand || in.Kind == InButton && !strings.HasPrefix(in.Data, "m:attest:")) {
		st.s.AttestAsk, st.s.AttestName = false, "" // the learner went on to something else
	}
	if st.s.PlacesAsk && (in.Kind == InCommand || in.Kind == InButton && !strings.HasPrefix(in.Data, "m:places:")) {
		st.s.PlacesAsk = false // the learner went on to something else
	}
	if in.Kind == InCommand {
		return st.command()
	}
	if state == StateNew || state == StateErased {
		return st.greet() // any first message starts the conversation
	}
	if in.Kind == InButton {
		return st.button()
	}
	if in.Kind == InOther { // a sticker, a photo, a voice note: what was asked, again
		st.say("not_text")
		return st.resend()
	}
	// Free text.
	if st.s.AttestAsk {
		return st.attestationName(in.Text)
	}
	if st.s.PlacesAsk {
		return st.placesPostcode(in.Text)
	}
	switch state {
	case StateExternalID:
		return st.externalID(in.Text)
	case StateQuestion:
		return st.textAnswer(in.Text)
	case StateHelp:
		st.t.Events = append(st.t.Events, st.event(EvHelpMessage, truncate(in.Text, MaxInputText)))
		st.say("help_sent")
		return nil
	case StatePaused:
		st.say("still_paused")
		return nil
	case StateFollowUp:
		if p := st.s.Path; p.Check != nil {
			return st.textAnswer(in.Text)
		}
	case StateDone:
		if _, ok := st.retestPending(); ok {
			return st.textAnswer(in.Text)
		}
	}
	return st.typedButton(in.Text)
}

// notUnderstood answers text that could not be read: the short reminder of
// key with the buttons, not the whole question or notice again; the second
// time in a row it offers /aide too, once.
func (st *step) notUnderstood(key string, buttons [][]ButtonView) {
	st.misunderstood = true
	st.s.Misses++
	text := T(st.lang(), key)
	if st.s.Misses == 2 {
		text += "\n" + T(st.lang(), "offer_help")
	}
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutText, Lang: st.lang(), Text: text, Buttons: buttons})
}

// rows puts each button on its own row.
func rows(buttons []ButtonView) [][]ButtonView {
	r := make([][]ButtonView, len(buttons))
	for i, b := range buttons {
		r[i] = []ButtonView{b}
	}
	return r
}

// menuOf returns the buttons the current state shows, in lang, and whether
// they answer a yes-or-no question (yes first, no last).
func (st *step) menuOf(lang string) (buttons []ButtonView, yesNo bool) {
	return st.menuIn(st.m.current(), lang)
}

// menuIn returns the buttons state shows, in lang, and whether they answer
// a yes-or-no question.
func (st *step) menuIn(state, lang string) (buttons []ButtonView, yesNo bool) {
	b := func(menu, value, labelKey string) ButtonView {
		return ButtonView{Label: T(lang, labelKey), Data: Button{Menu: menu, Value: value}.Encode()}
	}
	switch state {
	case StateConsent:
		return []ButtonView{b("consent", "yes", "btn_accept"), b("consent", "no", "btn_refuse")}, true
	case StateExternalID:
		return []ButtonView{b("id", "skip", "btn_skip_id")}, false
	case StateResults:
		return []ButtonView{b("review", "yes", "btn_review"), b("review", "later", "btn_later")}, true
	case StateReview:
		if st.reviewMore() {
			return []ButtonView{{Label: T(lang, "btn_review_all", "n", len(st.missed())-MaxReviewScreens), Data: Button{Menu: "review", Value: "all"}.Encode()},
				b("review", "end", "btn_review_end")}, false
		}
		return []ButtonView{b("review", "next", "btn_next")}, true
	case StateFollowUp:
		if p := st.s.Path; p != nil && p.State == PathOffered {
			return slotButtons(lang), false
		}
	case StateDone:
		if p := st.s.Path; p != nil && p.Retest != nil && p.Retest.Number == 0 {
			return []ButtonView{b("retest", "yes", "btn_retest_yes"), b("retest", "no", "btn_retest_no")}, true
		}
	case StateConfirmErase:
		return []ButtonView{b("erase", "yes", "btn_erase_yes"), b("erase", "no", "btn_erase_no")}, true
	case StateConfirmCampaign:
		return []ButtonView{b("campaign", "yes", "btn_campaign_yes"), b("campaign", "no", "btn_campaign_no")}, true
	}
	return nil, false
}

// sayMenu says text with the buttons of the current state.
func (st *step) sayMenu(text string) {
	buttons, _ := st.menuOf(st.lang())
	st.sayButtons(text, buttons...)
}

// ---- menu buttons

func (st *step) menuButton(b Button) error {
	state := st.m.current()
	if (state == StatePaused || state == StateHelp) && st.inMenuOf(st.s.Return, b) {
		// A button of what was asked before the pause or help request
		// (results, review, the campaign's question, the path's moments):
		// pressing it ends the pause or help, as a question's button does.
		if err := st.leave(); err != nil {
			return err
		}
		state = st.m.current()
	}
	switch {
	case b.Menu == "lang":
		return st.setLang(b.Value)
	case b.Menu == "consent" && state == StateConsent:
		if b.Value == "yes" {
			return st.accept()
		}
		return st.refuse()
	case b.Menu == "id" && b.Value == "skip" && state == StateExternalID:
		return st.begin()
	case b.Menu == "review" && state == StateResults && b.Value == "yes":
		if err := st.fire("review"); err != nil {
			return err
		}
		st.s.Review = 0
		return st.reviewItem()
	case b.Menu == "review" && state == StateResults && b.Value == "later":
		return st.closeDiagnostic()
	case b.Menu == "path" && (state == StateFollowUp || state == StateDone):
		return st.pathMenu(b.Value)
	case b.Menu == "review" && state == StateReview && b.Value == "all":
		return st.reviewAll()
	case b.Menu == "review" && state == StateReview && b.Value == "end":
		st.say("review_done")
		return st.closeDiagnostic()
	case b.Menu == "review" && state == StateReview && b.Value == "next":
		st.s.Review++
		return st.reviewItem()
	case b.Menu == "retest" && state == StateDone && st.s.Path != nil && st.s.Path.Retest != nil && st.s.Path.Retest.Number == 0:
		return st.retestMenu(b.Value)
	case b.Menu == "attest":
		return st.attestationButton(b.Value)
	case b.Menu == "places":
		return st.placesButtonPressed(b.Value)
	case b.Menu == "area":
		return st.areaDetail(b.Value)
	case b.Menu == "results" && b.Value == "train":
		return st.trainDetail()
	case b.Menu == "erase" && state == StateConfirmErase:
		if b.Value == "yes" {
			return st.erase()
		}
		return st.keep()
	case b.Menu == "campaign" && state == StateConfirmCampaign && st.s.Offer != nil:
		if b.Value == "yes" {
			return st.startCampaign(st.s.Offer)
		}
		return st.declineCampaign()
	}
	st.say("stale_plain")
	return nil
}

// inMenuOf tells whether b is one of the buttons state shows.
func (st *step) inMenuOf(state string, b Button) bool {
	buttons, _ := st.menuIn(state, st.lang())
	return slices.ContainsFunc(buttons, func(v ButtonView) bool { return v.Data == b.Encode() })
}

// ---- helpers

func (st *step) campaignCode() string {
	if st.s.Campaign == nil {
		return ""
	}
	return st.s.Campaign.Code
}

func (st *step) answered() int {
	if st.s.Engine == nil {
		return 0
	}
	return len(st.s.Engine.Responses)
}

func (st *step) event(kind EventKind, text string) Event {
	ev := Event{Kind: kind, Campaign: st.campaignCode(), ExternalID: st.s.ExternalID, FirstName: st.s.FirstName, Text: text}
	if st.s.Engine != nil {
		ev.Question = st.s.Question
		ev.Item = st.s.Engine.Pending
		ev.Progress = fmt.Sprintf("%d/%d", st.answered(), st.s.Engine.Config.MaxQuestions)
	}
	return ev
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
