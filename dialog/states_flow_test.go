package dialog

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stepIn runs one Step on the named state's session.
func stepIn(t *testing.T, name string, in Input, campaign *Campaign) (before Session, turn Turn) {
	t.Helper()
	before = stateSessions()[name]
	now := before.UpdatedAt.Add(20 * time.Second)
	turn, err := Step(before, in, Env{Now: now, Engine: testEngine, Bank: testBank, Campaign: campaign, Random: 77,
		FollowUp: FollowUp{Location: paris}, Lesson: testLesson})
	if err != nil {
		t.Fatalf("%s: Step(%+v): %v", name, in, err)
	}
	return before, turn
}

// prefix is a text up to its first placeholder, to find it in an output.
func prefix(lang, key string) string {
	s := T(lang, key)
	if i := strings.Index(s, "{"); i >= 0 {
		s = s[:i]
	}
	return s
}

func says(turn Turn, lang, key string) bool {
	p := prefix(lang, key)
	for _, o := range turn.Outputs {
		if o.Text != "" && strings.HasPrefix(o.Text, p) {
			return true
		}
	}
	return false
}

func last(turn Turn) Output {
	if len(turn.Outputs) == 0 {
		return Output{}
	}
	return turn.Outputs[len(turn.Outputs)-1]
}

// TestStateSessionsCoverEveryState: the table tests below run in every state
// of the machine.
func TestStateSessionsCoverEveryState(t *testing.T) {
	have := map[string]bool{StateNew: true}
	for _, s := range stateSessions() {
		have[s.State] = true
	}
	for _, tr := range Transitions() {
		parts := strings.Split(tr, ">")
		for _, st := range []string{parts[0], parts[2]} {
			if !have[st] {
				t.Errorf("no test session in state %q", st)
			}
		}
	}
}

// shown is what a learner must see last: a text with or without buttons,
// or a question.
type shown struct {
	key      string // the last message starts with this text ("" = any)
	buttons  bool
	question bool
}

func (w shown) check(t *testing.T, name string, turn Turn, lang string) {
	t.Helper()
	l := last(turn)
	switch {
	case len(turn.Outputs) == 0:
		t.Errorf("%s: nothing shown", name)
	case w.question && (l.Kind != OutQuestion || len(l.Question.Buttons) == 0):
		t.Errorf("%s: want the question again, got %+v", name, turn.Outputs)
	case w.key != "" && !strings.HasPrefix(l.Text, prefix(lang, w.key)):
		t.Errorf("%s: want %q last, got %+v", name, T(lang, w.key), turn.Outputs)
	case w.buttons && len(l.Buttons) == 0:
		t.Errorf("%s: want buttons with %q, got %+v", name, l.Text, turn.Outputs)
	}
}

// asked is what each state shows again when asked to (/reprendre).
var asked = map[string]shown{
	"new":               {key: "nothing_to_resume"},
	"erased":            {key: "nothing_to_resume"},
	"consent":           {key: "privacy", buttons: true},
	"external_id":       {key: "ask_external_id", buttons: true},
	"question":          {question: true},
	"question_multiple": {question: true},
	"question_text":     {question: true},
	"confirm_campaign":  {key: "campaign_confirm", buttons: true},
	"results":           {key: "offer_review", buttons: true},
	"review":            {key: "review_item", buttons: true},
	"done":              {key: "done"},
	"followup_offer":    {key: "path_when", buttons: true},
	"followup_active":   {key: "next_lesson"},
	"followup_check":    {question: true},
	"paused":            {question: true}, // resumed
	"help":              {question: true}, // resumed
	"confirm_erase":     {key: "erase_confirm", buttons: true},
}

// TestResumeInEveryState: /reprendre always shows what the learner is being
// asked; only a pause or a help request moves.
func TestResumeInEveryState(t *testing.T) {
	for _, name := range stateNames() {
		want, ok := asked[name]
		if !ok {
			t.Errorf("%s: no expectation", name)
			continue
		}
		before, turn := stepIn(t, name, ParseText("/reprendre"), nil)
		want.check(t, name, turn, "fr")
		moved := name == "paused" || name == "help"
		if !moved && !sameSession(before, turn.Session) {
			t.Errorf("%s: /reprendre changed the session", name)
		}
		if moved && turn.Session.State != StateQuestion {
			t.Errorf("%s: /reprendre went to %s", name, turn.Session.State)
		}
	}
}

