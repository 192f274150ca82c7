package dialog

import "strings"

// Help: the learner's request for help and the advisor's actions on it
// from Slack.

// SolidariteNumerique is the public helpline for digital questions, run by
// La MedNum: free of extra charge, on weekdays (checked in press and
// government pages, 2020; the README says how to check it again).
const (
	SolidariteNumeriquePhone = "01 70 772 372"
	SolidariteNumeriqueHours = "du lundi au vendredi, de 9 h à 18 h"
)

// DefaultHelpHours is when an advisor answers, unless the campaign says.
const DefaultHelpHours = "sous 2 jours ouvrés"

// help is /aide: the advisor is told and the learner's next messages go to
// them, with when an answer may come; with no advisor to reach, it says so
// honestly and gives Solidarité Numérique's phone number instead.
func (st *step) help() error {
	state := st.m.current()
	if state == StateNew || state == StateErased || state == StateConsent || state == StateConfirmErase || state == StateHelp {
		st.say("commands")
		return nil
	}
	if st.env.NoAdvisor {
		st.say("help_no_advisor", "phone", SolidariteNumeriquePhone, "hours", SolidariteNumeriqueHours)
		return nil
	}
	st.s.Return = returnOf(state, st.s.Return)
	if err := st.fire("help"); err != nil {
		return err
	}
	st.s.HelpPending, st.s.HelpClaimed = true, "" // a new request: not taken yet
	st.t.Events = append(st.t.Events, st.event(EvHelp, truncate(st.in.Args, MaxInputText)))
	st.say("help", "when", st.helpHours())
	return nil
}

// helpHours is when the campaign's advisors answer.
func (st *step) helpHours() string {
	if c := st.s.Campaign; c != nil && c.HelpHours != "" {
		return c.HelpHours
	}
	if st.lang() == "en" {
		return "within 2 working days"
	}
	return DefaultHelpHours
}

// advisor handles an advisor's action from Slack on the learner's help request.
func (st *step) advisor() error {
	state := st.m.current()
	if state == StateNew || state == StateErased {
		return nil // the learner is gone: nothing to say to anyone
	}
	ev := st.event("", "")
	ev.Advisor, ev.Ref = st.in.Advisor, st.in.Ref
	switch st.in.What {
	case "claim":
		ev.Kind = EvClaimed
		st.t.Events = append(st.t.Events, ev)
		if st.s.HelpPending && st.s.HelpClaimed == "" {
			st.say("help_claimed")
		}
		st.s.HelpClaimed = st.in.Advisor
	case "reply":
		text := strings.TrimSpace(st.in.Text)
		if text == "" {
			return nil
		}
		st.say("advisor_says", "text", truncate(text, MaxInputText))
	case "resolve":
		ev.Kind = EvResolved
		st.t.Events = append(st.t.Events, ev)
		st.s.HelpPending, st.s.HelpClaimed = false, ""
		if state == StateHelp {
			st.say("help_resolved")
			return st.resume()
		}
	}
	return nil
}
