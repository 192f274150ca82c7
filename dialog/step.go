package dialog

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
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
}

func (st *step) lang() string { return st.s.Lang }

func (st *step) say(key string, kv ...any) {
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutText, Lang: st.lang(), Text: T(st.lang(), key, kv...)})
}

func (st *step) sayButtons(text string, buttons ...ButtonView) {
	rows := make([][]ButtonView, len(buttons))
	for i, b := range buttons {
		rows[i] = []ButtonView{b}
	}
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutText, Lang: st.lang(), Text: text, Buttons: rows})
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
	err := st.handle()
	if err == nil {
		err = st.err
	}
	st.s.State = st.m.current()
	st.s.UpdatedAt = env.Now
	st.t.Session = st.s
	st.t.Transitions = st.m.done
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
		p.Baseline = make(map[string]float64, len(s.Path.Baseline))
		for k, v := range s.Path.Baseline {
			p.Baseline[k] = v
		}
		c.Path = &p
	}
	return c
}

func (st *step) handle() error {
	in := st.in
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
	}
	return st.typedButton(in.Text)
}

// typedButton reads text typed where buttons were shown: the button's
// number ("2"), its words when they name one button only ("plus tard"), or
// yes and no for a yes-or-no question act as pressing it. Anything else gets
// a short word and the buttons again, and changes nothing.
//
// At the campaign's question, whose yes replaces the answers given, a bare
// number is not taken: it arrives unasked (the advisor's link) under the
// diagnostic's question, whose choices are numbered, while its own buttons
// show no number on a phone; "1" there was most likely meant for the
// question. Yes there is pressed or said in words.
func (st *step) typedButton(text string) error {
	buttons, yn := st.menuOf(st.lang())
	if len(buttons) == 0 {
		st.say("not_understood")
		return st.resend()
	}
	if st.m.current() == StateConfirmCampaign {
		if _, err := strconv.Atoi(words(text)); err == nil {
			st.say("use_menu")
			return st.resend()
		}
	}
	menus := [][]ButtonView{buttons}
	for _, l := range Languages {
		if l != st.lang() {
			other, _ := st.menuOf(l)
			menus = append(menus, other)
		}
	}
	if i, ok := matchButton(text, yn, menus...); ok {
		b, err := ParseButton(buttons[i].Data)
		if err != nil {
			return fmt.Errorf("dialog: a menu button of state %s: %w", st.m.current(), err)
		}
		return st.menuButton(b)
	}
	if st.m.current() == StateConsent {
		st.say("consent_first")
	} else {
		st.say("use_menu")
	}
	return st.resend()
}

// matchButton finds the button text names among buttons (menus holds the
// same buttons in each language): by number, by words naming one button
// only, or, for a yes-or-no question (yes first, no last), by yes or no.
func matchButton(text string, yn bool, menus ...[]ButtonView) (int, bool) {
	n := len(menus[0])
	f := words(text)
	if f == "" {
		return 0, false
	}
	if k, err := strconv.Atoi(f); err == nil {
		return k - 1, k >= 1 && k <= n
	}
	match := -1
	for _, m := range menus {
		for i, b := range m {
			label := " " + words(b.Label) + " "
			if label == " "+f+" " || len(f) >= 3 && !filler(f) && strings.Contains(label, " "+f+" ") {
				if match >= 0 && match != i {
					return 0, false // words of two buttons
				}
				match = i
			}
		}
	}
	if match >= 0 {
		return match, true
	}
	if yn {
		switch yesNo(text) {
		case 1:
			return 0, true
		case -1:
			return n - 1, n > 1
		}
	}
	return 0, false
}

// fillers are words of a label that alone name no choice: "merci" is a
// thank-you, not "Non merci"; "tout ?" asks, it does not say "Oui, tout
// effacer".
var fillers = map[string]bool{
	"merci": true, "beaucoup": true, "thanks": true, "thank": true, "you": true,
	"tout": true, "everything": true, "ici": true, "here": true,
}

// filler tells whether the words f (folded) are all fillers.
func filler(f string) bool {
	for _, w := range strings.Fields(f) {
		if !fillers[w] {
			return false
		}
	}
	return true
}

