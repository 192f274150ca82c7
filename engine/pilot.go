package engine

// Pilot items.
//
// A new item has no data: its a and b are its author's guess. Marked pilot,
// it is field-tested: shown at most once per test, at a question between the
// 5th and the 12th (after the easy start), never counted in the result, its
// answer kept in the log for calibration. Which pilot a learner sees is drawn
// from the test's seed, uniformly among the pilot items of the target
// competences whose skill has not been asked, so exposure is spread evenly
// over learners. Once a calibration holds at least PilotAnswers answers to
// it, the item enters the adaptive pool with its fitted parameters.

// DefaultPilotAnswers is how many answers make a pilot item operational: the
// b of an item with 200 answers is known to about ±0.15.
const DefaultPilotAnswers = 200

// pilotItems tells which items are still pilot, and lists them per
// competence.
func pilotItems(items []Item, opts Options) ([]bool, [][]int) {
	marked := make(map[string]bool, len(opts.Pilots))
	for _, id := range opts.Pilots {
		marked[id] = true
	}
	need := opts.PilotAnswers
	if need <= 0 {
		need = DefaultPilotAnswers
	}
	answers := map[string]int{}
	if opts.Calibration != nil {
		for _, ci := range opts.Calibration.Items {
			answers[ci.ID] = ci.N
		}
	}
	pilot := make([]bool, len(items))
	byComp := make([][]int, len(competences))
	for i, it := range items {
		if (it.Pilot || marked[it.ID]) && answers[it.ID] < need {
			pilot[i] = true
			if c := CompetenceIndex(it.Competence); c >= 0 {
				byComp[c] = append(byComp[c], i)
			}
		}
	}
	return pilot, byComp
}

// pilotsAsked lists the pilot items the test has asked.
func (e *Engine) pilotsAsked(s *State) []answered {
	var out []answered
	for _, r := range s.Responses {
		if j, ok := e.byID[r.Item]; ok && e.pilot[j] {
			out = append(out, answered{item: j})
		}
	}
	return out
}

// pilotDue returns the pilot item to ask now, if this is the test's pilot
// question: none asked yet, n scored questions asked, n the position drawn
// from the seed (4 to 11), and a pilot of a target competence available.
func (e *Engine) pilotDue(s *State, n int, ans, asked []answered, targets []int) (int, bool) {
	if len(asked) > 0 || s.Config.Strategy != Adaptive || n != 4+int(s.Config.Seed%8) {
		return 0, false
	}
	used := make([]bool, e.nSkills)
	for _, a := range ans {
		used[e.skillOf[a.item]] = true
	}
	var cands []int
	for _, c := range targets {
		for _, i := range e.pilots[c] {
			if !used[e.skillOf[i]] {
				cands = append(cands, i)
			}
		}
	}
	if len(cands) == 0 {
		return 0, false
	}
	// A draw of its own, so the scored questions' draws stay as they were.
	return cands[rngFor(s.Config.Seed^0x9170c7, n).IntN(len(cands))], true
}
