package engine

import (
	"slices"
	"testing"
)

func TestProfiles(t *testing.T) {
	e := mustEngine(t, genBank(14, 41))
	for seed := uint64(1); seed <= 20; seed++ {
		s, err := e.Start(Config{Profile: "emploi", Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.Config.Competences, []string{"1.1", "2.1", "2.2", "2.4", "4.1", "4.2"}) || s.Config.MaxQuestions != 24 {
			t.Fatalf("emploi: %+v", s.Config)
		}
		play(t, e, s, float64(seed%5)-2, seed)
		r, _ := e.Result(s)
		for _, cr := range r.Competences {
			if cr.Questions < 4 || cr.Estimated {
				t.Errorf("seed %d: %s had %d questions (estimated %v), want ≥ 4", seed, cr.Competence, cr.Questions, cr.Estimated)
			}
		}
	}
	s, _ := e.Start(Config{Profile: "complet", Seed: 1, MaxQuestions: 16})
	play(t, e, s, 0, 1)
	r, _ := e.Result(s)
	for _, cr := range r.Competences {
		if cr.Questions != 1 || !cr.Estimated {
			t.Errorf("16 questions over 16: %s had %d (estimated %v)", cr.Competence, cr.Questions, cr.Estimated)
		}
	}
	for _, cfg := range []Config{{Profile: "nope"}, {Profile: "emploi", MaxQuestions: 20}} {
		if _, err := e.Start(cfg); err == nil {
			t.Errorf("Start(%+v) accepted", cfg)
		}
	}
	if p, ok := ProfileByID("emploi"); !ok || p.MinPerCompetence != 4 || len(Profiles()) != 2 {
		t.Errorf("profiles: %+v", Profiles())
	}
}
