package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

// genBank makes perComp items for every competence, levels cycling 1–7 and
// skills in pairs (items 2k and 2k+1 share a skill), parameters jittered.
func genBank(perComp int, seed uint64) []Item {
	rng := rand.New(rand.NewPCG(seed, 1))
	var items []Item
	for _, c := range CompetenceIDs() {
		for i := 0; i < perComp; i++ {
			l := i%7 + 1
			items = append(items, Item{
				ID: fmt.Sprintf("g%s-%d", c, i), Competence: c, Skill: fmt.Sprintf("s%d", i/2), Level: l,
				A: 1 + rng.Float64(), B: DefaultB(l) + 0.3*rng.NormFloat64(),
			})
		}
	}
	return items
}

func mustEngine(t testing.TB, items []Item) *Engine {
	t.Helper()
	e, err := New(items, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestFramework(t *testing.T) {
	if got := len(Competences()); got != 16 {
		t.Fatalf("%d competences, want 16", got)
	}
	if got := len(Areas()); got != 5 {
		t.Fatalf("%d areas, want 5", got)
	}
	perArea := map[int]int{}
	for _, c := range Competences() {
		perArea[c.Area]++
		if c.NameFR == "" || c.NameEN == "" || c.Name("en") != c.NameEN || c.Name("fr") != c.NameFR ||
			c.Short("fr") == "" || c.Short("en") == "" || len([]rune(c.ShortFR)) > 24 {
			t.Errorf("competence %s lacks a name", c.ID)
		}
		if c.ID[0]-'0' != byte(c.Area) {
			t.Errorf("competence %s is in area %d", c.ID, c.Area)
		}
	}
	if want := map[int]int{1: 3, 2: 4, 3: 4, 4: 3, 5: 2}; fmt.Sprint(perArea) != fmt.Sprint(want) {
		t.Errorf("competences per area %v, want %v", perArea, want)
	}
	if c, ok := CompetenceByID("4.2"); !ok || c.NameFR != "Protéger les données personnelles et la vie privée" {
		t.Errorf("4.2 = %+v", c)
	}
	if got := SortCompetenceIDs([]string{"5.2", "1.1", "3.4", "1.1"}); !slices.Equal(got, []string{"1.1", "3.4", "5.2"}) {
		t.Errorf("SortCompetenceIDs = %v", got)
	}
}

func TestLevels(t *testing.T) {
	tests := []struct {
		theta float64
		want  int
	}{
		{-9, 0}, {DefaultB(1) - 0.01, 0}, {DefaultB(1), 1}, {DefaultB(2) - 0.01, 1}, {0, 4},
		{DefaultB(6), 6}, {DefaultB(8), 8}, {9, 8},
	}
	for _, tt := range tests {
		if got := LevelOf(tt.theta); got != tt.want {
			t.Errorf("LevelOf(%g) = %d, want %d", tt.theta, got, tt.want)
		}
	}
	// The documented mapping: at level L's threshold, a typical level-L item
	// is answered right half the time, and more often above it.
	for l := MinLevel; l <= MaxLevel; l++ {
		if p := prob(DefaultA, DefaultB(l), DefaultB(l)); math.Abs(p-0.5) > 1e-12 {
			t.Errorf("level %d: P at threshold = %g", l, p)
		}
		if p := prob(DefaultA, DefaultB(l), DefaultB(l)+0.1); p <= 0.5 {
			t.Errorf("level %d: P above threshold = %g", l, p)
		}
	}
	if ContinuousLevel(-9) != 0 || ContinuousLevel(9) != 8 || ContinuousLevel(0) != 4 {
		t.Errorf("ContinuousLevel clamps and maps 0 to 4")
	}
}

// TestPosteriorMatchesBruteForce checks the factorized posterior against a
// direct sum over (g, θ1, θ2) on the same grids.
func TestPosteriorMatchesBruteForce(t *testing.T) {
	items := genBank(6, 3)
	e := mustEngine(t, items)
	pick := func(id string) answered { return answered{item: e.byID[id]} }
	ans := []answered{pick("g1.1-0"), pick("g1.1-3"), pick("g2.1-5"), pick("g2.1-1")}
	ans[0].correct, ans[2].correct = true, true
	targets := []int{CompetenceIndex("1.1"), CompetenceIndex("2.1")}
	post := e.posteriorOf(ans, targets)

	gr := e.grid
	like := func(c int, t int) float64 {
		l := 1.0
		for _, a := range ans {
			if e.itemComp[a.item] != c {
				continue
			}
			p := e.pTable[a.item][t]
			if a.correct {
				l *= p
			} else {
				l *= 1 - p
			}
		}
		return l
	}
	c1, c2 := targets[0], targets[1]
	var z, m1, m2, s1, s2, sAvg float64
	for gi := range gr.g {
		for t1, th1 := range gr.theta {
			w1 := gr.gPrior[gi] * gr.cond[gi][t1] * like(c1, t1)
			for t2, th2 := range gr.theta {
				w := w1 * gr.cond[gi][t2] * like(c2, t2)
				z += w
				m1 += w * th1
				m2 += w * th2
				s1 += w * th1 * th1
				s2 += w * th2 * th2
				sAvg += w * (th1 + th2) * (th1 + th2) / 4
			}
		}
	}
	m1, m2, s1, s2, sAvg = m1/z, m2/z, s1/z, s2/z, sAvg/z
	sd1, sd2 := math.Sqrt(s1-m1*m1), math.Sqrt(s2-m2*m2)
	avg := (m1 + m2) / 2
	sdAvg := math.Sqrt(sAvg - avg*avg)
	for _, chk := range []struct {
		name      string
		got, want float64
	}{
		{"mean 1.1", post.mean[c1], m1}, {"mean 2.1", post.mean[c2], m2},
		{"sd 1.1", post.sd[c1], sd1}, {"sd 2.1", post.sd[c2], sd2},
		{"global", post.global.Theta, avg}, {"global se", post.global.SE, sdAvg},
	} {
		if math.Abs(chk.got-chk.want) > 1e-9 {
			t.Errorf("%s = %.12f, brute force %.12f", chk.name, chk.got, chk.want)
		}
	}
}

func TestAnswersInformOtherCompetences(t *testing.T) {
	e := mustEngine(t, genBank(8, 1))
	s, _ := e.Start(Config{Competences: []string{"1.1", "4.1"}, Seed: 7})
	r0, _ := e.Result(s)
	if math.Abs(r0.Competences[0].Theta) > 1e-9 || math.Abs(r0.Competences[0].SE-1) > 0.01 {
		t.Fatalf("prior estimate %+v, want θ=0 SE≈1", r0.Competences[0])
	}
	// Right answers in 1.1 only raise 1.1 a lot and 4.1 a little (ρ=0.7).
	s.Config.MaxQuestions = 3
	for i := 0; i < 3; i++ {
		s.Responses = append(s.Responses, Response{Item: fmt.Sprintf("g1.1-%d", 2*i+1), Correct: true})
	}
	r, err := e.Result(s)
	if err != nil {
		t.Fatal(err)
	}
	c11, c41 := r.Competences[0], r.Competences[1]
	if !(c11.Theta > c41.Theta && c41.Theta > 0.2) {
		t.Errorf("θ1.1=%.2f θ4.1=%.2f: want 1.1 > 4.1 > 0.2", c11.Theta, c41.Theta)
	}
	if !(c41.SE < 1 && c11.SE < c41.SE) {
		t.Errorf("SE1.1=%.2f SE4.1=%.2f: both should shrink, 1.1 more", c11.SE, c41.SE)
	}
}

// play answers a diagnostic with a fixed true ability per competence.
func play(t *testing.T, e *Engine, s *State, theta float64, seed uint64) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 2))
	return playWith(t, e, s, func(it Item) (bool, bool) { return rng.Float64() < prob(it.A, it.B, theta), false })
}

