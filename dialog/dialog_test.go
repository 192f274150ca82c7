package dialog

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

var (
	testBank   *bank.Bank
	testEngine *engine.Engine
)

func init() {
	var err error
	testBank, err = bank.Load(bank.Embedded())
	if err != nil {
		panic(err)
	}
	testEngine, err = engine.New(testBank.EngineItems(), engine.Options{})
	if err != nil {
		panic(err)
	}
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// conv drives Step like the bot does, recording transitions seen.
type conv struct {
	t        *testing.T
	s        Session
	now      time.Time
	seen     map[string]bool
	last     Turn
	campaign *Campaign
	fu       FollowUp
	lesson   func(competence, skill, lang string) (LessonView, bool)
}

func newConv(t *testing.T) *conv {
	return &conv{t: t, now: t0, seen: map[string]bool{}}
}

func (c *conv) send(in Input) Turn {
	c.t.Helper()
	c.now = c.now.Add(20 * time.Second)
	env := Env{Now: c.now, Engine: testEngine, Bank: testBank, Campaign: c.campaign, Random: uint64(c.now.UnixNano()),
		FollowUp: c.fu, Lesson: c.lesson}
	turn, err := Step(c.s, in, env)
	if err != nil {
		c.t.Fatalf("Step(%+v) in %s: %v", in, c.s.State, err)
	}
	for _, tr := range turn.Transitions {
		c.seen[tr] = true
	}
	// Session must survive a JSON round trip, as storage keeps it.
	data, err := json.Marshal(turn.Session)
	if err != nil {
		c.t.Fatal(err)
	}
	var back Session
	if err := json.Unmarshal(data, &back); err != nil {
		c.t.Fatal(err)
	}
	c.s, c.last = back, turn
	return turn
}

func (c *conv) text(s string) Turn    { return c.send(ParseText(s)) }
func (c *conv) press(d string) Turn   { return c.send(Input{Kind: InButton, Data: d}) }
func (c *conv) menu(m, v string) Turn { return c.press(Button{Menu: m, Value: v}.Encode()) }

func (c *conv) question() *QuestionView {
	for i := len(c.last.Outputs) - 1; i >= 0; i-- {
		if q := c.last.Outputs[i].Question; q != nil {
			return q
		}
	}
	c.t.Fatalf("no question in the last turn (state %s): %+v", c.s.State, c.last.Outputs)
	return nil
}

// answerRight answers the current question right through its buttons or text.
func (c *conv) answer(right bool) Turn {
	q := c.question()
	it, _ := testBank.Item(q.Item)
	btn := func(a string) string { return Button{Session: q.Session, Question: q.Number, Action: a}.Encode() }
	switch it.Type {
	case bank.Text:
		if right {
			return c.text(it.Answers[0])
		}
		return c.text("zzzz")
	case bank.Multiple:
		picks := it.CorrectChoices()
		if !right {
			picks = []int{0, 1}
			if slices.Equal(it.CorrectChoices(), picks) {
				picks = []int{0}
			}
		}
		for _, p := range picks {
			c.press(btn(ActionToggle(p)))
		}
		return c.press(btn(ActionValidate))
	default:
		pick := it.CorrectChoices()[0]
		if !right {
			pick = (pick + 1) % len(it.Choices)
		}
		return c.press(btn(ActionPick(pick)))
	}
}

func kinds(t Turn) []OutputKind {
	var k []OutputKind
	for _, o := range t.Outputs {
		k = append(k, o.Kind)
	}
	return k
}

func TestWholeDiagnostic(t *testing.T) {
	c := newConv(t)
	c.campaign = &Campaign{Code: "QWERTY789", Name: "Garantie jeunes", Competences: []string{"1.1", "4.1", "5.1"}, MaxQuestions: 9, AskExternalID: true}
	c.send(Input{Kind: InCommand, Command: "start", Args: "qwerty789", FirstName: "Léa"})
	if c.s.State != StateConsent || c.s.Campaign == nil || !strings.Contains(c.last.Outputs[0].Text, "Garantie jeunes") {
		t.Fatalf("after /start: %s %+v", c.s.State, c.last.Outputs)
	}
	c.campaign = nil
	c.menu("consent", "yes")
	if c.s.State != StateExternalID || c.s.ConsentAt == nil {
		t.Fatalf("after consent: %s", c.s.State)
	}
	c.text("ab") // too short
	if c.s.State != StateExternalID {
		t.Fatal("a bad external id was accepted")
	}
	c.text("1234567A")
	if c.s.State != StateQuestion || c.s.ExternalID != "1234567A" {
		t.Fatalf("after id: %s %q", c.s.State, c.s.ExternalID)
	}
	if ev := c.last.Events; len(ev) != 1 || ev[0].Kind != EvStarted || ev[0].Campaign != "QWERTY789" {
		t.Errorf("events %+v", ev)
	}
	answers := 0
	for i := 0; c.s.State == StateQuestion; i++ {
		turn := c.answer(i%3 != 0)
		answers += len(turn.Answers)
		if len(turn.Answers) == 1 && turn.Outputs[0].Kind != OutAnswered {
			t.Errorf("an answer must first show what was answered: %v", kinds(turn))
		}
		if i > 20 {
			t.Fatal("no end")
		}
	}
	if c.s.State != StateResults || answers != 9 {
		t.Fatalf("state %s after %d answers", c.s.State, answers)
	}
	var fin *Event
	for i, e := range c.last.Events {
		if e.Kind == EvFinished {
			fin = &c.last.Events[i]
		}
	}
	if fin == nil || fin.Result == nil || len(fin.Result.Competences) != 3 || fin.ExternalID != "1234567A" || fin.Duration <= 0 {
		t.Fatalf("finished event %+v", fin)
	}
	if !slices.Contains(kinds(c.last), OutResults) {
		t.Fatalf("no results output: %v", kinds(c.last))
	}
	c.menu("review", "yes")
	for i := 0; c.s.State == StateReview; i++ {
		if !strings.Contains(c.last.Outputs[len(c.last.Outputs)-1].Text, "💡") && c.s.State == StateReview {
			t.Errorf("review item without a tip: %+v", c.last.Outputs)
		}
		c.menu("review", "next")
		if i > 20 {
			t.Fatal("review never ends")
		}
	}
	if c.s.State != StateDone {
		t.Fatalf("after review: %s", c.s.State)
	}
	c.text("/resultats")
	if !slices.Contains(kinds(c.last), OutResults) {
		t.Error("/resultats after the end shows no results")
	}
	// A new diagnostic from done gets a new nonce: old buttons are stale.
	old := c.s.Nonce
	c.text("/start")
	if c.s.State != StateQuestion || c.s.Nonce == old || len(c.s.Given) != 0 {
		t.Fatalf("restart: %s nonce %d→%d", c.s.State, old, c.s.Nonce)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	c := newConv(t)
	c.text("/start")
	c.menu("consent", "yes")
	q := c.question()
	before, _ := json.Marshal(c.s)
	stale := Button{Session: q.Session, Question: q.Number + 5, Action: "0"}.Encode()
	otherSession := Button{Session: q.Session + 1, Question: q.Number, Action: "0"}.Encode()
	for name, in := range map[string]Input{
		"long text":       {Kind: InText, Text: strings.Repeat("a", 10000)},
		"sticker":         {Kind: InOther, What: "sticker"},
		"voice":           {Kind: InOther, What: "voice"},
		"unknown command": ParseText("/hack"),
		"stale button":    {Kind: InButton, Data: stale},
		"other session":   {Kind: InButton, Data: otherSession},
		"forged data":     {Kind: InButton, Data: "a:zz:zz:zz"},
		"oversized data":  {Kind: InButton, Data: strings.Repeat("x", 200)},
		"wrong menu":      {Kind: InButton, Data: Button{Menu: "erase", Value: "yes"}.Encode()},
		"gibberish":       {Kind: InText, Text: "???!!! 🤔"},
	} {
		turn, err := Step(c.s, in, Env{Now: t0, Engine: testEngine, Bank: testBank})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		turn.Session.UpdatedAt, turn.Session.Misses, turn.Session.NudgeAt = c.s.UpdatedAt, c.s.Misses, c.s.NudgeAt
		after, _ := json.Marshal(turn.Session)
		if string(after) != string(before) || len(turn.Answers) > 0 || turn.Erase {
			t.Errorf("%s changed the session or recorded something", name)
		}
		if len(turn.Outputs) == 0 || turn.Outputs[0].Text == "" {
			t.Errorf("%s got no kind answer: %+v", name, turn.Outputs)
		}
	}
}

func TestTypedChoices(t *testing.T) {
	choices := []string{"Un lien", "Un mot de passe", "Une photo"}
	tests := []struct {
		text     string
		multiple bool
		want     []int
	}{
		{"2", false, []int{1}}, {" 2. ", false, []int{1}}, {"B", false, []int{1}}, {"c", false, []int{2}},
		{"un mot de PASSE", false, []int{1}}, {"4", false, nil}, {"une", false, nil},
		{"1, 3", true, []int{0, 2}}, {"3 et 1", true, []int{0, 2}}, {"1 9", true, nil},
	}
	for _, tt := range tests {
		got, ok := parseChoices(tt.text, choices, choices, tt.multiple)
		if !slices.Equal(got, tt.want) || ok != (tt.want != nil) {
			t.Errorf("parseChoices(%q) = %v %v, want %v", tt.text, got, ok, tt.want)
		}
	}
	// Choices that are numbers or letters themselves: a text that could
	// name two of them is not taken.
	ambiguous := []struct {
		text     string
		choices  []string
		multiple bool
		want     []int
	}{
		{"2", []string{"2", "1", "3"}, false, nil}, // choice 2, or the choice "2"?
		{"13", []string{"12", "16", "13", "7"}, false, []int{2}},
		{"7", []string{"12", "16", "13", "7"}, false, []int{3}},
		{"b", []string{"B", "A"}, false, nil},
		{"oui", []string{"Oui", "oui"}, false, nil},
		{"1 2", []string{"1 2", "x", "y"}, true, nil}, // a label, or choices 1 and 2?
		{"1 2", []string{"2", "1", "3"}, true, nil},
	}
	for _, tt := range ambiguous {
		got, ok := parseChoices(tt.text, tt.choices, tt.choices, tt.multiple)
		if !slices.Equal(got, tt.want) || ok != (tt.want != nil) {
			t.Errorf("parseChoices(%q, %q) = %v %v, want %v", tt.text, tt.choices, got, ok, tt.want)
		}
	}
}

// TestEveryTransition drives the machine through every transition it defines.
func TestEveryTransition(t *testing.T) {
	seen := map[string]bool{}
	merge := func(c *conv) {
		for k := range c.seen {
			seen[k] = true
		}
	}
	toQuestion := func(t *testing.T) *conv {
		c := newConv(t)
		c.text("bonjour")
		c.menu("consent", "yes")
		return c
	}
	toResults := func(t *testing.T, right bool) *conv {
		c := newConv(t)
		c.campaign = &Campaign{Code: "ABCDEF234", Name: "x", Competences: []string{"2.1"}, MaxQuestions: 3}
		c.text("/start ABCDEF234")
		c.campaign = nil
		c.text("oui")
		for c.s.State == StateQuestion {
			c.answer(right)
		}
		return c
	}
	scripts := map[string]func(t *testing.T) *conv{
		"refuse": func(t *testing.T) *conv {
			c := newConv(t)
			c.text("/start")
			c.menu("consent", "no")
			if !c.last.Erase || c.s.State != StateErased {
				t.Errorf("refusal must erase: %+v", c.s)
			}
			c.text("/start") // erased > greet
			return c
		},
		"ask id": func(t *testing.T) *conv {
			c := newConv(t)
			c.campaign = &Campaign{Code: "ABCDEF234", Name: "x", AskExternalID: true}
			c.text("/start ABCDEF234")
			c.text("oui")
			c.text("/pause")
			c.text("/reprendre")
			c.text("/aide")
			c.text("/reprendre")
			c.text("/supprimer")
			c.text("non")
			c.menu("id", "skip")
			return c
		},
		"question pauses": func(t *testing.T) *conv {
			c := toQuestion(t)
			c.text("/pause")
			c.text("/reprendre")
			c.text("/pause")
			c.text("/aide on m'aide ?")
			if len(c.last.Events) != 1 || c.last.Events[0].Kind != EvHelp || c.last.Events[0].Item == "" {
				t.Errorf("help event %+v", c.last.Events)
			}
			c.text("je bloque")
			if len(c.last.Events) != 1 || c.last.Events[0].Kind != EvHelpMessage {
				t.Errorf("help message event %+v", c.last.Events)
			}
			c.text("/reprendre")
			if c.s.State != StateQuestion {
				t.Errorf("resume went to %s", c.s.State)
			}
			c.text("/pause")
			c.text("/supprimer")
			c.menu("erase", "no")
			c.text("/reprendre")
			c.text("/aide")
			c.text("/supprimer")
			c.text("/supprimer")
			c.menu("erase", "yes")
			if !c.last.Erase {
				t.Error("erase not requested")
			}
			return c
		},
		"consent side states": func(t *testing.T) *conv {
			c := newConv(t)
			c.text("/start")
			c.text("/aide")
			c.text("/supprimer")
			c.menu("erase", "no")
			c.text("/langue en")
			c.menu("consent", "yes")
			return c
		},
		"results review": func(t *testing.T) *conv {
			c := toResults(t, false)
			c.text("/pause")
			c.text("/reprendre")
			c.text("/aide")
			c.text("/reprendre")
			c.text("/supprimer")
			c.menu("erase", "no")
			c.menu("review", "yes")
			c.text("/pause")
			c.text("/reprendre")
			c.text("/aide")
			c.text("/reprendre")
			c.text("/supprimer")
			c.menu("erase", "no")
			for c.s.State == StateReview {
				c.menu("review", "next")
			}
			c.text("/aide")
			c.text("/reprendre")
			c.text("/supprimer")
			c.menu("erase", "no")
			c.text("/start")
			return c
		},
		"results later": func(t *testing.T) *conv {
			c := toResults(t, false)
			c.menu("review", "later")
			return c
		},
		"all right": func(t *testing.T) *conv {
			c := toResults(t, true)
			if c.s.State != StateDone {
				t.Errorf("nothing missed: straight to done, got %s", c.s.State)
			}
			return c
		},
		"paused help": func(t *testing.T) *conv {
			c := toQuestion(t)
			c.text("/pause")
			c.text("/aide")
			c.text("/reprendre")
			c.text("/supprimer")
			c.menu("erase", "no")
			return c
		},
	}
	for _, more := range []map[string]func(t *testing.T) *conv{pathScripts, campaignScripts} {
		for n, f := range more {
			scripts[n] = f
		}
	}
	names := make([]string, 0, len(scripts))
	for n := range scripts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) { merge(scripts[n](t)) })
	}
	var missing []string
	for _, tr := range Transitions() {
		if !seen[tr] {
			missing = append(missing, tr)
		}
	}
	if len(missing) > 0 {
		t.Errorf("transitions never exercised:\n%s", strings.Join(missing, "\n"))
	}
}

