package dialog

import (
	"encoding/json"
	"os"
	"sort"
	"testing"
)

// TestSessionsOfThePreviousVersion: sessions as earlier versions stored
// them, one in each of their states, written by their Step, load and go on:
// /reprendre shows what was asked, the learner can finish, and a campaign's
// link works. sessions-47dd75a.json is from before the campaign's question
// (no "offer"); sessions-4b4de3e.json from before the learner's rewrite
// (issue 16: no misses, no attestation, choices in the item's order). They
// name items of the embedded bank; one that leaves it is replaced (mend).
func TestSessionsOfThePreviousVersion(t *testing.T) {
	for _, file := range []string{"testdata/sessions-47dd75a.json", "testdata/sessions-4b4de3e.json"} {
		t.Run(file, func(t *testing.T) { previousSessions(t, file) })
	}
}

func previousSessions(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var old map[string]Session
	if err := json.Unmarshal(data, &old); err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range old {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) < 12 {
		t.Fatalf("%d sessions in the file, want one in each state of that version", len(names))
	}
	for _, name := range names {
		s := old[name]
		resumed := s.State == StatePaused || s.State == StateHelp
		d := &driver{s: s, now: s.UpdatedAt, lesson: testLesson}
		d.text("/reprendre")
		if w, ok := asked[name]; !ok {
			t.Errorf("%s: no expectation", name)
		} else {
			w.check(t, name, d.last, "fr")
		}
		// A question whose item left the bank since (the content is
		// rewritten) is replaced: then, and only then, the session moves.
		gone := s.Engine != nil && s.Engine.Pending != "" && !inBank(s.Engine.Pending)
		if !resumed && !gone && !sameSession(s, d.s) {
			t.Errorf("%s: /reprendre changed the session", name)
		}
		if gone && (d.s.Engine.Pending == s.Engine.Pending || !inBank(d.s.Engine.Pending) && d.s.Engine.Pending != "") {
			t.Errorf("%s: the question gone from the bank was not replaced: %q", name, d.s.Engine.Pending)
		}
		// Go on to the end of the diagnostic, then past the path's offer.
		for i := 0; ; i++ {
			if i > 80 {
				t.Fatalf("%s: no end, in %s", name, d.s.State)
			}
			switch st := d.s.State; {
			case st == StateQuestion:
				d.text("je ne sais pas")
				continue
			case st == StateConsent:
				d.text("oui")
				continue
			case st == StateExternalID:
				d.menu("id", "skip")
				continue
			case st == StateConfirmErase:
				d.menu("erase", "no")
				continue
			case st == StateConfirmCampaign:
				d.menu("campaign", "no")
				continue
			case st == StateNew && i == 0:
				d.text("/start")
				continue
			case st == StateResults:
				d.menu("review", "later")
				continue
			case st == StateReview:
				d.menu("review", "next")
				continue
			case st == StateFollowUp && d.s.Path.State == PathOffered:
				d.menu("path", "soir")
				continue
			}
			break
		}
		if end := d.s.State; end != StateDone && end != StateFollowUp && end != StateErased {
			t.Errorf("%s: ended in %s", name, end)
		}
		// A campaign's link opened in the stored state.
		d = &driver{s: s, now: s.UpdatedAt, lesson: testLesson, campaign: otherCampaign}
		d.text("/start " + otherCampaign.Code)
		if d.s.Campaign == nil || d.s.Campaign.Code != otherCampaign.Code {
			if d.s.State != StateConfirmCampaign || d.s.Offer == nil || d.s.Offer.Code != otherCampaign.Code {
				t.Errorf("%s: the campaign's link was lost: %s %+v", name, d.s.State, d.last.Outputs)
			}
		}
	}
}

func inBank(id string) bool {
	_, ok := testBank.Item(id)
	return ok
}
