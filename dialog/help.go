package dialog

import "strings"

// Help: the learner's request for help and the advisor's actions on it
// from Slack.

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