// TestStartInEveryState: /start without a code says something true in every
// state, and starts a new diagnostic only from done (or resumes a pause).
func TestStartInEveryState(t *testing.T) {
	want := map[string]struct {
		first string // key of the first message ("" = not checked)
		then  shown
		state string // state after, "" = unchanged
	}{
		"new":               {first: "welcome", then: shown{key: "privacy", buttons: true}, state: StateConsent},
		"erased":            {first: "welcome", then: shown{key: "privacy", buttons: true}, state: StateConsent},
		"consent":           {then: asked["consent"]},
		"external_id":       {then: asked["external_id"]},
		"question":          {first: "in_progress", then: asked["question"]},
		"question_multiple": {first: "in_progress", then: asked["question"]},
		"question_text":     {first: "in_progress", then: asked["question"]},
		"confirm_campaign":  {then: asked["confirm_campaign"]},
		"results":           {first: "already_finished", then: asked["results"]},
		"review":            {first: "already_finished", then: asked["review"]},
		"followup_offer":    {first: "already_finished", then: asked["followup_offer"]},
		"followup_active":   {first: "already_finished", then: asked["followup_active"]},
		"followup_check":    {first: "already_finished", then: asked["followup_check"]},
		"done":              {first: "intro", then: shown{question: true}, state: StateQuestion},
		"paused":            {first: "resume", then: shown{question: true}, state: StateQuestion},
		"help":              {first: "help_open"},
		"confirm_erase":     {then: asked["confirm_erase"]},
	}
	for _, name := range stateNames() {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no expectation", name)
			continue
		}
		before, turn := stepIn(t, name, ParseText("/start"), nil)
		if w.first != "" && (len(turn.Outputs) == 0 || !strings.HasPrefix(turn.Outputs[0].Text, prefix("fr", w.first))) {
			t.Errorf("%s: want %q first, got %+v", name, T("fr", w.first), turn.Outputs)
		}
		w.then.check(t, name, turn, "fr")
		if says(turn, "fr", "in_progress") && !strings.HasPrefix(name, StateQuestion) {
			t.Errorf("%s: says a diagnostic is in progress", name)
		}
		if w.state == "" && !sameSession(before, turn.Session) {
			t.Errorf("%s: /start changed the session", name)
		}
		if w.state != "" && turn.Session.State != w.state {
			t.Errorf("%s: /start went to %s, want %s", name, turn.Session.State, w.state)
		}
	}
}

var otherCampaign = &Campaign{Code: "NEWCODE23", Name: "Atelier CV", Competences: []string{"1.1"}, MaxQuestions: 3}

// TestStartCampaignInEveryState: the advisor's link (/start CODE) opened in
// any state is never lost: the learner is in the campaign, its diagnostic
// has started, or they are asked whether to start it.
func TestStartCampaignInEveryState(t *testing.T) {
	for _, name := range stateNames() {
		before, turn := stepIn(t, name, ParseText("/start "+otherCampaign.Code), otherCampaign)
		s := turn.Session
		switch name {
		case "new", "erased":
			if s.State != StateConsent || s.Campaign == nil || s.Campaign.Code != otherCampaign.Code || !says(turn, "fr", "welcome_campaign") {
				t.Errorf("%s: %s %+v", name, s.State, turn.Outputs)
			}
		case "consent":
			if s.State != StateConsent || s.Campaign == nil || s.Campaign.Code != otherCampaign.Code ||
				!says(turn, "fr", "welcome_campaign") || !strings.Contains(turn.Outputs[0].Text, otherCampaign.Name) {
				t.Errorf("%s: campaign not taken: %+v %+v", name, s.Campaign, turn.Outputs)
			}
			asked["consent"].check(t, name, turn, "fr")
		case "confirm_campaign":
			if s.State != StateConfirmCampaign || s.Offer == nil || s.Offer.Code != otherCampaign.Code || s.Engine == nil || len(s.Engine.Responses) != 1 {
				t.Errorf("%s: the new offer should replace the old one: %s %+v", name, s.State, s.Offer)
			}
			asked["confirm_campaign"].check(t, name, turn, "fr")
		default:
			// The campaign's own diagnostic has started.
			if s.State != StateQuestion || s.Campaign == nil || s.Campaign.Code != otherCampaign.Code ||
				!slices.Equal(s.Engine.Config.Competences, []string{"1.1"}) || len(s.Engine.Responses) != 0 || s.Path != nil {
				t.Errorf("%s: want the campaign's diagnostic, got %s %+v %+v", name, s.State, s.Campaign, s.Engine)
			}
			if !says(turn, "fr", "campaign_joined") || last(turn).Kind != OutQuestion {
				t.Errorf("%s: outputs %+v", name, turn.Outputs)
			}
			if name == "confirm_erase" && (turn.Erase || !says(turn, "fr", "erase_cancel")) {
				t.Errorf("%s: the erase question must be answered no, and said so", name)
			}
			if name == "help" && s.HelpPending {
				t.Errorf("%s: the help request should end", name)
			}
			if s.Nonce == before.Nonce {
				t.Errorf("%s: a new diagnostic needs a new nonce", name)
			}
		}
	}
}

