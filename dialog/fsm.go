package dialog

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/looplab/fsm"
)

// The conversation's states.
const (
	StateNew          = "new"
	StateConsent      = "consent"
	StateExternalID   = "external_id"
	StateQuestion     = "question"
	StateResults      = "results"
	StateReview       = "review"
	StateDone         = "done"
	StatePaused       = "paused"
	StateHelp         = "help"
	StateConfirmErase = "confirm_erase"
	StateErased       = "erased"
	StateFollowUp     = "followup" // the micro-lessons after the diagnostic
	// The learner opened a campaign's link (/start CODE) during a diagnostic
	// of another kind: start the campaign's, losing the answers given?
	StateConfirmCampaign = "confirm_campaign"
)

// States lists every state of the conversation, for the callers that label
// them (reports) and the tests that must cover them all.
var States = []string{StateNew, StateConsent, StateExternalID, StateQuestion, StateResults, StateReview, StateDone,
	StatePaused, StateHelp, StateConfirmErase, StateErased, StateFollowUp, StateConfirmCampaign}

// resumable are the states an erase confirmation returns to; a pause or a
// help request come back to the states they can leave.
var (
	resumable = []string{StateConsent, StateExternalID, StateQuestion, StateConfirmCampaign, StateResults, StateReview, StateDone, StateFollowUp}
	pausable  = []string{StateExternalID, StateQuestion, StateConfirmCampaign, StateResults, StateReview}
	helpable  = []string{StateExternalID, StateQuestion, StateConfirmCampaign, StateResults, StateReview, StateDone, StateFollowUp}
	// started are the states a campaign's diagnostic can start from (its
	// link opened during or after another diagnostic).
	started = []string{StateQuestion, StateConfirmCampaign, StateResults, StateReview, StateDone, StateFollowUp}
)

// events returns the transitions of the conversation. Returning to the state
// before a pause, help or erase confirmation needs one event per target
// (looplab/fsm has one destination per event): "resume:question" and so on.
func events() fsm.Events {
	ev := fsm.Events{
		{Name: "greet", Src: []string{StateNew, StateErased}, Dst: StateConsent},
		{Name: "refuse", Src: []string{StateConsent}, Dst: StateErased},
		{Name: "ask_id", Src: append([]string{StateConsent}, started...), Dst: StateExternalID},
		{Name: "begin", Src: append([]string{StateConsent, StateExternalID}, started...), Dst: StateQuestion},
		{Name: "offer_campaign", Src: []string{StateQuestion}, Dst: StateConfirmCampaign},
		{Name: "decline_campaign", Src: []string{StateConfirmCampaign}, Dst: StateQuestion},
		{Name: "finish", Src: []string{StateQuestion}, Dst: StateResults},
		{Name: "review", Src: []string{StateResults}, Dst: StateReview},
		{Name: "close", Src: []string{StateResults, StateReview}, Dst: StateDone},
		{Name: "follow", Src: []string{StateDone}, Dst: StateFollowUp},
		{Name: "end_path", Src: []string{StateFollowUp}, Dst: StateDone},
		{Name: "pause", Src: pausable, Dst: StatePaused},
		{Name: "help", Src: append([]string{StatePaused}, helpable...), Dst: StateHelp},
		{Name: "ask_erase", Src: append([]string{StatePaused, StateHelp}, resumable...), Dst: StateConfirmErase},
		{Name: "erase", Src: []string{StateConfirmErase}, Dst: StateErased},
	}
	for _, s := range resumable {
		var from []string
		if slices.Contains(pausable, s) {
			from = append(from, StatePaused)
		}
		if slices.Contains(helpable, s) {
			from = append(from, StateHelp)
		}
		if len(from) > 0 {
			ev = append(ev, fsm.EventDesc{Name: "resume:" + s, Src: from, Dst: s})
		}
		ev = append(ev, fsm.EventDesc{Name: "keep:" + s, Src: []string{StateConfirmErase}, Dst: s})
	}
	return ev
}

// Transitions lists every "from>event>to" of the machine, for tests.
func Transitions() []string {
	var out []string
	for _, e := range events() {
		for _, src := range e.Src {
			out = append(out, src+">"+e.Name+">"+e.Dst)
		}
	}
	return out
}

// machine wraps a looplab FSM built from the stored state for one step.
type machine struct {
	f    *fsm.FSM
	done []string
}

func newMachine(state string) *machine {
	if state == "" {
		state = StateNew
	}
	return &machine{f: fsm.NewFSM(state, events(), nil)}
}

func (m *machine) can(event string) bool { return m.f.Can(event) }

// fire moves the machine. A context without cancel: a cancelled one would
// leave looplab/fsm stuck in transition.
func (m *machine) fire(event string) error {
	from := m.f.Current()
	err := m.f.Event(context.WithoutCancel(context.Background()), event)
	var noTransition fsm.NoTransitionError
	if err != nil && !errors.As(err, &noTransition) {
		return fmt.Errorf("dialog: %s in state %s: %w", event, from, err)
	}
	m.done = append(m.done, from+">"+event+">"+m.f.Current())
	return nil
}

func (m *machine) current() string { return m.f.Current() }