func TestTextsComplete(t *testing.T) {
	ph := regexp.MustCompile(`\{[a-z]+\}`)
	for key, fr := range texts["fr"] {
		en, ok := texts["en"][key]
		if !ok {
			t.Errorf("English lacks %q", key)
			continue
		}
		a, b := ph.FindAllString(fr, -1), ph.FindAllString(en, -1)
		sort.Strings(a)
		sort.Strings(b)
		if !slices.Equal(a, b) {
			t.Errorf("%q: placeholders differ: %v / %v", key, a, b)
		}
	}
	for key := range texts["en"] {
		if _, ok := texts["fr"][key]; !ok {
			t.Errorf("French lacks %q", key)
		}
	}
}

func TestParseText(t *testing.T) {
	tests := []struct {
		in   string
		want Input
	}{
		{"/start QWERTY789", Input{Kind: InCommand, Command: "start", Args: "QWERTY789"}},
		{"/start@diagbot_bot", Input{Kind: InCommand, Command: "start"}},
		{"/Résultats", Input{Kind: InCommand, Command: "resultats"}},
		{"/help", Input{Kind: InCommand, Command: "aide"}},
		{"/RÉSULTATS", Input{Kind: InCommand, Command: "resultats"}},
		{"/ÈTAPE", Input{Kind: InCommand, Command: "etape"}},
		{"/truc", Input{Kind: InCommand, Command: "truc"}},
		{"bonjour", Input{Kind: InText, Text: "bonjour"}},
		{"/", Input{Kind: InText, Text: "/"}},
		{"/-)", Input{Kind: InText, Text: "/-)"}},
		{"/ 2", Input{Kind: InText, Text: "/ 2"}},
		{"/aide\nje bloque à la question 3", Input{Kind: InCommand, Command: "aide", Args: "je bloque à la question 3"}},
		{"/start\tQWERTY789", Input{Kind: InCommand, Command: "start", Args: "QWERTY789"}},
		{"/aide\n\nligne 1\nligne 2", Input{Kind: InCommand, Command: "aide", Args: "ligne 1\nligne 2"}},
		{"/start\u00a0ABC", Input{Kind: InCommand, Command: "start", Args: "ABC"}},
	}
	for _, tt := range tests {
		if got := ParseText(tt.in); got != tt.want {
			t.Errorf("ParseText(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{"/start ABC", "/Résultats@bot x", "/ÈTAPE", "/start  a  b ", "/aide\tmoi", "2", "/", "/-)", "/ 2", strings.Repeat("x", MaxInputText+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := ParseText(s)
		switch in.Kind {
		case InText:
			// Text is kept as typed, however long: Step is the one to refuse it.
			if in.Text != s || in.Command != "" || in.Args != "" {
				t.Fatalf("ParseText(%q) = %+v: text must be kept as typed", s, in)
			}
		case InCommand:
			if in.Command == "" || len(in.Command) > 32 || strings.ContainsAny(in.Command, " @/") || strings.IndexFunc(in.Command, unicode.IsSpace) >= 0 || in.Command != strings.ToLower(in.Command) {
				t.Fatalf("ParseText(%q): command name %q", s, in.Command)
			}
			if in.Args != strings.TrimSpace(in.Args) || len(in.Args) >= len(s) {
				t.Fatalf("ParseText(%q): args %q", s, in.Args)
			}
			// A command round-trips: written back as "/name args", it reads the same.
			back := "/" + in.Command
			if in.Args != "" {
				back += " " + in.Args
			}
			if again := ParseText(back); again != in {
				t.Fatalf("ParseText(%q) = %+v, but ParseText(%q) = %+v", s, in, back, again)
			}
			if canon, ok := Commands[in.Command]; ok && canon != in.Command {
				t.Fatalf("ParseText(%q): alias %q not made canonical", s, in.Command)
			}
		default:
			t.Fatalf("ParseText(%q): kind %q", s, in.Kind)
		}
		// Whatever it is, a question never breaks on it, and text over the
		// limit changes nothing.
		before := fuzzQuestion()
		turn, err := Step(before, in, Env{Now: t0, Engine: testEngine, Bank: testBank, Random: 9})
		if err != nil {
			t.Fatalf("Step(%q): %v", s, err)
		}
		if len(turn.Outputs) == 0 && in.Kind == InText {
			t.Fatalf("Step(%q): no answer", s)
		}
		// (Step reads a run of bytes that are not UTF-8 as one U+FFFD.)
		if in.Kind == InText && utf8.RuneCountInString(strings.ToValidUTF8(s, "\uFFFD")) > MaxInputText {
			if !sameSession(before, turn.Session) || len(turn.Answers) > 0 || turn.Outputs[0].Text != T("fr", "too_long") {
				t.Fatalf("Step(%d chars) changed the session or said %+v", utf8.RuneCountInString(s), turn.Outputs)
			}
		}
	})
}

