package dialog

import (
	"strings"
	"time"
)

// The commands a learner types (/aide, /pause, /resultats …), and going
// back to what was asked after a pause, a help request or a language change.

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
	"attestation": "attestation", "certificate": "attestation",
}

func (st *step) command() error {
	state := st.m.current()
	switch st.in.Command {
	case "start":
		return st.start()
	case "aide":
		return st.help()
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
			st.say("no_results", "questions", st.questions(st.answered()))
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
	case "attestation":
		return st.askAttestation()
	case "lieux":
		return st.askPlaces()
	case "mesdonnees":
		st.say("data_summary", "kept", st.dataKept(), "who", st.dataWho())
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
		st.sayMenu(T(st.lang(), "ask_external_id", "label", T(st.lang(), st.externalIDKind().Label)))
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
		if p := st.s.Path; p != nil && p.Retest != nil {
			if p.Retest.Number == 0 {
				st.sayMenu(T(st.lang(), "retest_offer", "questions", st.questions(len(p.Retest.Items))))
				return nil
			}
			return st.askRetest(false)
		}
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
