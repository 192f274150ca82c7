package dialog

import (
	"slices"
	"strings"
	"time"
)

// The learner's data: what is kept, in words, before the file
// (/mesdonnees), and erasing it all (/supprimer) after a confirmation.

// dataKept says what is kept about the learner: answers, results, dates.
func (st *step) dataKept() string {
	lang := st.lang()
	var lines []string
	if st.s.ConsentAt != nil {
		lines = append(lines, T(lang, "data_since", "date", st.date(*st.s.ConsentAt)))
	}
	if n := st.answered(); n > 0 {
		lines = append(lines, T(lang, "data_answers", "questions", st.questions(n)))
	}
	if !st.s.FinishedAt.IsZero() && st.s.Engine != nil {
		if res, err := st.env.Engine.Result(st.s.Engine); err == nil {
			lines = append(lines, T(lang, "data_results", "date", st.date(st.s.FinishedAt), "level", st.levelText("level_short", res.Level)))
		}
	}
	if st.s.ExternalID != "" {
		lines = append(lines, T(lang, "data_id", "id", st.s.ExternalID))
	}
	if st.s.Path != nil && st.s.Path.Slot != "" {
		lines = append(lines, T(lang, "data_path"))
	}
	if len(lines) == 0 {
		return T(lang, "data_nothing")
	}
	return "• " + strings.Join(lines, "\n• ")
}

// dataWho says who sees it.
func (st *step) dataWho() string {
	if c := st.s.Campaign; c != nil && !st.env.NoAdvisor {
		return T(st.lang(), "data_who_campaign", "campaign", c.Name)
	}
	if st.env.NoAdvisor {
		return T(st.lang(), "data_who_nobody")
	}
	return T(st.lang(), "data_who")
}

// date is a day as the learner reads it: "23/11/2026".
func (st *step) date(t time.Time) string {
	l := t.In(st.fu().Zone())
	if st.lang() == "en" {
		return l.Format("2 January 2006")
	}
	return l.Format("02/01/2006")
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