// TestStartCampaignDuringDiagnostic: answers are replaced only when the
// learner says yes; a campaign that measures the same thing keeps them; the
// same campaign again changes nothing.
func TestStartCampaignDuringDiagnostic(t *testing.T) {
	withAnswers := func(t *testing.T) *conv {
		c := newConv(t)
		c.text("/start")
		c.text("oui")
		c.text("je ne sais pas")
		c.text("je ne sais pas")
		return c
	}
	t.Run("yes", func(t *testing.T) {
		c := withAnswers(t)
		c.campaign = otherCampaign
		c.text("/start " + otherCampaign.Code)
		c.campaign = nil
		if c.s.State != StateConfirmCampaign || len(c.s.Engine.Responses) != 2 || c.s.Campaign != nil || c.s.Offer == nil {
			t.Fatalf("want a question first, got %s %+v", c.s.State, c.s.Offer)
		}
		if !strings.Contains(last(c.last).Text, "Atelier CV") || !strings.Contains(last(c.last).Text, "(2)") || len(last(c.last).Buttons) != 2 {
			t.Errorf("confirmation: %+v", c.last.Outputs)
		}
		c.text("oui")
		if c.s.State != StateQuestion || c.s.Campaign == nil || c.s.Campaign.Code != otherCampaign.Code || c.s.Offer != nil || len(c.s.Engine.Responses) != 0 {
			t.Fatalf("after yes: %s %+v", c.s.State, c.s.Campaign)
		}
		if ev := c.last.Events; len(ev) != 1 || ev[0].Kind != EvStarted || ev[0].Campaign != otherCampaign.Code {
			t.Errorf("the advisor must hear of it: %+v", ev)
		}
	})
	t.Run("no", func(t *testing.T) {
		c := withAnswers(t)
		q := c.s.Question
		c.campaign = otherCampaign
		c.text("/start " + otherCampaign.Code)
		c.campaign = nil
		c.menu("campaign", "no")
		if c.s.State != StateQuestion || c.s.Campaign != nil || c.s.Offer != nil || len(c.s.Engine.Responses) != 2 || c.s.Question != q {
			t.Fatalf("after no: %s %+v", c.s.State, c.s)
		}
		if !says(c.last, "fr", "campaign_declined") || !strings.Contains(c.last.Outputs[0].Text, "Atelier CV") || last(c.last).Kind != OutQuestion {
			t.Errorf("the learner must read how to join later, then the question: %+v", c.last.Outputs)
		}
	})
	t.Run("the question's button is not an answer to the campaign's", func(t *testing.T) {
		c := withAnswers(t)
		q := c.question()
		c.campaign = otherCampaign
		c.text("/start " + otherCampaign.Code)
		c.campaign = nil
		before := c.s
		c.press(Button{Session: q.Session, Question: q.Number, Action: ActionSkip}.Encode())
		if !sameSession(before, c.s) || len(c.last.Answers) != 0 {
			t.Fatalf("a question's button during the campaign's question changed something")
		}
		asked["confirm_campaign"].check(t, "confirm_campaign", c.last, "fr")
	})
	t.Run("compatible", func(t *testing.T) {
		c := withAnswers(t)
		q := c.s.Question
		open := &Campaign{Code: "OPEN23456", Name: "Tout le référentiel"}
		c.campaign = open
		c.text("/start " + open.Code)
		c.campaign = nil
		if c.s.State != StateQuestion || c.s.Campaign == nil || c.s.Campaign.Code != open.Code || len(c.s.Engine.Responses) != 2 || c.s.Question != q {
			t.Fatalf("the same diagnostic should join the campaign and keep its answers: %s %+v", c.s.State, c.s.Campaign)
		}
		if !says(c.last, "fr", "campaign_attached") || last(c.last).Kind != OutQuestion {
			t.Errorf("outputs %+v", c.last.Outputs)
		}
		if ev := c.last.Events; len(ev) != 1 || ev[0].Kind != EvStarted || ev[0].Campaign != open.Code || ev[0].Progress != "2/32" {
			t.Errorf("the advisor must see the learner: %+v", ev)
		}
	})
	t.Run("same campaign", func(t *testing.T) {
		c := newConv(t)
		c.campaign = otherCampaign
		c.text("/start " + otherCampaign.Code)
		c.text("oui")
		c.text("je ne sais pas")
		before := c.s
		c.text("/start " + otherCampaign.Code)
		if !sameSession(before, c.s) || !says(c.last, "fr", "in_progress") {
			t.Errorf("the link opened twice: %+v", c.last.Outputs)
		}
	})
	t.Run("asks the identifier", func(t *testing.T) {
		c := newConv(t)
		c.text("/start")
		c.text("oui")
		id := &Campaign{Code: "IDCODE234", Name: "Avec identifiant", Competences: []string{"1.1"}, MaxQuestions: 3, AskExternalID: true}
		c.campaign = id
		c.text("/start " + id.Code) // no answer yet: straight to the identifier
		c.campaign = nil
		if c.s.State != StateExternalID || c.s.Campaign.Code != id.Code || c.s.Engine != nil {
			t.Fatalf("want the identifier: %s", c.s.State)
		}
		c.text("1234567A")
		if c.s.State != StateQuestion || c.s.ExternalID != "1234567A" || !slices.Equal(c.s.Engine.Config.Competences, []string{"1.1"}) {
			t.Fatalf("after the identifier: %s %+v", c.s.State, c.s.Engine)
		}
	})
}

// TestStartUnknownCodeInEveryState: a code that names no campaign (or an
// archived one) is said so, and nothing else changes.
func TestStartUnknownCodeInEveryState(t *testing.T) {
	for _, name := range stateNames() {
		before, turn := stepIn(t, name, ParseText("/start zzz999"), nil)
		if !slices.ContainsFunc(turn.Outputs, func(o Output) bool { return strings.HasPrefix(o.Text, T("fr", "unknown_code_here", "code", "ZZZ999")) }) {
			t.Errorf("%s: unknown code not said: %+v", name, turn.Outputs)
		}
		if name == "new" || name == "erased" {
			continue // the conversation starts
		}
		if !sameSession(before, turn.Session) {
			t.Errorf("%s: an unknown code changed the session", name)
		}
	}
}

// TestLanguageShowsAgain: after the language is chosen, what was asked is
// shown again in it, so its buttons are the last ones shown.
func TestLanguageShowsAgain(t *testing.T) {
	for _, name := range []string{"consent", "question", "question_multiple", "results", "review", "confirm_erase", "confirm_campaign", "followup_offer"} {
		for _, in := range []Input{ParseText("/langue en"), {Kind: InButton, Data: Button{Menu: "lang", Value: "en"}.Encode()}} {
			_, turn := stepIn(t, name, in, nil)
			if turn.Session.Lang != "en" || turn.Outputs[0].Text != T("en", "lang_set") {
				t.Errorf("%s %+v: %+v", name, in, turn.Outputs)
			}
			w := asked[name]
			w.check(t, name, turn, "en")
			if l := last(turn); l.Lang != "en" {
				t.Errorf("%s: shown again in %s", name, l.Lang)
			}
		}
	}
	// Without an argument: the language buttons, then the question again.
	c := newConv(t)
	c.text("/start")
	c.text("oui")
	c.text("/langue")
	if len(last(c.last).Buttons) != 2 {
		t.Fatalf("/langue: %+v", c.last.Outputs)
	}
	c.menu("lang", "en")
	if q := c.question(); c.s.Lang != "en" || q.Header == "" || last(c.last).Lang != "en" {
		t.Errorf("the question again in English: %+v", c.last.Outputs)
	}
}