// playWith runs the test to its end, answering with answer (right,
// skipped), and returns the items shown.
func playWith(t testing.TB, e *Engine, s *State, answer func(Item) (bool, bool)) []string {
	t.Helper()
	var shown []string
	for {
		it, done, err := e.Next(s)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			return shown
		}
		shown = append(shown, it.ID)
		right, skipped := answer(it)
		if err := e.Answer(s, it.ID, right, skipped); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSelectionConstraints(t *testing.T) {
	items := genBank(12, 2)
	e := mustEngine(t, items)
	for _, st := range Strategies() {
		for seed := uint64(1); seed <= 20; seed++ {
			targets := []string{"1.3", "2.4", "3.4", "5.1"}
			s, err := e.Start(Config{Competences: targets, MaxQuestions: 12, Strategy: st, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			shown := play(t, e, s, float64(seed%5)-2, seed)
			if len(shown) > 12 {
				t.Fatalf("%s: %d questions asked, max 12", st, len(shown))
			}
			seenItem, seenSkill, comps := map[string]bool{}, map[string]bool{}, map[string]bool{}
			for _, id := range shown {
				it, _ := e.Item(id)
				if seenItem[id] {
					t.Fatalf("%s seed %d: item %s asked twice", st, seed, id)
				}
				if key := it.Competence + "/" + it.Skill; seenSkill[key] {
					t.Fatalf("%s seed %d: skill %s asked twice", st, seed, key)
				} else {
					seenSkill[key] = true
				}
				seenItem[id] = true
				if !slices.Contains(targets, it.Competence) {
					t.Fatalf("%s: item %s outside the campaign's competences", st, id)
				}
				comps[it.Competence] = true
			}
			if st == Adaptive && len(comps) != len(targets) {
				t.Errorf("adaptive seed %d visited %v, want all of %v", seed, comps, targets)
			}
		}
	}
}

func TestEveryTargetVisitedEvenWhenTight(t *testing.T) {
	e := mustEngine(t, genBank(10, 4))
	for seed := uint64(1); seed <= 30; seed++ {
		s, _ := e.Start(Config{MaxQuestions: 16, Seed: seed})
		shown := play(t, e, s, 1.5, seed)
		comps := map[string]bool{}
		for _, id := range shown {
			it, _ := e.Item(id)
			comps[it.Competence] = true
		}
		if len(comps) != 16 {
			t.Fatalf("seed %d: %d of 16 competences visited in 16 questions", seed, len(comps))
		}
	}
}

func TestFirstQuestionsAreEasy(t *testing.T) {
	e := mustEngine(t, genBank(14, 5))
	for seed := uint64(1); seed <= 50; seed++ {
		s, _ := e.Start(Config{Seed: seed})
		for n := 0; n < 4; n++ {
			ans, targets, _ := e.check(s)
			post := e.posteriorOf(ans, targets)
			it, _, err := e.Next(s)
			if err != nil {
				t.Fatal(err)
			}
			i := e.byID[it.ID]
			p := 0.0
			for t, w := range post.comp[e.itemComp[i]] {
				p += w * e.pTable[i][t]
			}
			if p < 0.8 {
				// Allowed only when no allowed item of an undecided
				// competence is that easy: then one of the DefaultTopK easiest.
				dec := e.decided(s, post, ans, targets)
				var ps []float64
				for _, j := range e.allowed(ans, "", targets) {
					if dec[e.itemComp[j]] {
						continue
					}
					q := 0.0
					for t, w := range post.comp[e.itemComp[j]] {
						q += w * e.pTable[j][t]
					}
					ps = append(ps, q)
				}
				slices.Sort(ps)
				slices.Reverse(ps)
				if ps[0] >= 0.8 || p < ps[DefaultTopK-1]-1e-12 {
					t.Fatalf("seed %d question %d: predicted success %.2f, easiest allowed %.2f", seed, n+1, p, ps[0])
				}
			}
			e.Answer(s, it.ID, false, n%2 == 0) // a shaky learner: misses and skips
		}
	}
}

func TestDeterministicAndRestorable(t *testing.T) {
	e := mustEngine(t, genBank(12, 6))
	run := func(cut int) ([]string, Result) {
		s, _ := e.Start(Config{Seed: 99, MaxQuestions: 20})
		rng := rand.New(rand.NewPCG(5, 5))
		var shown []string
		for n := 0; ; n++ {
			if n == cut { // save and restore through JSON mid-way
				data, err := json.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				s = new(State)
				if err := json.Unmarshal(data, s); err != nil {
					t.Fatal(err)
				}
			}
			it, done, err := e.Next(s)
			if err != nil {
				t.Fatal(err)
			}
			if n == cut+1 { // Next twice before answering gives the same item
				again, _, _ := e.Next(s)
				if again.ID != it.ID {
					t.Fatalf("Next not idempotent: %s then %s", it.ID, again.ID)
				}
			}
			if done {
				break
			}
			shown = append(shown, it.ID)
			e.Answer(s, it.ID, rng.Float64() < 0.6, rng.Float64() < 0.1)
		}
		r, err := e.Result(s)
		if err != nil {
			t.Fatal(err)
		}
		return shown, r
	}
	base, baseRes := run(-1)
	for _, cut := range []int{0, 1, 7, 19} {
		shown, res := run(cut)
		if !slices.Equal(shown, base) {
			t.Fatalf("restored at %d: questions differ\n%v\n%v", cut, shown, base)
		}
		a, _ := json.Marshal(res)
		b, _ := json.Marshal(baseRes)
		if string(a) != string(b) {
			t.Fatalf("restored at %d: results differ", cut)
		}
	}
}

func TestAnswerRefusesStaleAndForged(t *testing.T) {
	e := mustEngine(t, genBank(10, 7))
	s, _ := e.Start(Config{Seed: 1, MaxQuestions: 16})
	it, _, _ := e.Next(s)
	before, _ := json.Marshal(s)
	for _, id := range []string{"", "nope", "g5.2-9"} {
		if id == it.ID {
			continue
		}
		if err := e.Answer(s, id, true, false); !errors.Is(err, ErrNotPending) {
			t.Errorf("Answer(%q) = %v, want ErrNotPending", id, err)
		}
	}
	after, _ := json.Marshal(s)
	if string(before) != string(after) {
		t.Fatal("a refused answer changed the state")
	}
	if err := e.Answer(s, it.ID, false, true); err != nil {
		t.Fatal(err)
	}
	if err := e.Answer(s, it.ID, true, false); !errors.Is(err, ErrNotPending) {
		t.Errorf("replayed answer = %v, want ErrNotPending", err)
	}
	r, _ := e.Result(s)
	if s.Responses[0].Correct || !s.Responses[0].Skipped || !slices.Equal(r.Missed, []string{it.ID}) {
		t.Errorf("\"Je ne sais pas\" must be a remembered miss: %+v %v", s.Responses[0], r.Missed)
	}
}

func TestStopRules(t *testing.T) {
	e := mustEngine(t, genBank(20, 8))
	t.Run("max", func(t *testing.T) {
		s, _ := e.Start(Config{Seed: 3, MaxQuestions: 16})
		if n := len(play(t, e, s, 0, 1)); n != 16 {
			t.Errorf("%d questions, want 16", n)
		}
		if _, done, _ := e.Next(s); !done || !s.Done {
			t.Error("finished state must stay done")
		}
		if err := e.Answer(s, "x", true, false); !errors.Is(err, ErrDone) {
			t.Errorf("answer after the end = %v", err)
		}
	})
	t.Run("precision", func(t *testing.T) {
		s, _ := e.Start(Config{Seed: 3, Competences: []string{"3.1"}, MaxQuestions: 40, TargetSE: 0.6})
		n := len(play(t, e, s, 0, 1))
		r, _ := e.Result(s)
		if n >= 10 || r.Competences[0].SE > 0.6 {
			t.Errorf("%d questions, SE %.2f: should stop early at SE ≤ 0.6", n, r.Competences[0].SE)
		}
	})
	t.Run("bank exhausted", func(t *testing.T) {
		s, _ := e.Start(Config{Seed: 3, Competences: []string{"3.1"}, MaxQuestions: 40, TargetSE: 0.05})
		if n := len(play(t, e, s, 0, 1)); n != 10 { // 20 items, 10 skills
			t.Errorf("%d questions, want 10 (one per skill)", n)
		}
	})
}

func TestStartValidates(t *testing.T) {
	e := mustEngine(t, genBank(3, 1)[:3]) // only competence 1.1
	for _, cfg := range []Config{
		{Competences: []string{"9.9"}},
		{Competences: []string{"2.1"}},
		{MaxQuestions: 500},
		{Competences: []string{"1.1"}, TargetSE: 0.01},
		{Competences: []string{"1.1"}, Strategy: "magic"},
	} {
		if _, err := e.Start(cfg); err == nil {
			t.Errorf("Start(%+v) accepted", cfg)
		}
	}
	if _, err := New([]Item{{ID: "x", Competence: "1.1", Skill: "s", Level: 9, A: 1}}, Options{}); err == nil {
		t.Error("New accepted level 9")
	}
	if _, err := New(nil, Options{Rho: 1}); err == nil {
		t.Error("New accepted ρ=1")
	}
}

func TestResultScoresAndRecommendations(t *testing.T) {
	e := mustEngine(t, genBank(14, 9))
	s, _ := e.Start(Config{Seed: 11})
	play(t, e, s, -0.5, 4)
	r, err := e.Result(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Competences) != 16 || r.PixMax != 1024 {
		t.Fatalf("%d competences, pix max %d", len(r.Competences), r.PixMax)
	}
	sum := 0
	for _, c := range r.Competences {
		if c.Pix < 0 || c.Pix > 64 || c.LevelLow > c.Level || c.Level > c.LevelHigh {
			t.Errorf("competence %+v out of range", c)
		}
		sum += c.Pix
	}
	if sum != r.Pix {
		t.Errorf("pix %d, sum of competences %d", r.Pix, sum)
	}
	if len(r.Train) != MaxRecommendations {
		t.Fatalf("%d recommendations", len(r.Train))
	}
	sorted := append([]CompetenceResult(nil), r.Competences...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Theta < sorted[j].Theta })
	for i, rec := range r.Train {
		if rec.Competence != sorted[i].Competence {
			t.Errorf("recommendation %d in %s, want weakest %s", i, rec.Competence, sorted[i].Competence)
		}
		if rec.Level > sorted[i].Level+2 {
			t.Errorf("recommendation %+v is far above level %d", rec, sorted[i].Level)
		}
		for _, id := range rec.Missed {
			if !slices.Contains(r.Missed, id) {
				t.Errorf("recommendation lists %s as missed", id)
			}
		}
	}
}

// BenchmarkNext measures next-item selection on a generated bank of 2,000
// items, at every stage of a 32-question diagnostic, and reports p50 and p99.
func BenchmarkNext(b *testing.B) {
	items := genBank(125, 10) // 16 × 125 = 2,000
	e := mustEngine(b, items)
	var durations []time.Duration
	rng := rand.New(rand.NewPCG(1, 1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, _ := e.Start(Config{Seed: uint64(i)})
		for {
			t0 := time.Now()
			it, done, err := e.Next(s)
			durations = append(durations, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			if done {
				break
			}
			e.Answer(s, it.ID, rng.Float64() < 0.5, false)
		}
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
}

func TestRecommendMoreThanTheTargets(t *testing.T) {
	e := mustEngine(t, genBank(14, 3))
	s, err := e.Start(Config{Competences: []string{"1.1", "4.1"}, MaxQuestions: 6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	playWith(t, e, s, func(it Item) (bool, bool) { return it.Competence == "4.1", false })
	res, _ := e.Result(s)
	recs, err := e.Recommend(s, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("want 5 skills, got %d", len(recs))
	}
	// The first ones are Result.Train's; the weakest competence (1.1) leads.
	for i, r := range res.Train {
		if recs[i].Competence != r.Competence || recs[i].Skill != r.Skill {
			t.Errorf("recommendation %d: %+v, Train has %+v", i, recs[i], r)
		}
	}
	if recs[0].Competence != "1.1" {
		t.Errorf("weakest competence first: %+v", recs[0])
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.Competence+r.Skill] {
			t.Errorf("skill %s/%s twice", r.Competence, r.Skill)
		}
		seen[r.Competence+r.Skill] = true
	}
}

func TestObserveUpdatesTheEstimate(t *testing.T) {
	e := mustEngine(t, genBank(14, 3))
	s, _ := e.Start(Config{Competences: []string{"1.1"}, MaxQuestions: 4, Seed: 2})
	var first string
	for {
		it, done, _ := e.Next(s)
		if done {
			break
		}
		if first == "" {
			first = it.ID
		}
		e.Answer(s, it.ID, false, false)
	}
	before, _ := e.Result(s)
	n := len(s.Responses)
	if err := e.Observe(s, first, true); err != nil {
		t.Fatal(err)
	}
	if len(s.Responses) != n {
		t.Errorf("observing an answered item appends: %d responses", len(s.Responses))
	}
	after, _ := e.Result(s)
	if after.Competences[0].Theta <= before.Competences[0].Theta {
		t.Errorf("a right answer did not raise the estimate: %v → %v", before.Competences[0].Theta, after.Competences[0].Theta)
	}
	if err := e.Observe(s, "nope", true); !errors.Is(err, ErrUnknownItem) {
		t.Errorf("unknown item: %v", err)
	}
}

func TestBandWord(t *testing.T) {
	for level, want := range []string{"débutant", "débutant", "débutant", "intermédiaire", "intermédiaire", "avancé", "avancé", "expert", "expert"} {
		if got := BandWord(level); got != want {
			t.Errorf("BandWord(%d) = %q, want %q", level, got, want)
		}
	}
	if BandWordEN(4) != "intermediate" || BandWordEN(8) != "expert" || BandWordEN(0) != "beginner" || BandWordEN(6) != "advanced" {
		t.Error("BandWordEN")
	}
}
