package dialog

import "slices"

// The learner's data: erasing it all (/supprimer) after a confirmation.

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