// TestTypedButtons: wherever buttons were shown, their number, their words
// or yes and no act as pressing them; anything else shows them again.
func TestTypedButtons(t *testing.T) {
	tests := []struct {
		state, text string
		check       func(s Session) bool
	}{
		{"results", "1", func(s Session) bool { return s.State == StateReview }},
		{"results", "oui", func(s Session) bool { return s.State == StateReview }},
		{"results", "revoir", func(s Session) bool { return s.State == StateReview }},
		{"results", "📖 Oui, revoir", func(s Session) bool { return s.State == StateReview }},
		{"results", "yes, review", func(s Session) bool { return s.State == StateReview }},
		{"results", "2", func(s Session) bool { return s.State == StateFollowUp }}, // the path is offered
		{"results", "Plus tard", func(s Session) bool { return s.State == StateFollowUp }},
		{"results", "later", func(s Session) bool { return s.State == StateFollowUp }},
		{"results", "non", func(s Session) bool { return s.State == StateFollowUp }},
		{"review", "1", func(s Session) bool { return s.Review == 1 || s.State == StateDone }},
		{"review", "suivant", func(s Session) bool { return s.Review == 1 || s.State == StateDone }},
		{"review", "ok", func(s Session) bool { return s.Review == 1 || s.State == StateDone }},
		{"followup_offer", "3", func(s Session) bool { return s.Path.Slot == "soir" && s.Path.State == PathActive }},
		{"followup_offer", "le soir", func(s Session) bool { return s.Path.Slot == "soir" }},
		{"followup_offer", "après-midi", func(s Session) bool { return s.Path.Slot == "apresmidi" }},
		{"followup_offer", "matin", func(s Session) bool { return s.Path.Slot == "matin" }},
		{"followup_offer", "non merci", func(s Session) bool { return s.Path.State == PathDeclined && s.State == StateDone }},
		{"followup_offer", "No thanks", func(s Session) bool { return s.Path.State == PathDeclined && s.State == StateDone }},
		{"followup_offer", "non", func(s Session) bool { return s.Path.State == PathDeclined && s.State == StateDone }},
		{"confirm_erase", "tout effacer", func(s Session) bool { return s.State == StateErased }},
		{"followup_offer", "4", func(s Session) bool { return s.Path.State == PathDeclined }},
		{"consent", "j'accepte", func(s Session) bool { return s.State == StateQuestion }},
		{"consent", "2", func(s Session) bool { return s.State == StateErased }},
		{"confirm_erase", "2", func(s Session) bool { return s.State == StateQuestion }},
		{"confirm_erase", "non", func(s Session) bool { return s.State == StateQuestion }},
		{"confirm_erase", "garder", func(s Session) bool { return s.State == StateQuestion }},
		{"confirm_erase", "oui", func(s Session) bool { return s.State == StateErased }},
		{"confirm_campaign", "oui", func(s Session) bool {
			return s.State == StateQuestion && s.Campaign != nil && s.Engine.Responses == nil
		}},
		{"confirm_campaign", "commencer", func(s Session) bool { return s.State == StateQuestion && s.Campaign != nil }},
		{"confirm_campaign", "non", func(s Session) bool {
			return s.State == StateQuestion && s.Campaign == nil && len(s.Engine.Responses) == 1
		}},
		{"external_id", "passer", func(s Session) bool { return s.State == StateQuestion }},
	}
	for _, tt := range tests {
		_, turn := stepIn(t, tt.state, ParseText(tt.text), nil)
		if !tt.check(turn.Session) {
			t.Errorf("%s: %q did not act as its button: %s %+v", tt.state, tt.text, turn.Session.State, turn.Outputs)
		}
	}
	// Not a button: a short word, the buttons again, nothing changed.
	for _, tt := range []struct{ state, text, key string }{
		{"results", "5", "use_menu"}, {"results", "bof", "use_menu"}, {"review", "2", "use_menu"},
		{"followup_offer", "le", "use_menu"}, {"followup_offer", "oui", "use_menu"},
		{"confirm_erase", "peut-être", "use_menu"}, {"consent", "hein", "consent_first"},
		// Words of a label that alone name no choice: a thank-you is not
		// "Non merci", "tout ?" is not "Oui, tout effacer".
		{"followup_offer", "Merci !", "use_menu"}, {"followup_offer", "thanks", "use_menu"},
		{"followup_offer", "merci beaucoup", "use_menu"}, {"followup_offer", "thank you", "use_menu"},
		{"confirm_erase", "tout ?", "use_menu"}, {"confirm_erase", "everything", "use_menu"},
		{"confirm_campaign", "ici", "use_menu"},
		{"done", "2", "not_understood"}, {"done", "oui", "not_understood"},
		// At the campaign's question, a number is not a button: it was most
		// likely meant for the diagnostic's question shown above.
		{"confirm_campaign", "1", "use_menu"}, {"confirm_campaign", "2", "use_menu"},
	} {
		before, turn := stepIn(t, tt.state, ParseText(tt.text), nil)
		if !sameSession(before, turn.Session) || turn.Outputs[0].Text != T("fr", tt.key) {
			t.Errorf("%s: %q: %+v", tt.state, tt.text, turn.Outputs)
		}
		// The short word carries the buttons: the whole message is not
		// shown again.
		if asked[tt.state].buttons && (len(turn.Outputs) != 1 || len(turn.Outputs[0].Buttons) == 0) {
			t.Errorf("%s: %q: want the short word with the buttons only, got %+v", tt.state, tt.text, turn.Outputs)
		}
	}
}