// words folds text to its lower-case words without accents, emoji or
// punctuation: "☀️ L'après-midi" is "l apres midi".
func words(text string) string {
	return strings.Join(strings.FieldsFunc(bank.Fold(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
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
		return []ButtonView{b("review", "next", "btn_next")}, true
	case StateFollowUp:
		if p := st.s.Path; p != nil && p.State == PathOffered {
			return slotButtons(lang), false
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

// ---- commands

// Commands maps every accepted command (French first, English aliases) to its
// canonical name.
var Commands = map[string]string{
	"start": "start", "commencer": "start",
	"aide": "aide", "help": "aide",
	"pause":     "pause",
	"reprendre": "reprendre", "resume": "reprendre", "continuer": "reprendre", "continue": "reprendre",
	"resultats": "resultats", "results": "resultats",
	"langue": "langue", "language": "langue", "lang": "langue",
	"mesdonnees": "mesdonnees", "mydata": "mesdonnees",
	"supprimer": "supprimer", "delete": "supprimer",
	"stop":     "stop",
	"parcours": "parcours", "path": "parcours",
	"progres": "progres", "progress": "progres",
}

func (st *step) command() error {
	state := st.m.current()
	switch st.in.Command {
	case "start":
		return st.start()
	case "aide":
		if state == StateNew || state == StateErased || state == StateConsent || state == StateConfirmErase || state == StateHelp {
			st.say("commands")
			return nil
		}
		st.s.Return = returnOf(state, st.s.Return)
		if err := st.fire("help"); err != nil {
			return err
		}
		st.s.HelpPending, st.s.HelpClaimed = true, "" // a new request: not taken yet
		st.t.Events = append(st.t.Events, st.event(EvHelp, truncate(st.in.Args, MaxInputText)))
		st.say("help")
		return nil
	case "pause", "stop":
		if p := st.s.Path; p != nil && (state == StateFollowUp || p.State == PathActive || p.State == PathPaused) && state != StateConfirmErase {
			if st.in.Command == "stop" || p.State == PathOffered {
				return st.stopPath()
			}
			p.State, p.Due = PathPaused, time.Time{}
			st.say("path_paused")
			return nil
		}
		if !st.m.can("pause") {
			if state == StatePaused {
				st.say("still_paused")
			} else {
				st.say("commands")
			}
			return nil
		}
		st.s.Return = state
		if err := st.fire("pause"); err != nil {
			return err
		}
		if st.in.Command == "stop" {
			st.say("stopped")
		} else {
			st.say("paused")
		}
		return nil
	case "reprendre":
		if p := st.s.Path; p != nil && p.State == PathPaused && state == StateFollowUp {
			return st.wake()
		}
		if state != StatePaused && state != StateHelp {
			if state == StateNew || state == StateErased {
				st.say("nothing_to_resume")
				return nil
			}
			return st.resend()
		}
		return st.resume()
	case "resultats":
		if st.s.FinishedAt.IsZero() || st.s.Engine == nil {
			st.say("no_results", "n", st.answered())
			return nil
		}
		return st.results()
	case "langue":
		arg := strings.ToLower(strings.TrimSpace(st.in.Args))
		switch arg {
		case "":
			st.sayButtons(T(st.lang(), "lang_choose"),
				ButtonView{Label: "Français", Data: Button{Menu: "lang", Value: "fr"}.Encode()},
				ButtonView{Label: "English", Data: Button{Menu: "lang", Value: "en"}.Encode()})
			return nil
		case "fr", "en", "francais", "français", "english", "anglais":
			return st.setLang(arg)
		}
		st.say("lang_unknown")
		return nil
	case "parcours":
		if state == StateNew || state == StateErased || state == StateConsent {
			st.say("path_none")
			return nil
		}
		return st.showPath()
	case "progres":
		return st.progress()
	case "mesdonnees":
		st.t.Outputs = append(st.t.Outputs, Output{Kind: OutExport, Lang: st.lang(), Text: T(st.lang(), "export")})
		return nil
	case "supprimer":
		if state == StateNew || state == StateErased {
			return st.erase() // nothing may be stored yet, but say so and make sure
		}
		if state != StateConfirmErase {
			st.s.Return = returnOf(state, st.s.Return)
			if err := st.fire("ask_erase"); err != nil {
				return err
			}
		}
		return st.confirmErase()
	}
	st.say("unknown_command")
	return nil
}

// returnOf is where to come back to from state: a pause or help keeps the
// return it already had.
func returnOf(state, ret string) string {
	if state == StatePaused || state == StateHelp {
		return ret
	}
	return state
}

// setLang changes the language, then shows again, in it, what the learner
// is being asked (the question, the privacy notice …): the language buttons
// are then no longer the last ones shown.
func (st *step) setLang(arg string) error {
	if strings.HasPrefix(arg, "en") || arg == "anglais" {
		st.s.Lang = "en"
	} else {
		st.s.Lang = "fr"
	}
	st.say("lang_set")
	return st.resend()
}

func (st *step) resume() error {
	if err := st.leave(); err != nil {
		return err
	}
	st.say("resume")
	return st.resend()
}

// leave ends a pause or a help request, back to the state before it.
func (st *step) leave() error {
	ret := st.s.Return
	if !st.m.can("resume:" + ret) {
		ret = StateDone
	}
	if err := st.fire("resume:" + ret); err != nil {
		return err
	}
	st.s.Return = ""
	st.s.HelpPending = false
	return nil
}

// resend shows again what the learner is expected to answer now. Before the
// conversation (new, erased) there is nothing to show.
func (st *step) resend() error {
	switch st.m.current() {
	case StateConsent:
		return st.askConsent()
	case StateExternalID:
		st.sayMenu(T(st.lang(), "ask_external_id"))
	case StateConfirmErase:
		return st.confirmErase()
	case StateConfirmCampaign:
		return st.confirmCampaign()
	case StateHelp:
		st.say("help_open")
	case StateQuestion:
		return st.ask(false)
	case StateResults:
		st.offerReview()
	case StateReview:
		return st.reviewItem()
	case StatePaused:
		st.say("still_paused")
	case StateDone:
		st.say("done")
	case StateFollowUp:
		p := st.s.Path
		switch {
		case p.State == PathOffered:
			return st.offerPath()
		case p.Check != nil:
			return st.askCheck(false)
		case p.State == PathActive:
			st.say("next_lesson", "when", st.when(p.Due))
		default:
			st.say("done")
		}
	}
	return nil
}

// ---- start, consent, external id

// start is /start: the first message, a campaign's link (/start CODE, the
// caller passing the campaign it names in Env.Campaign) or a learner lost.
// Without a known campaign it never starts anything new except from done,
// where the last message offers /start for a new diagnostic.
func (st *step) start() error {
	state := st.m.current()
	if state == StateNew || state == StateErased {
		return st.greet()
	}
	if c := st.env.Campaign; c != nil {
		return st.joinCampaign(c)
	}
	if code := strings.ToUpper(strings.TrimSpace(st.in.Args)); code != "" {
		key := "unknown_code_here"
		if state == StateConsent {
			key = "unknown_code" // "you can still take the diagnostic": true here
		}
		st.say(key, "code", truncate(code, 64))
		return st.resend()
	}
	switch state {
	case StateQuestion:
		st.say("in_progress")
	case StateResults, StateReview, StateFollowUp:
		st.say("already_finished")
	case StateDone:
		return st.begin()
	case StatePaused:
		return st.resume()
	}
	return st.resend()
}

// joinCampaign is /start CODE for a known campaign: the advisor's link or
// QR code. The learner joins it and loses nothing they did not agree to lose:
//   - before the diagnostic (privacy notice, identifier), the campaign is
//     taken and what was asked is asked again;
//   - during a diagnostic, the same campaign goes on; one that measures the
//     same thing keeps the answers given; with no answer yet the campaign's
//     diagnostic starts; otherwise the learner is asked first;
//   - after a diagnostic (results, review, path), the campaign's diagnostic
//     starts (the results were shown and sent; the answers stay in the log);
//     the same campaign again is its link opened twice and shows again what
//     was asked, except from done, where /start always starts anew.
//
// A pause or a help request ends first; an erase question is answered no.
func (st *step) joinCampaign(c *Campaign) error {
	switch st.m.current() {
	case StatePaused, StateHelp:
		if err := st.leave(); err != nil {
			return err
		}
	case StateConfirmErase:
		if err := st.keepAll(); err != nil {
			return err
		}
	}
	same := st.s.Campaign != nil && st.s.Campaign.Code == c.Code
	switch st.m.current() {
	case StateConsent:
		st.s.Campaign = c
		st.say("welcome_campaign", "name", st.name(), "campaign", c.Name)
		return st.askConsent()
	case StateExternalID:
		st.s.Campaign = c
		st.say("campaign_joined", "campaign", c.Name)
		if c.AskExternalID {
			return st.resend()
		}
		return st.begin()
	case StateQuestion:
		switch {
		case same:
			st.say("in_progress")
			return st.ask(false)
		case st.compatible(c):
			st.s.Campaign = c
			st.say("campaign_attached", "campaign", c.Name)
			st.t.Events = append(st.t.Events, st.event(EvStarted, ""))
			return st.ask(false)
		case st.answered() == 0:
			return st.startCampaign(c)
		}
		if err := st.fire("offer_campaign"); err != nil {
			return err
		}
		st.s.Offer = c
		return st.confirmCampaign()
	case StateConfirmCampaign:
		if same {
			st.s.Offer = nil
			if err := st.fire("decline_campaign"); err != nil {
				return err
			}
			st.say("in_progress")
			return st.ask(false)
		}
		st.s.Offer = c
		return st.confirmCampaign()
	case StateResults, StateReview, StateFollowUp:
		if same {
			st.say("already_finished")
			return st.resend()
		}
	}
	return st.startCampaign(c)
}

// compatible tells whether the diagnostic in progress measures what campaign
// c would (same competences, same length): it can join c and keep its answers.
func (st *step) compatible(c *Campaign) bool {
	cur := st.s.Engine
	if cur == nil || c.AskExternalID && st.s.ExternalID == "" {
		return false
	}
	want, err := st.env.Engine.Start(engine.Config{Profile: c.Profile, Competences: c.Competences, MaxQuestions: c.MaxQuestions})
	if err != nil {
		return false
	}
	w := want.Config
	return slices.Equal(w.Competences, cur.Config.Competences) && w.MaxQuestions == cur.Config.MaxQuestions &&
		w.TargetSE == cur.Config.TargetSE && w.Strategy == cur.Config.Strategy
}

// startCampaign starts campaign c's diagnostic, after its identifier when
// it asks for one the learner has not given yet.
func (st *step) startCampaign(c *Campaign) error {
	st.s.Campaign, st.s.Offer = c, nil
	st.say("campaign_joined", "campaign", c.Name)
	if c.AskExternalID && st.s.ExternalID == "" {
		st.resetDiagnostic()
		return st.askExternalID()
	}
	return st.begin()
}

// confirmCampaign asks whether to start the offered campaign's diagnostic.
func (st *step) confirmCampaign() error {
	st.sayMenu(T(st.lang(), "campaign_confirm", "campaign", st.s.Offer.Name, "n", st.answered()))
	return nil
}

// declineCampaign keeps the diagnostic in progress, and says how to join
// the campaign later: its code is not lost without a word.
func (st *step) declineCampaign() error {
	name := st.s.Offer.Name
	st.s.Offer = nil
	if err := st.fire("decline_campaign"); err != nil {
		return err
	}
	st.say("campaign_declined", "campaign", name)
	return st.ask(false)
}

// name is " Léa" for greetings, or nothing.
func (st *step) name() string {
	if st.s.FirstName == "" {
		return ""
	}
	return " " + st.s.FirstName
}

func (st *step) greet() error {
	name := st.name()
	code := strings.ToUpper(strings.TrimSpace(st.in.Args))
	switch {
	case st.env.Campaign != nil:
		st.s.Campaign = st.env.Campaign
		st.say("welcome_campaign", "name", name, "campaign", st.env.Campaign.Name)
	case code != "" && st.in.Command == "start":
		st.say("welcome", "name", name)
		st.say("unknown_code", "code", truncate(code, 64))
	default:
		st.say("welcome", "name", name)
	}
	if err := st.fire("greet"); err != nil {
		return err
	}
	return st.askConsent()
}

func (st *step) askConsent() error {
	st.sayMenu(T(st.lang(), "privacy"))
	return nil
}

func (st *step) accept() error {
	now := st.env.Now
	st.s.ConsentAt = &now
	if st.s.Campaign != nil && st.s.Campaign.AskExternalID {
		return st.askExternalID()
	}
	return st.begin()
}

// askExternalID asks for the identifier the campaign wants.
func (st *step) askExternalID() error {
	if err := st.fire("ask_id"); err != nil {
		return err
	}
	st.sayMenu(T(st.lang(), "ask_external_id"))
	return nil
}

func (st *step) refuse() error {
	if err := st.fire("refuse"); err != nil {
		return err
	}
	st.t.Erase = true
	st.s = Session{State: StateErased, Lang: st.s.Lang}
	st.say("refused")
	return nil
}

// externalIDPattern is an identifier of the employment services: 4 to 20
// letters or digits, digits among them (France Travail's are 7 digits and
// a letter or digit). A word ("aucun", "jenesaispas" once the spaces are
// gone) is not one.
var externalIDPattern = regexp.MustCompile(`^[A-Za-z0-9]{4,20}$`)

func (st *step) externalID(text string) error {
	text = strings.TrimSpace(text)
	if f := bank.Fold(text); f == "passer" || f == "skip" || isDontKnow(text) {
		return st.begin() // "je ne sais pas" is always an answer: here, skip
	}
	id := strings.ReplaceAll(text, " ", "")
	if !externalIDPattern.MatchString(id) || !strings.ContainsAny(id, "0123456789") {
		st.sayMenu(T(st.lang(), "external_id_bad"))
		return nil
	}
	st.s.ExternalID = strings.ToUpper(id)
	return st.begin()
}

// begin starts a new diagnostic with the campaign's settings.
func (st *step) begin() error {
	cfg := engine.Config{Seed: st.env.Random}
	if c := st.s.Campaign; c != nil {
		cfg.Profile, cfg.Competences, cfg.MaxQuestions = c.Profile, c.Competences, c.MaxQuestions
	}
	es, err := st.env.Engine.Start(cfg)
	if err != nil {
		return fmt.Errorf("dialog: campaign settings: %w", err)
	}
	if err := st.fire("begin"); err != nil {
		return err
	}
	nonce := uint32(st.env.Random>>32) ^ uint32(st.env.Random)
	if nonce == st.s.Nonce || nonce == 0 {
		nonce = st.s.Nonce + 1
	}
	st.resetDiagnostic()
	st.s.Engine, st.s.Nonce, st.s.StartedAt = es, nonce, st.env.Now
	st.t.Events = append(st.t.Events, st.event(EvStarted, ""))
	st.say("intro", "max", es.Config.MaxQuestions)
	return st.next()
}

// resetDiagnostic forgets the diagnostic in the session, and the follow-up
// path made of it (its answers stay in the answer log).
func (st *step) resetDiagnostic() {
	st.s.Engine, st.s.Question, st.s.Selected = nil, 0, nil
	st.s.Given, st.s.Review, st.s.Path = nil, 0, nil
	st.s.StartedAt, st.s.FinishedAt = timeZero, timeZero
}

// ---- questions

// next asks the next question, or finishes.
func (st *step) next() error {
	_, done, err := st.env.Engine.Next(st.s.Engine)
	if err != nil {
		return err
	}
	if done {
		return st.finish()
	}
	st.s.Question++
	st.s.Selected = nil
	return st.ask(false)
}

// current returns the item being asked.
func (st *step) current() (*bank.Item, error) {
	if st.s.Engine == nil || st.s.Engine.Pending == "" {
		return nil, errors.New("dialog: no question pending")
	}
	it, ok := st.env.Bank.Item(st.s.Engine.Pending)
	if !ok {
		return nil, fmt.Errorf("dialog: item %q is no longer in the bank", st.s.Engine.Pending)
	}
	return it, nil
}

// progressBar draws n of max as ten cells.
func progressBar(n, max int) string {
	if max <= 0 {
		max = 1
	}
	full := min(10, (n*10+max-1)/max)
	return strings.Repeat("▓", full) + strings.Repeat("░", 10-full)
}

func (st *step) ask(refresh bool) error {
	it, err := st.current()
	if err != nil {
		return err
	}
	return st.askItem(it, st.s.Question, T(st.lang(), "question_header", "n", st.s.Question, "bar", progressBar(st.s.Question, st.s.Engine.Config.MaxQuestions)), refresh)
}

// askItem shows item it as question number n (buttons carry the session
// nonce and n, so an old question's button is recognised as stale).
func (st *step) askItem(it *bank.Item, n int, header string, refresh bool) error {
	l := it.In(st.lang())
	q := &QuestionView{
		Session: st.s.Nonce, Number: n, Item: it.ID,
		Header:   header,
		Prompt:   l.Prompt,
		Multiple: it.Type == bank.Multiple,
		Selected: slices.Clone(st.s.Selected),
		Image:    it.Image, Alt: l.Alt, Refresh: refresh,
	}
	btn := func(action, label string) ButtonView {
		return ButtonView{Label: label, Data: Button{Session: st.s.Nonce, Question: n, Action: action}.Encode()}
	}
	switch it.Type {
	case bank.Text:
		q.TypeIn = true
		q.Hint = T(st.lang(), "type_answer")
	case bank.Multiple:
		q.Choices = l.Choices
		q.Hint = T(st.lang(), "multiple_hint")
		for i, c := range l.Choices {
			box := "☐ "
			if slices.Contains(st.s.Selected, i) {
				box = "✅ "
			}
			q.Buttons = append(q.Buttons, []ButtonView{btn(ActionToggle(i), box+strconv.Itoa(i+1)+". "+c)})
		}
		q.Buttons = append(q.Buttons, []ButtonView{btn(ActionValidate, T(st.lang(), "validate"))})
	default:
		q.Choices = l.Choices
		for i, c := range l.Choices {
			q.Buttons = append(q.Buttons, []ButtonView{btn(ActionPick(i), strconv.Itoa(i+1)+". "+c)})
		}
	}
	q.Buttons = append(q.Buttons, []ButtonView{btn(ActionSkip, T(st.lang(), "dont_know"))})
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutQuestion, Lang: st.lang(), Question: q})
	return nil
}

// textAnswer reads free text typed during a question: the answer of a text
// item; for choices "2", "B", the choice's words when unambiguous, or
// "1 3" for several; "je ne sais pas" anywhere.
func (st *step) textAnswer(text string) error {
	it, err := st.current()
	record, reask := st.record, st.ask
	if p := st.s.Path; st.m.current() == StateFollowUp && p != nil && p.Check != nil {
		var ok bool
		if it, ok = st.env.Bank.Item(p.Check.Item); !ok {
			return fmt.Errorf("dialog: check item %q is no longer in the bank", p.Check.Item)
		}
		err, record, reask = nil, st.checkAnswer, st.askCheck
	}
	if err != nil {
		return err
	}
	if isDontKnow(text) {
		return record(it, bank.Response{Skip: true}, T(st.lang(), "skipped"))
	}
	if it.Type == bank.Text {
		if bank.Fold(text) == "" {
			st.say("use_buttons")
			return nil
		}
		return record(it, bank.Response{Text: text}, T(st.lang(), "answer_recorded", "answer", truncate(strings.TrimSpace(text), 200)))
	}
	choices := it.In(st.lang()).Choices
	picks, ok := parseChoices(text, choices, it.In("fr").Choices, it.Type == bank.Multiple)
	if !ok {
		st.say("use_buttons")
		return reask(false)
	}
	return record(it, bank.Response{Choices: picks}, st.answerText(choices, picks))
}

func isDontKnow(text string) bool {
	switch bank.Fold(text) {
	case "je ne sais pas", "jsp", "je sais pas", "sais pas", "?", "i don't know", "i dont know", "idk", "dont know":
		return true
	}
	return false
}

// parseChoices reads "2", "b", "2.", the text of a choice (in either
// language) when it names one choice only, or "1, 3" for multiple choice.
// A text that could name two different choices ("2" when another choice
// reads "2", two choices with the same words) is not taken: the learner is
// asked to use the buttons rather than have a guess recorded.
func parseChoices(text string, choices, choicesFR []string, multiple bool) ([]int, bool) {
	f := bank.Fold(text)
	if f == "" {
		return nil, false
	}
	whole, n := readChoice(f, choices, choicesFR)
	if n > 1 {
		return nil, false
	}
	var picks []int
	if multiple {
		fields := strings.FieldsFunc(f, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '+' })
		for _, tok := range fields {
			if tok == "et" || tok == "and" {
				continue
			}
			i, n := readChoice(tok, choices, choicesFR)
			if n != 1 {
				picks = nil
				break
			}
			if !slices.Contains(picks, i) {
				picks = append(picks, i)
			}
		}
		slices.Sort(picks)
	}
	switch {
	case n == 1 && len(picks) > 0 && !slices.Equal(picks, []int{whole}):
		return nil, false // "1 2" is a choice's label and two choices' numbers
	case n == 1:
		return []int{whole}, true
	case len(picks) > 0:
		return picks, true
	}
	return nil, false
}

// readChoice reads tok (folded) as one choice: its number, its letter or its
// words in either language. n is how many different choices it could name.
func readChoice(tok string, choices, choicesFR []string) (i, n int) {
	found := map[int]bool{}
	num := strings.TrimSuffix(strings.TrimSuffix(tok, "."), ")")
	if k, err := strconv.Atoi(num); err == nil && k >= 1 && k <= len(choices) {
		found[k-1] = true
	}
	if len(num) == 1 && num[0] >= 'a' && int(num[0]-'a') < len(choices) {
		found[int(num[0]-'a')] = true
	}
	for _, list := range [][]string{choices, choicesFR} {
		for k, c := range list {
			if k < len(choices) && bank.Fold(c) == tok {
				found[k] = true
			}
		}
	}
	for k := range found {
		i = k
	}
	return i, len(found)
}

func (st *step) answerText(choices []string, picks []int) string {
	var parts []string
	for _, p := range picks {
		parts = append(parts, strconv.Itoa(p+1)+". "+choices[p])
	}
	return T(st.lang(), "answer_recorded", "answer", strings.Join(parts, " · "))
}

func (st *step) button() error {
	b, err := ParseButton(st.in.Data)
	if err != nil {
		st.say("stale_plain")
		return nil
	}
	if b.Menu != "" {
		return st.menuButton(b)
	}
	state := st.m.current()
	if p := st.s.Path; p != nil && p.Check != nil && b.Session == st.s.Nonce && b.Question == p.Check.Number &&
		(state == StateFollowUp || state == StateHelp) {
		if state == StateHelp { // answering ends the help request, as in the test
			if err := st.fire("resume:" + StateFollowUp); err != nil {
				return err
			}
			st.s.Return, st.s.HelpPending = "", false
		}
		it, ok := st.env.Bank.Item(p.Check.Item)
		if !ok {
			return fmt.Errorf("dialog: check item %q is no longer in the bank", p.Check.Item)
		}
		return st.answerButton(it, b, st.checkAnswer, st.askCheck)
	}
	current := st.s.Engine != nil && st.s.Engine.Pending != "" && b.Session == st.s.Nonce && b.Question == st.s.Question
	if !current || (state != StateQuestion && state != StatePaused && state != StateHelp) {
		switch {
		case state == StateQuestion:
			st.say("stale")
			return st.ask(false)
		case state == StateConfirmCampaign && current:
			st.say("use_menu") // answer the campaign's question first
			return st.confirmCampaign()
		}
		st.say("stale_plain")
		return nil
	}
	if state != StateQuestion && st.s.Return == StateConfirmCampaign {
		// Paused or helped at the campaign's question: the diagnostic's
		// button ends the pause, and the campaign's question is asked
		// again, not dropped without a word.
		if err := st.leave(); err != nil {
			return err
		}
		st.say("use_menu")
		return st.confirmCampaign()
	}
	if state != StateQuestion { // pressing the current question's button ends a pause or help
		if err := st.fire("resume:" + StateQuestion); err != nil {
			return err
		}
		st.s.Return, st.s.HelpPending = "", false
	}
	it, err := st.current()
	if err != nil {
		return err
	}
	return st.answerButton(it, b, st.record, st.ask)
}

// answerButton applies an answer button to item it: record scores a final
// answer, ask shows the question again (ticks changed, or a forged button).
func (st *step) answerButton(it *bank.Item, b Button, record func(*bank.Item, bank.Response, string) error, ask func(bool) error) error {
	choices := it.In(st.lang()).Choices
	switch act := b.Action; {
	case act == ActionSkip:
		return record(it, bank.Response{Skip: true}, T(st.lang(), "skipped"))
	case act == ActionValidate:
		if it.Type != bank.Multiple {
			break
		}
		if len(st.s.Selected) == 0 {
			st.say("choose_first")
			return ask(false) // the boxes to tick, again
		}
		picks := slices.Sorted(slices.Values(st.s.Selected))
		return record(it, bank.Response{Choices: picks}, st.answerText(choices, picks))
	case act[0] == 't':
		i := int(act[1] - '0')
		if it.Type != bank.Multiple || i >= len(choices) {
			break
		}
		if k := slices.Index(st.s.Selected, i); k >= 0 {
			st.s.Selected = slices.Delete(st.s.Selected, k, k+1)
		} else {
			st.s.Selected = append(st.s.Selected, i)
		}
		return ask(true)
	default:
		i := int(act[0] - '0')
		if it.Type == bank.Multiple || it.Type == bank.Text || i >= len(choices) {
			break
		}
		return record(it, bank.Response{Choices: []int{i}}, st.answerText(choices, []int{i}))
	}
	// A well-formed button that does not fit this question: forged.
	st.say("stale")
	return ask(false)
}

// record scores and stores an answer, then moves on.
func (st *step) record(it *bank.Item, r bank.Response, shown string) error {
	correct := it.Correct(r)
	if err := st.env.Engine.Answer(st.s.Engine, it.ID, correct, r.Skip); err != nil {
		return err
	}
	resp := responseText(r)
	st.s.Given = append(st.s.Given, Given{Item: it.ID, Response: resp, Correct: correct, Skipped: r.Skip})
	st.t.Answers = append(st.t.Answers, AnswerLog{Item: it.ID, Correct: correct, Skipped: r.Skip, Response: resp, Question: st.s.Question})
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutAnswered, Lang: st.lang(), Answered: &AnsweredView{Session: st.s.Nonce, Number: st.s.Question, Text: shown}})
	if st.s.Campaign != nil && st.s.Campaign.Feedback {
		if correct {
			st.say("right")
		} else {
			st.say("wrong")
			st.say("tip", "tip", it.In(st.lang()).Tip)
		}
	}
	st.s.Selected = nil
	return st.next()
}