// FuzzStepText: no typed text, in any state (at every kind of question too:
// single, multiple, typed), makes Step fail, records more than one answer or
// an answer to another item, stays silent, or erases without a yes.
func FuzzStepText(f *testing.F) {
	names := stateNames()
	index := func(name string) uint8 { return uint8(slices.Index(names, name)) }
	for _, seed := range []struct {
		text  string
		state string
	}{
		{"2", "question"}, {"B", "question"}, {"1, 3", "question_multiple"}, {"1 3", "question_multiple"},
		{"3 et 1", "question_multiple"}, {"2 2", "question_multiple"}, {"zzzz", "question_text"}, {"je ne sais pas", "question_text"},
		{"/aide", "review"}, {"oui", "results"}, {"plus tard", "results"}, {"le soir", "followup_offer"}, {"1", "confirm_campaign"},
		{"2", "confirm_erase"}, {"/start", "help"}, {"/langue", "consent"}, {"1, 2", "followup_check"},
		{"le 2", "question"}, {"n°2", "question"}, {"deux", "question"}, {"c koi un navigateur", "question"},
		{"jsp", "question_multiple"}, {"chai pas", "question_text"}, {"ouais", "consent"}, {"nan", "confirm_erase"},
		{"wifi ?", "question"}, {"bof", "results"}, {"Léa Martin", "done"},
	} {
		f.Add(seed.text, index(seed.state))
	}
	f.Fuzz(func(t *testing.T, text string, which uint8) {
		name := names[int(which)%len(names)]
		before := stateSessions()[name]
		env := Env{Now: before.UpdatedAt.Add(time.Minute), Engine: testEngine, Bank: testBank, Random: 9,
			FollowUp: FollowUp{Location: paris}, Lesson: testLesson}
		turn, err := Step(before, ParseText(text), env)
		if err != nil {
			t.Fatalf("Step(%q) in %s: %v", text, name, err)
		}
		if len(turn.Outputs) == 0 {
			t.Fatalf("Step(%q) in %s: no reply", text, name)
		}
		if len(turn.Answers) > 1 {
			t.Fatalf("Step(%q) in %s: %d answers", text, name, len(turn.Answers))
		}
		if len(turn.Answers) == 1 {
			a := turn.Answers[0]
			pending := ""
			if before.Engine != nil && before.State == StateQuestion {
				pending = before.Engine.Pending
			}
			if before.Path != nil && before.Path.Check != nil {
				pending = before.Path.Check.Item
			}
			it, _ := testBank.Item(pending)
			if it == nil || a.Item != pending {
				t.Fatalf("Step(%q) in %s answered %q, pending %q", text, name, a.Item, pending)
			}
			if it.Type != bank.Text && !a.Skipped {
				for _, p := range strings.Split(a.Response, ",") {
					if i, err := strconv.Atoi(p); err != nil || i < 0 || i >= len(it.Choices) {
						t.Fatalf("Step(%q) in %s: response %q for %d choices", text, name, a.Response, len(it.Choices))
					}
				}
			}
		}
		if turn.Erase && !slices.Contains([]string{StateNew, StateErased, StateConsent, StateConfirmErase}, before.State) {
			t.Fatalf("Step(%q) in %s erased everything", text, name)
		}
		// At the campaign's question a number (meant for the question above)
		// changes nothing.
		if _, err := strconv.Atoi(words(text)); err == nil && before.State == StateConfirmCampaign {
			turn.Session.Misses = before.Misses
			if turn.Erase || !sameSession(before, turn.Session) {
				t.Fatalf("Step(%q) in %s acted as a button", text, name)
			}
		}
		if !slices.ContainsFunc(Transitions(), func(tr string) bool { return strings.HasPrefix(tr, turn.Session.State+">") }) {
			t.Fatalf("Step(%q) in %s: unknown state %q", text, name, turn.Session.State)
		}
		if got := roundTrip(turn.Session); !sameSession(turn.Session, got) {
			t.Fatalf("the session does not survive JSON")
		}
	})
}