// TestNotUnderstoodTwice: the second text in a row not understood offers
// /aide, once; the buttons come with the short word, never the whole
// question or notice again; an understood input starts the count again.
func TestNotUnderstoodTwice(t *testing.T) {
	for _, name := range []string{"question", "question_multiple", "consent", "results", "followup_check"} {
		s := stateSessions()[name]
		env := Env{Now: s.UpdatedAt.Add(time.Minute), Engine: testEngine, Bank: testBank, Random: 9,
			FollowUp: FollowUp{Location: paris}, Lesson: testLesson}
		var offers []int
		for i := 1; i <= 4; i++ {
			turn, err := Step(s, ParseText("bof bof"), env)
			if err != nil {
				t.Fatal(err)
			}
			if len(turn.Outputs) != 1 || len(turn.Outputs[0].Buttons) == 0 || turn.Outputs[0].Kind != OutText {
				t.Fatalf("%s: try %d: want one short text with buttons, got %+v", name, i, turn.Outputs)
			}
			if strings.Contains(turn.Outputs[0].Text, "/aide") {
				offers = append(offers, i)
			}
			s = roundTrip(turn.Session)
		}
		if !slices.Equal(offers, []int{2}) {
			t.Errorf("%s: /aide offered at tries %v, want [2]", name, offers)
		}
		if name == "question" { // understood: the count starts again
			turn, _ := Step(s, Input{Kind: InCommand, Command: "reprendre"}, env)
			if turn.Session.Misses != 0 {
				t.Errorf("%s: an understood input keeps the count at %d", name, turn.Session.Misses)
			}
		}
	}
}

// TestTypedAnswerKinds: typed answers reach every kind of question. A typed
// number is a place in the order shown; the log records the item's own
// indexes (want gives places, mapped through the order logged).
func TestTypedAnswerKinds(t *testing.T) {
	for _, tt := range []struct{ state, text, want string }{
		{"question", "2", "1"},
		{"question", "B", "1"},
		{"question_multiple", "1, 3", "0,2"},
		{"question_multiple", "1 3", "0,2"},
		{"question_multiple", "3 et 1", "0,2"},
		{"question_text", "zzzz", "zzzz"},
	} {
		before, turn := stepIn(t, tt.state, ParseText(tt.text), nil)
		if len(turn.Answers) != 1 {
			t.Fatalf("%s: %q recorded %+v", tt.state, tt.text, turn.Answers)
		}
		a, want := turn.Answers[0], tt.want
		if a.Order != "" {
			order := strings.Split(a.Order, ",")
			var items []int
			for _, p := range strings.Split(tt.want, ",") {
				k, _ := strconv.Atoi(p)
				i, _ := strconv.Atoi(order[k])
				items = append(items, i)
			}
			slices.Sort(items)
			want = orderText(items)
		}
		if a.Response != want || a.Item != before.Engine.Pending {
			t.Errorf("%s: %q recorded %+v, want %q", tt.state, tt.text, turn.Answers, want)
		}
	}
}

// TestBadInputInEveryState: in every state, input that means nothing there
// changes nothing (but the session's UpdatedAt) and gets a kind reply.
func TestBadInputInEveryState(t *testing.T) {
	inputs := map[string]Input{
		"free text":       ParseText("je ne comprends pas !"),
		"2":               ParseText("2"),
		"B":               ParseText("B"),
		"sticker":         {Kind: InOther, What: "sticker"},
		"10,000 chars":    {Kind: InText, Text: strings.Repeat("é", 10000)},
		"unknown command": ParseText("/hack"),
		"forged button":   {Kind: InButton, Data: "a:zz:zz:zz"},
		"forged menu":     {Kind: InButton, Data: "m:nope:x"},
		"oversized data":  {Kind: InButton, Data: strings.Repeat("x", 200)},
	}
	// Where an input means something, it is no bad input.
	meaningful := map[string][]string{
		"new":               {"free text", "2", "B", "sticker", "forged button", "forged menu", "oversized data"}, // any first message starts
		"erased":            {"free text", "2", "B", "sticker", "forged button", "forged menu", "oversized data"},
		"consent":           {"2"}, // refuses
		"question":          {"2", "B"},
		"question_multiple": {"2", "B"},
		"question_text":     {"free text", "2", "B"},
		"results":           {"2"}, // later
		"followup_offer":    {"2"}, // the afternoon
		"followup_check":    {"free text", "2", "B"},
		"confirm_erase":     {"2"}, // keep
	}
	for _, name := range stateNames() {
		s := stateSessions()[name]
		stale := Button{Session: s.Nonce, Question: s.Question + 5, Action: "0"}.Encode()
		old := Button{Session: s.Nonce + 1, Question: s.Question, Action: "0"}.Encode()
		all := map[string]Input{"stale button": {Kind: InButton, Data: stale}, "old session's button": {Kind: InButton, Data: old}}
		for k, v := range inputs {
			all[k] = v
		}
		for what, in := range all {
			if slices.Contains(meaningful[name], what) || (name == "new" || name == "erased") && in.Kind == InButton {
				continue
			}
			before, turn := stepIn(t, name, in, nil)
			if !sameSession(before, turn.Session) || len(turn.Answers) > 0 || turn.Erase {
				t.Errorf("%s: %s changed the session or recorded something: %s %+v", name, what, turn.Session.State, turn.Outputs)
			}
			if len(turn.Outputs) == 0 || turn.Outputs[0].Text == "" {
				t.Errorf("%s: %s got no kind reply: %+v", name, what, turn.Outputs)
			}
			if buttons, _ := (&step{s: before, m: newMachine(before.State)}).menuOf("fr"); len(buttons) > 0 && in.Kind == InText && len(in.Text) < MaxInputText {
				if len(last(turn).Buttons) == 0 {
					t.Errorf("%s: %s: the buttons should be shown again: %+v", name, what, turn.Outputs)
				}
			}
			// A sticker or a message too long to read: a short word, then
			// what is asked, as for any other bad input.
			if what == "sticker" || what == "10,000 chars" {
				if w, ok := shownAgain(name); ok {
					w.check(t, name+" "+what, turn, "fr")
				}
			}
		}
	}
}

