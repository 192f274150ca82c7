package engine

import (
	"math"
	"testing"
)

// TestPilotItems: a pilot item is shown at most once per test, never
// counted, its exposure spread over learners; calibrated, it joins the pool.
func TestPilotItems(t *testing.T) {
	items := genBank(14, 31)
	var pilots []string
	for i := range items {
		if i%14 == 13 || i%14 == 12 { // two new items per competence, skills of their own
			items[i].Skill = "new" + items[i].ID
			if i != 13 {
				pilots = append(pilots, items[i].ID)
			}
		}
	}
	plain := mustEngine(t, items) // the same bank, nothing pilot: for the result
	items[13].Pilot = true        // one marked in the item itself, the others by the caller
	e, err := New(items, Options{Pilots: pilots})
	if err != nil {
		t.Fatal(err)
	}
	isPilot := map[string]bool{items[13].ID: true}
	for _, id := range pilots {
		isPilot[id] = true
	}
	seen := map[string]int{}
	const learners = 400
	withPilot := 0
	for seed := uint64(1); seed <= learners; seed++ {
		s, _ := e.Start(Config{Seed: seed, MaxQuestions: 20})
		remaining := e.Remaining(s)
		shown := play(t, e, s, float64(seed%5)-2, seed)
		n := 0
		for _, id := range shown {
			if isPilot[id] {
				n++
				seen[id]++
			}
		}
		if n > 1 || len(shown)-n != 20 || remaining < len(shown) {
			t.Fatalf("seed %d: %d pilot questions, %d scored, told %d at most", seed, n, len(shown)-n, remaining)
		}
		withPilot += n
		r, _ := e.Result(s)
		if r.Questions != 20 {
			t.Errorf("seed %d: result counts %d questions", seed, r.Questions)
		}
		// Never counted: the result is what the scored answers alone give.
		var scored State
		scored.Config = s.Config
		for _, resp := range s.Responses {
			if !isPilot[resp.Item] {
				scored.Responses = append(scored.Responses, resp)
			}
		}
		r2, _ := plain.Result(&scored)
		if math.Abs(r.Global.Theta-r2.Global.Theta) > 1e-12 {
			t.Fatalf("seed %d: the pilot answer moved the result %.4f → %.4f", seed, r2.Global.Theta, r.Global.Theta)
		}
	}
	if withPilot < learners*9/10 {
		t.Errorf("%d of %d tests had a pilot question", withPilot, learners)
	}
	// Spread: 32 pilot items, about 12 each.
	lo, hi := learners, 0
	for id := range isPilot {
		lo, hi = min(lo, seen[id]), max(hi, seen[id])
	}
	if lo < 3 || hi > 30 {
		t.Errorf("pilot exposure from %d to %d over %d items", lo, hi, len(isPilot))
	}

	// Calibrated with enough answers, a pilot item joins the pool.
	cal := &Calibration{Items: []CalibratedItem{{ID: items[13].ID, A: 1.2, B: 0.3, N: DefaultPilotAnswers}}}
	e2, _ := New(items, Options{Pilots: pilots, Calibration: cal})
	if e2.pilot[13] || !e2.pilot[e2.byID[pilots[0]]] {
		t.Error("a calibrated pilot item did not join the pool, or another one did")
	}
}