// TestUnknownCampaignCode: a deep link with a code that does not exist gets a
// clear answer, and the learner can still take the open diagnostic.
func TestUnknownCampaignCode(t *testing.T) {
	c := newConv(t)
	c.text("/start ZZZZZZ999")
	var texts []string
	for _, o := range c.last.Outputs {
		texts = append(texts, o.Text)
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "Je ne trouve pas le code ZZZZZZ999") || c.s.State != StateConsent || c.s.Campaign != nil {
		t.Fatalf("state %s, outputs:\n%s", c.s.State, all)
	}
	c.menu("consent", "yes")
	if c.s.State != StateQuestion || c.s.Engine.Config.MaxQuestions != engine.DefaultMaxQuestions || len(c.s.Engine.Config.Competences) != 16 {
		t.Fatalf("open diagnostic expected: %s %+v", c.s.State, c.s.Engine.Config)
	}
}

func TestLearnerRef(t *testing.T) {
	a, b := LearnerRef("telegram:1"), LearnerRef("telegram:2")
	if a == b || len(a) != 10 || a[:2] != "A-" || LearnerRef("telegram:1") != a {
		t.Errorf("LearnerRef: %q %q", a, b)
	}
}

// FuzzParseChoices: whatever is typed, the choices read are in range, sorted,
// without duplicates, one only for a single choice, and a text that names
// two different choices (a number that is also another choice's label, two
// equal labels) is not taken.
func FuzzParseChoices(f *testing.F) {
	f.Add("2", "Un lien", "Un mot de passe", "Une photo", "", false)
	f.Add("1, 3", "Un lien", "Un mot de passe", "Une photo", "", true)
	f.Add("1 3", "a", "b", "c", "d", true)
	f.Add("2", "2", "1", "3", "", false)
	f.Add("b", "B", "A", "", "", false)
	f.Add("13", "12", "16", "13", "7", false)
	f.Add("oui", "Oui", "oui", "", "", false)
	f.Fuzz(func(t *testing.T, text, c1, c2, c3, c4 string, multiple bool) {
		var choices []string
		for _, c := range []string{c1, c2, c3, c4} {
			if c != "" {
				choices = append(choices, c)
			}
		}
		if len(choices) < 2 {
			return
		}
		en := slices.Clone(choices)
		slices.Reverse(en) // another language: other labels at the same places
		picks, ok := parseChoices(text, choices, en, multiple)
		again, ok2 := parseChoices(text, choices, en, multiple)
		if ok != ok2 || !slices.Equal(picks, again) {
			t.Fatalf("not deterministic: %v %v / %v %v", picks, ok, again, ok2)
		}
		if !ok {
			if picks != nil {
				t.Fatalf("refused but returned %v", picks)
			}
			return
		}
		if len(picks) == 0 || (!multiple && len(picks) != 1) {
			t.Fatalf("parseChoices(%q, %q, multiple=%v) = %v", text, choices, multiple, picks)
		}
		for i, p := range picks {
			if p < 0 || p >= len(choices) || (i > 0 && p <= picks[i-1]) {
				t.Fatalf("parseChoices(%q, %q) = %v: out of range, unsorted or repeated", text, choices, picks)
			}
		}
		// The readings of the whole text as one choice: its number or
		// letter in the learner's words ("2", "le 2", "deux", "b"), a label
		// in either language. Two different ones: ambiguous.
		f := bank.Fold(text)
		readings := map[int]bool{}
		if n, ok := choiceNumber(f, true); ok && n <= len(choices) {
			readings[n-1] = true
		}
		for i := range choices {
			if bank.Fold(choices[i]) == f || bank.Fold(en[i]) == f {
				readings[i] = true
			}
		}
		if len(readings) > 1 {
			t.Fatalf("parseChoices(%q, %q) = %v, but the text names %v", text, choices, picks, readings)
		}
		if len(readings) == 1 && len(picks) == 1 && !readings[picks[0]] {
			t.Fatalf("parseChoices(%q, %q) = %v, but the text names %v", text, choices, picks, readings)
		}
	})
}