// ---- results and review

func (st *step) finish() error {
	if err := st.fire("finish"); err != nil {
		return err
	}
	st.s.FinishedAt = st.env.Now
	st.s.Question = 0
	res, err := st.env.Engine.Result(st.s.Engine)
	if err != nil {
		return err
	}
	st.say("finished", "n", res.Questions)
	ev := st.event(EvFinished, "")
	ev.Result = &res
	ev.Duration = st.env.Now.Sub(st.s.StartedAt)
	st.t.Events = append(st.t.Events, ev)
	if err := st.results(); err != nil {
		return err
	}
	st.offerReview()
	return nil
}

func (st *step) results() error {
	res, err := st.env.Engine.Result(st.s.Engine)
	if err != nil {
		return err
	}
	v := &ResultsView{
		Title: T(st.lang(), "results_title"), Level: res.Level, Pix: res.Pix, PixMax: res.PixMax, Questions: res.Questions,
		Summary:    T(st.lang(), "results_level", "level", res.Level, "pix", res.Pix, "pixmax", res.PixMax),
		TrainTitle: T(st.lang(), "to_train"),
	}
	for _, c := range res.Competences {
		comp, _ := engine.CompetenceByID(c.Competence)
		v.Competences = append(v.Competences, CompetenceView{
			ID: c.Competence, Name: comp.Name(st.lang()), Short: comp.Short(st.lang()), Level: c.Level, LevelLow: c.LevelLow, LevelHigh: c.LevelHigh,
			Value: engine.ContinuousLevel(c.Theta), Pix: c.Pix,
		})
	}
	for _, r := range res.Train {
		comp, _ := engine.CompetenceByID(r.Competence)
		tv := TrainView{Competence: r.Competence, Name: comp.Name(st.lang()), Skill: r.Skill, Level: r.Level}
		for _, id := range r.Missed {
			if it, ok := st.env.Bank.Item(id); ok {
				tv.Tips = append(tv.Tips, it.In(st.lang()).Tip)
			}
		}
		v.Train = append(v.Train, tv)
	}
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutResults, Lang: st.lang(), Results: v})
	return nil
}