// shownAgain is what bad input in the named state shows again: what
// /reprendre shows, except that bad input does not end a pause or a help
// request. Before the conversation there is nothing to show again.
func shownAgain(name string) (shown, bool) {
	switch name {
	case "new", "erased":
		return shown{}, false
	case "paused":
		return shown{key: "still_paused"}, true
	case "help":
		return shown{key: "help_open"}, true
	}
	w, ok := asked[name]
	return w, ok
}

// TestValidateWithNothingTicked: "Valider" with no box ticked says so and
// asks the question again, its boxes under the word; nothing is recorded.
func TestValidateWithNothingTicked(t *testing.T) {
	s := stateSessions()["question_multiple"]
	validate := Input{Kind: InButton, Data: Button{Session: s.Nonce, Question: s.Question, Action: ActionValidate}.Encode()}
	before, turn := stepIn(t, "question_multiple", validate, nil)
	if !sameSession(before, turn.Session) || len(turn.Answers) > 0 {
		t.Fatalf("Valider with nothing ticked changed the session or recorded %+v", turn.Answers)
	}
	if len(turn.Outputs) == 0 || turn.Outputs[0].Text != T("fr", "choose_first") {
		t.Errorf("want %q first, got %+v", T("fr", "choose_first"), turn.Outputs)
	}
	asked["question_multiple"].check(t, "question_multiple", turn, "fr")
}

// TestCampaignFeedback: a campaign with Feedback says right or wrong at once,
// with the tip; by default nothing is said during the test, and the tips come
// in the review.
func TestCampaignFeedback(t *testing.T) {
	run := func(feedback bool) (*conv, []Turn) {
		c := newConv(t)
		c.campaign = &Campaign{Code: "FEEDBK234", Name: "x", Competences: []string{"2.1"}, MaxQuestions: 4, Feedback: feedback}
		c.text("/start FEEDBK234")
		c.campaign = nil
		c.text("oui")
		var turns []Turn
		for i := 0; c.s.State == StateQuestion; i++ {
			turns = append(turns, c.answer(i%2 == 0))
		}
		return c, turns
	}
	_, turns := run(true)
	for i, turn := range turns {
		it, _ := testBank.Item(turn.Answers[0].Item)
		tip := T("fr", "tip", "tip", it.In("fr").Tip)
		right, wrong, hasTip := says(turn, "fr", "right"), says(turn, "fr", "wrong"), slices.ContainsFunc(turn.Outputs, func(o Output) bool { return o.Text == tip })
		if turn.Answers[0].Correct != (i%2 == 0) {
			t.Fatalf("answer %d: correct=%v", i, turn.Answers[0].Correct)
		}
		if i%2 == 0 && (!right || wrong || hasTip) || i%2 == 1 && (right || !wrong || !hasTip) {
			t.Errorf("feedback on answer %d (right=%v): %+v", i, i%2 == 0, turn.Outputs)
		}
		if turn.Outputs[0].Kind != OutAnswered {
			t.Errorf("the answer is shown before the feedback: %v", kinds(turn))
		}
	}
	c, turns := run(false)
	for i, turn := range turns {
		if says(turn, "fr", "right") || says(turn, "fr", "wrong") || says(turn, "fr", "tip") {
			t.Errorf("no feedback by default, answer %d: %+v", i, turn.Outputs)
		}
	}
	// The tips come in the review.
	c.menu("review", "yes")
	for c.s.State == StateReview {
		if !strings.Contains(last(c.last).Text, "💡") {
			t.Errorf("review without a tip: %+v", c.last.Outputs)
		}
		c.menu("review", "next")
	}
}

