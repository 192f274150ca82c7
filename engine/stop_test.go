package engine

import (
	"encoding/json"
	"testing"
)

func TestLevelStopRule(t *testing.T) {
	e := mustEngine(t, genBank(14, 11))
	skipAll := func(s *State) int {
		return len(playWith(t, e, s, func(Item) (bool, bool) { return false, true }))
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want func(n int) bool
	}{
		{"don't know: one question per competence", Config{Seed: 1, LevelMass: DefaultLevelMass}, func(n int) bool { return n == 16 }},
		{"don't know, minimum 20", Config{Seed: 1, MinQuestions: 20, LevelMass: DefaultLevelMass}, func(n int) bool { return n == 20 }},
		{"don't know, no stop rule", Config{Seed: 1}, func(n int) bool { return n == DefaultMaxQuestions }},
	} {
		s, err := e.Start(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if n := skipAll(s); !tc.want(n) {
			t.Errorf("%s: %d questions", tc.name, n)
		}
	}

	// A learner in the middle of the scale is asked more than one who
	// fails everything, and fewer than the maximum on average.
	total := 0
	for seed := uint64(1); seed <= 10; seed++ {
		s, _ := e.Start(Config{Seed: seed, LevelMass: DefaultLevelMass})
		total += len(play(t, e, s, 0.3, seed))
	}
	if mean := float64(total) / 10; mean <= 16 || mean >= DefaultMaxQuestions {
		t.Errorf("mean %.1f questions for θ = 0.3, want between 16 and %d", mean, DefaultMaxQuestions)
	}
}

// TestStoredStatesKeepTheirRule: a state saved before the stop rule existed
// (no level_mass) runs to its maximum as it would have.
func TestStoredStatesKeepTheirRule(t *testing.T) {
	e := mustEngine(t, genBank(14, 12))
	var s State
	if err := json.Unmarshal([]byte(`{"config":{"competences":["1.1","2.1"],"max_questions":6,"target_se":0.4,"strategy":"adaptive","seed":4}}`), &s); err != nil {
		t.Fatal(err)
	}
	playWith(t, e, &s, func(Item) (bool, bool) { return false, true })
	if len(s.Responses) != 6 {
		t.Errorf("%d questions, want 6", len(s.Responses))
	}
}

// TestRemainingIsAnUpperBound: what the learner is told ("Encore N
// questions au plus") is never exceeded, and it counts down.
func TestRemainingIsAnUpperBound(t *testing.T) {
	e := mustEngine(t, genBank(14, 13))
	for seed := uint64(1); seed <= 20; seed++ {
		s, _ := e.Start(Config{Seed: seed, Competences: []string{"1.1", "3.4", "5.2"}, MaxQuestions: 9, LevelMass: DefaultLevelMass})
		var told []int
		for {
			told = append(told, e.Remaining(s))
			it, done, err := e.Next(s)
			if err != nil {
				t.Fatal(err)
			}
			if done {
				break
			}
			e.Answer(s, it.ID, seed%3 == 0, false)
		}
		n := len(s.Responses)
		if r := e.Remaining(s); r != 0 {
			t.Errorf("seed %d: %d remaining once done", seed, r)
		}
		for i, r := range told {
			if left := n - i; left > r {
				t.Fatalf("seed %d after %d answers: told %d at most, %d came", seed, i, r, left)
			}
			if i > 0 && r > told[i-1] {
				t.Fatalf("seed %d: remaining went up %v", seed, told)
			}
		}
		if told[0] != 9 {
			t.Errorf("seed %d: remaining %v, want 9 first", seed, told)
		}
	}
	if e.Remaining(nil) != 0 {
		t.Error("Remaining(nil) != 0")
	}
}