func (st *step) missed() []Given {
	var out []Given
	for _, g := range st.s.Given {
		if !g.Correct {
			out = append(out, g)
		}
	}
	return out
}

func (st *step) offerReview() {
	if st.m.current() != StateResults {
		return
	}
	if len(st.missed()) == 0 {
		st.say("no_missed")
		if err := st.closeDiagnostic(); err != nil {
			st.err = err
		}
		return
	}
	st.sayMenu(T(st.lang(), "offer_review"))
}

func (st *step) reviewItem() error {
	missed := st.missed()
	if st.s.Review >= len(missed) {
		st.say("review_done")
		return st.closeDiagnostic()
	}
	g := missed[st.s.Review]
	it, ok := st.env.Bank.Item(g.Item)
	if !ok { // removed from the bank since: skip it
		st.s.Review++
		return st.reviewItem()
	}
	l := it.In(st.lang())
	var right []string
	if it.Type == bank.Text {
		right = append(right, it.Answers[0])
	} else {
		for _, i := range it.CorrectChoices() {
			right = append(right, l.Choices[i])
		}
	}
	text := T(st.lang(), "review_item", "i", st.s.Review+1, "n", len(missed), "prompt", l.Prompt, "answer", strings.Join(right, " · ")) +
		"\n" + T(st.lang(), "tip", "tip", l.Tip)
	st.sayMenu(text)
	return nil
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
	case b.Menu == "review" && state == StateReview && b.Value == "next":
		st.s.Review++
		return st.reviewItem()
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

func (st *step) confirmErase() error {
	st.sayMenu(T(st.lang(), "erase_confirm"))
	return nil
}

func (st *step) erase() error {
	if st.m.can("erase") {
		if err := st.fire("erase"); err != nil {
			return err
		}
	}
	st.t.Erase = true
	st.t.Events = append(st.t.Events, Event{Kind: EvErased, Campaign: st.campaignCode()})
	st.s = Session{State: StateErased, Lang: st.s.Lang}
	st.say("erased")
	return nil
}

func (st *step) keep() error {
	if err := st.keepAll(); err != nil {
		return err
	}
	return st.resend()
}

// keepAll answers no to the erase question: back to the state before it.
func (st *step) keepAll() error {
	ret := st.s.Return
	if !slices.Contains(resumable, ret) {
		ret = StateDone
	}
	if err := st.fire("keep:" + ret); err != nil {
		return err
	}
	st.s.Return = ""
	st.say("erase_cancel")
	return nil
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

// yesNo reads a typed yes (1), no (-1) or anything else (0).
func yesNo(text string) int {
	switch bank.Fold(text) {
	case "oui", "yes", "ok", "d'accord", "daccord", "j'accepte", "i agree", "1", "o", "y":
		return 1
	case "non", "no", "je refuse", "i refuse", "2", "n":
		return -1
	}
	return 0
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