// campaignScripts open campaigns' links in every state they can change,
// for TestEveryTransition.
var campaignScripts = map[string]func(t *testing.T) *conv{
	"campaign during a diagnostic": func(t *testing.T) *conv {
		c := newConv(t)
		c.text("/start")
		c.text("oui")
		c.text("je ne sais pas")
		link := func(camp *Campaign) {
			c.campaign = camp
			c.text("/start " + camp.Code)
			c.campaign = nil
		}
		link(otherCampaign) // question > offer_campaign
		c.text("/pause")
		c.text("/reprendre")
		c.text("/aide")
		c.text("/reprendre")
		c.text("/supprimer")
		c.text("non")
		c.menu("campaign", "no") // decline
		link(otherCampaign)
		c.menu("campaign", "yes") // confirm_campaign > begin
		c.text("je ne sais pas")
		link(&Campaign{Code: "IDCODE234", Name: "id", AskExternalID: true})
		c.text("oui") // confirm_campaign > ask_id
		if c.s.State != StateExternalID {
			t.Fatalf("want the identifier, got %s", c.s.State)
		}
		c.menu("id", "skip")
		link(otherCampaign)                                                 // no answer yet: question > begin
		link(&Campaign{Code: "IDCODE235", Name: "id", AskExternalID: true}) // question > ask_id
		if c.s.State != StateExternalID {
			t.Fatalf("want the identifier, got %s", c.s.State)
		}
		return c
	},
	"campaign after a diagnostic": func(t *testing.T) *conv {
		c := toPath(t, 2)
		link := func(camp *Campaign) {
			c.campaign = camp
			c.text("/start " + camp.Code)
			c.campaign = nil
		}
		finish := func() {
			for c.s.State == StateQuestion {
				c.answer(false)
			}
		}
		id := func(code string) *Campaign {
			return &Campaign{Code: code, Name: "id", Competences: []string{"4.1"}, MaxQuestions: 3, AskExternalID: true}
		}
		link(id("IDCODE301")) // followup > ask_id
		c.menu("id", "skip")
		finish()
		link(otherCampaign) // results > begin
		finish()
		c.menu("review", "yes")
		link(id("IDCODE302")) // review > ask_id
		c.menu("id", "skip")
		finish()
		link(id("IDCODE303")) // results > ask_id
		c.menu("id", "skip")
		finish()
		c.menu("review", "yes")
		link(otherCampaign) // review > begin
		finish()
		c.menu("review", "later")
		if c.s.State != StateFollowUp {
			t.Fatalf("want the path offered, got %s", c.s.State)
		}
		link(&Campaign{Code: "OTHER2345", Name: "autre", Competences: []string{"4.1"}, MaxQuestions: 3}) // followup > begin
		finish()
		c.menu("review", "later")
		c.menu("path", "non")
		if c.s.State != StateDone {
			t.Fatalf("want done, got %s", c.s.State)
		}
		link(id("IDCODE304")) // done > ask_id
		return c
	},
}

// TestStatesListsTheMachine: States names every state of the machine, and
// only those.
func TestStatesListsTheMachine(t *testing.T) {
	inMachine := map[string]bool{}
	for _, tr := range Transitions() {
		parts := strings.Split(tr, ">")
		inMachine[parts[0]], inMachine[parts[2]] = true, true
	}
	listed := map[string]bool{}
	for _, s := range States {
		listed[s] = true
		if !inMachine[s] {
			t.Errorf("States lists %q, which no transition reaches or leaves", s)
		}
	}
	for s := range inMachine {
		if !listed[s] {
			t.Errorf("state %q is missing from States", s)
		}
	}
}

// TestButtonEndsPauseOrHelp: a button of what was asked before a pause or
// a help request ends it and acts, as a question's button does; it is not
// "no longer valid". At the campaign's question, the diagnostic's button
// brings that question back rather than dropping the campaign unsaid.
func TestButtonEndsPauseOrHelp(t *testing.T) {
	menu := func(m, v string) Input { return Input{Kind: InButton, Data: Button{Menu: m, Value: v}.Encode()} }
	tests := []struct {
		from  string
		press Input
		check func(s Session) bool
	}{
		{"results", menu("review", "yes"), func(s Session) bool { return s.State == StateReview }},
		{"results", menu("review", "later"), func(s Session) bool { return s.State == StateFollowUp }},
		{"review", menu("review", "next"), func(s Session) bool { return s.State == StateReview && s.Review == 1 || s.State == StateDone }},
		{"external_id", menu("id", "skip"), func(s Session) bool { return s.State == StateQuestion }},
		{"confirm_campaign", menu("campaign", "no"), func(s Session) bool { return s.State == StateQuestion && s.Offer == nil }},
		{"confirm_campaign", menu("campaign", "yes"), func(s Session) bool {
			return s.State == StateQuestion && s.Campaign != nil && s.Campaign.Code == testCampaign.Code
		}},
		{"followup_offer", menu("path", "soir"), func(s Session) bool { return s.State == StateFollowUp && s.Path.Slot == "soir" }},
	}
	for _, tt := range tests {
		for _, side := range []string{"/pause", "/aide"} {
			if tt.from == "followup_offer" && side == "/pause" {
				continue // the path's offer cannot be paused
			}
			d := &driver{s: stateSessions()[tt.from], now: stateSessions()[tt.from].UpdatedAt, lesson: testLesson}
			d.text(side)
			if d.s.State != StatePaused && d.s.State != StateHelp {
				t.Fatalf("%s %s: in %s", tt.from, side, d.s.State)
			}
			d.send(tt.press)
			if !tt.check(d.s) || d.s.HelpPending || d.s.Return != "" || says(d.last, "fr", "stale_plain") {
				t.Errorf("%s, %s, then %s: %s %+v", tt.from, side, tt.press.Data, d.s.State, d.last.Outputs)
			}
		}
	}
	// The diagnostic's question button while paused at the campaign's question.
	for _, side := range []string{"/pause", "/aide"} {
		s := stateSessions()["confirm_campaign"]
		d := &driver{s: s, now: s.UpdatedAt}
		d.text(side)
		d.send(Input{Kind: InButton, Data: Button{Session: s.Nonce, Question: s.Question, Action: ActionSkip}.Encode()})
		if d.s.State != StateConfirmCampaign || d.s.Offer == nil || d.s.Offer.Code != testCampaign.Code || len(d.last.Answers) > 0 || len(d.s.Engine.Responses) != 1 {
			t.Errorf("%s, then the question's button: %s offer %+v, answers %+v", side, d.s.State, d.s.Offer, d.last.Answers)
		}
		asked["confirm_campaign"].check(t, "confirm_campaign "+side, d.last, "fr")
	}
}

