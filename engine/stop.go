package engine

// The stop rule.
//
// A competence is decided once it has been asked its minimum (once, or
// Config.MinPerCompetence) and either its
// posterior standard deviation is at most Config.TargetSE, or the posterior
// puts at least Config.LevelMass of its mass within one level of the level
// reported (the learner's level is then right to one level with that
// probability, which is what a result promises). Decided competences are not
// asked any more; the test ends when every target competence is decided and
// MinQuestions are asked, or at MaxQuestions.
//
// The bands at the ends of the scale are wide (level 0 is everything below
// −2.25, level 8 everything above 3), so a learner who fails the easy items,
// or succeeds at the hard ones, is decided after a question or two in each
// competence, while a learner in the middle of the scale is asked more.

// levelMass is the posterior mass of competence c within one level of its
// reported level (the level of its posterior mean).
func (e *Engine) levelMass(post *posterior, c int) float64 {
	l := LevelOf(post.mean[c])
	m := 0.0
	for t, w := range post.comp[c] {
		if d := e.gridLevel[t] - l; d >= -1 && d <= 1 {
			m += w
		}
	}
	return m
}

// decided tells, per framework index, which target competences need no more
// questions.
func (e *Engine) decided(s *State, post *posterior, ans []answered, targets []int) []bool {
	asked := make([]int, len(competences))
	for _, a := range ans {
		asked[e.itemComp[a.item]]++
	}
	need := max(1, s.Config.MinPerCompetence)
	out := make([]bool, len(competences))
	for _, c := range targets {
		out[c] = asked[c] >= need && (post.sd[c] <= s.Config.TargetSE ||
			s.Config.LevelMass > 0 && e.levelMass(post, c) >= s.Config.LevelMass)
	}
	return out
}

// Remaining returns how many more questions the diagnostic asks at most: 0
// when it is over, else what is left of MaxQuestions, and never more than
// the skills of the target competences not asked yet, plus the pilot
// question if it may still come. The stop rule may end it sooner, never
// later.
func (e *Engine) Remaining(s *State) int {
	ans, targets, err := e.check(s)
	if err != nil || s.Done {
		return 0
	}
	left := s.Config.MaxQuestions - len(ans)
	skills := make(map[int]bool)
	for _, i := range e.allowed(ans, "", targets) {
		skills[e.skillOf[i]] = true
	}
	pilot := 0
	if s.Config.Strategy == Adaptive && len(e.pilotsAsked(s)) == 0 && len(ans) <= 4+int(s.Config.Seed%8) {
		for _, c := range targets {
			if len(e.pilots[c]) > 0 {
				pilot = 1
			}
		}
	}
	return max(0, min(left, len(skills))) + pilot
}
