package dialog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// Welcome: /start, campaigns, the privacy notice (consent) and the
// external identifier.

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
	want, err := st.env.Engine.Start(c.engineConfig(0))
	if err != nil {
		return false
	}
	w := want.Config
	return slices.Equal(w.Competences, cur.Config.Competences) && w.MaxQuestions == cur.Config.MaxQuestions &&
		w.TargetSE == cur.Config.TargetSE && w.Strategy == cur.Config.Strategy &&
		w.LevelMass == cur.Config.LevelMass && w.MinQuestions == cur.Config.MinQuestions
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
	st.sayMenu(T(st.lang(), "ask_external_id", "label", T(st.lang(), st.externalIDKind().Label)))
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

// ExternalID is a kind of identifier a campaign may ask for: its label in
// the question and its format.
type ExternalID struct {
	Label, Bad string // text keys
	Valid      func(id string) bool
}

// ExternalIDs are the identifiers a campaign may ask for, by kind ("" is
// France Travail's). France Travail's have 7 digits and a letter or digit;
// the check is looser (4 to 20 letters or digits, digits among them) so a
// learner's older number is not refused, while a word ("aucun") is. A
// Mission Locale's file number (i-milo) is digits.
var ExternalIDs = map[string]ExternalID{
	"france_travail": {"id_france_travail", "id_bad_france_travail", func(id string) bool {
		return externalIDPattern.MatchString(id) && strings.ContainsAny(id, "0123456789")
	}},
	"mission_locale": {"id_mission_locale", "id_bad_mission_locale", regexp.MustCompile(`^[0-9]{4,12}$`).MatchString},
}

var externalIDPattern = regexp.MustCompile(`^[A-Za-z0-9]{4,20}$`)

// KnownExternalID tells whether kind names an identifier ("" is France
// Travail's).
func KnownExternalID(kind string) bool {
	_, ok := ExternalIDs[kind]
	return ok || kind == ""
}

// externalIDKind is the identifier the learner's campaign asks for.
func (st *step) externalIDKind() ExternalID {
	if c := st.s.Campaign; c != nil {
		if k, ok := ExternalIDs[c.ExternalIDKind]; ok {
			return k
		}
	}
	return ExternalIDs["france_travail"]
}

func (st *step) externalID(text string) error {
	text = strings.TrimSpace(text)
	if f := bank.Fold(text); f == "passer" || f == "skip" || isDontKnow(text) {
		return st.begin() // "je ne sais pas" is always an answer: here, skip
	}
	id := strings.ReplaceAll(text, " ", "")
	kind := st.externalIDKind()
	if !kind.Valid(id) {
		st.sayMenu(T(st.lang(), kind.Bad))
		return nil
	}
	st.s.ExternalID = strings.ToUpper(id)
	return st.begin()
}

// begin starts a new diagnostic with the campaign's settings.
func (st *step) begin() error {
	cfg := engine.Config{Seed: st.env.Random}
	if c := st.s.Campaign; c != nil {
		cfg = c.engineConfig(st.env.Random)
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
	most := st.env.Engine.Remaining(es) // the campaign's maximum, or the skills there are
	st.say("intro", "max", most, "min", minutes(most))
	return st.next()
}

// SecondsPerQuestion is how long a question takes a learner, reading and
// answering on a phone: the intro's duration is the stop rule's longest
// diagnostic at this pace.
const SecondsPerQuestion = 40

// minutes is how long n questions take, rounded up.
func minutes(n int) int { return (n*SecondsPerQuestion + 59) / 60 }

// resetDiagnostic forgets the diagnostic in the session, and the follow-up
// path made of it (its answers stay in the answer log).
func (st *step) resetDiagnostic() {
	st.s.Engine, st.s.Question, st.s.Selected = nil, 0, nil
	st.s.Given, st.s.Review, st.s.Path = nil, 0, nil
	st.s.StartedAt, st.s.FinishedAt = timeZero, timeZero
}

// engineConfig is what campaign c asks of the engine.
func (c *Campaign) engineConfig(seed uint64) engine.Config {
	cfg := engine.Config{Profile: c.Profile, Competences: c.Competences, MaxQuestions: c.MaxQuestions, Seed: seed}
	if c.StopWhenKnown {
		cfg.LevelMass, cfg.MinQuestions = engine.DefaultLevelMass, c.MinQuestions
	}
	return cfg
}