// TestExternalID: the identifier is kept as typed (spaces removed, upper
// case); "je ne sais pas", always an answer, skips it; a word is not one.
func TestExternalID(t *testing.T) {
	for _, tt := range []struct{ text, id, state string }{
		{"1234567A", "1234567A", StateQuestion},
		{"123 4567 a", "1234567A", StateQuestion},
		{"Passer.", "", StateQuestion},
		{"je ne sais pas", "", StateQuestion},
		{"Je sais pas", "", StateQuestion},
		{"I don't know", "", StateQuestion},
		{"aucun", "", StateExternalID},
		{"pas de numéro", "", StateExternalID},
		{"jenaipas", "", StateExternalID},
		{"ab1", "", StateExternalID},
	} {
		_, turn := stepIn(t, "external_id", ParseText(tt.text), nil)
		if s := turn.Session; s.ExternalID != tt.id || s.State != tt.state {
			t.Errorf("%q: identifier %q in %s, want %q in %s", tt.text, s.ExternalID, s.State, tt.id, tt.state)
		}
		if tt.state == StateExternalID {
			if l := last(turn); l.Text != T("fr", "id_bad_france_travail") || len(l.Buttons) != 1 {
				t.Errorf("%q: %+v", tt.text, turn.Outputs)
			}
		}
	}
	// A Mission Locale's campaign asks for its file number, digits only.
	s := stateSessions()["external_id"]
	s.Campaign = &Campaign{Code: "QWERTY789", Name: "ML", AskExternalID: true, ExternalIDKind: "mission_locale"}
	env := Env{Now: s.UpdatedAt.Add(time.Minute), Engine: testEngine, Bank: testBank}
	turn, _ := Step(s, ParseText("/reprendre"), env)
	if !strings.Contains(last(turn).Text, "numéro de dossier à la Mission Locale") {
		t.Errorf("Mission Locale: asked %+v", turn.Outputs)
	}
	for text, ok := range map[string]bool{"123456": true, "1234567A": false, "12": false} {
		turn, _ := Step(s, ParseText(text), env)
		if got := turn.Session.ExternalID != ""; got != ok || !ok && last(turn).Text != T("fr", "id_bad_mission_locale") {
			t.Errorf("Mission Locale %q: kept %v, want %v: %+v", text, got, ok, turn.Outputs)
		}
	}
	if !KnownExternalID("") || !KnownExternalID("mission_locale") || KnownExternalID("pole_emploi") {
		t.Error("KnownExternalID")
	}
}

// TestHelpWithAndWithoutAdvisor: with no advisor to reach, help says so and
// gives Solidarité Numérique's number and hours, and nothing is announced;
// with one, it says when an answer may come (the campaign's hours).
func TestHelpWithAndWithoutAdvisor(t *testing.T) {
	s := stateSessions()["question"]
	env := Env{Now: s.UpdatedAt.Add(time.Minute), Engine: testEngine, Bank: testBank, NoAdvisor: true}
	turn, _ := Step(s, ParseText("/aide"), env)
	if text := turn.Outputs[0].Text; !strings.Contains(text, "01 70 772 372") || !strings.Contains(text, "du lundi au vendredi") ||
		!strings.Contains(text, "Aucun conseiller") || len(turn.Events) != 0 || turn.Session.State != StateQuestion {
		t.Errorf("no advisor: %q %+v %s", text, turn.Events, turn.Session.State)
	}
	env.NoAdvisor = false
	turn, _ = Step(s, ParseText("/aide"), env)
	if text := turn.Outputs[0].Text; !strings.Contains(text, "Réponse sous 2 jours ouvrés.") || len(turn.Events) != 1 {
		t.Errorf("an advisor: %q", text)
	}
	s.Campaign = &Campaign{Code: "QWERTY789", Name: "Atelier", HelpHours: "le mardi, de 9 h à 12 h"}
	turn, _ = Step(s, ParseText("/aide"), env)
	if text := turn.Outputs[0].Text; !strings.Contains(text, "Réponse le mardi, de 9 h à 12 h.") {
		t.Errorf("the campaign's hours: %q", text)
	}
}

// TestMyDataSummary: /mesdonnees says in words what is kept, since when,
// who sees it and how to erase it, before the file.
func TestMyDataSummary(t *testing.T) {
	s := stateSessions()["done"]
	turn, _ := Step(s, ParseText("/mesdonnees"), Env{Now: s.UpdatedAt.Add(time.Minute), Engine: testEngine, Bank: testBank, FollowUp: FollowUp{Location: paris}})
	if len(turn.Outputs) != 2 || turn.Outputs[1].Kind != OutExport {
		t.Fatalf("%+v", turn.Outputs)
	}
	text := turn.Outputs[0].Text
	for _, want := range []string{"Ce que je garde sur vous", "vos réponses : ", "vos résultats du ", "Qui le voit", "12 mois", "/supprimer"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\n") + 1; n > 10 {
		t.Errorf("summary of %d lines:\n%s", n, text)
	}
}
