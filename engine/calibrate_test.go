package engine

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// wrongWorld gives every item true parameters away from the authored ones,
// as in real life: a lognormal around 1.5 (sd of log 0.3), b = authored +
// N(0, 0.5).
func wrongWorld(items []Item, seed uint64) map[string][2]float64 {
	rng := rand.New(rand.NewPCG(seed, 77))
	out := map[string][2]float64{}
	for _, it := range items {
		out[it.ID] = [2]float64{1.5 * math.Exp(0.3*rng.NormFloat64()), it.B + 0.5*rng.NormFloat64()}
	}
	return out
}

// adaptiveLog has learners take the adaptive test chosen with the authored
// parameters while they answer by the true ones, and returns their answers.
func adaptiveLog(t testing.TB, e *Engine, truth map[string][2]float64, cfg Config, learners int) [][]Response {
	var log [][]Response
	for l := 0; l < learners; l++ {
		rng := rand.New(rand.NewPCG(uint64(l), 3))
		g := rng.NormFloat64()
		theta := make([]float64, len(competences))
		for c := range theta {
			theta[c] = math.Sqrt(DefaultRho)*g + math.Sqrt(1-DefaultRho)*rng.NormFloat64()
		}
		cfg.Seed = uint64(l)
		s, err := e.Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		playWith(t, e, s, func(it Item) (bool, bool) {
			p := truth[it.ID]
			return rng.Float64() < prob(p[0], p[1], theta[CompetenceIndex(it.Competence)]), false
		})
		log = append(log, s.Responses)
	}
	return log
}

func sliceSource(log [][]Response) CalibrationSource {
	return func(yield func([]Response) error) error {
		for _, r := range log {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestCalibrateRecoversUnderAdaptiveAssignment: the items each learner saw
// depend on their earlier answers, yet MML recovers the true parameters
// (the design is ignorable), with no bias in b.
func TestCalibrateRecoversUnderAdaptiveAssignment(t *testing.T) {
	items := genBank(14, 21)
	e := mustEngine(t, items)
	truth := wrongWorld(items, 5)
	log := adaptiveLog(t, e, truth, Config{Competences: []string{"1.1", "2.3", "4.2"}, MaxQuestions: 15}, 1500)
	passes := 0
	cal, err := Calibrate(items, sliceSource(log), CalibrationOptions{Progress: func(int, float64) { passes++ }})
	if err != nil {
		t.Fatal(err)
	}
	if cal.Learners != 1500 || cal.Answers != 1500*15 || passes != cal.Passes || !cal.Converged {
		t.Fatalf("learners %d answers %d passes %d/%d converged %v", cal.Learners, cal.Answers, passes, cal.Passes, cal.Converged)
	}
	var sqA, sqB, sqB0, biasB float64
	n := 0
	for _, ci := range cal.Items {
		if ci.N < MinFitAnswers {
			continue
		}
		tr := truth[ci.ID]
		sqA += (ci.A - tr[0]) * (ci.A - tr[0])
		sqB += (ci.B - tr[1]) * (ci.B - tr[1])
		sqB0 += (ci.AuthoredB - tr[1]) * (ci.AuthoredB - tr[1])
		biasB += ci.B - tr[1]
		n++
		if ci.SEB <= 0 || ci.SEA <= 0 {
			t.Errorf("item %s: no standard error %+v", ci.ID, ci)
		}
	}
	rmseA, rmseB, rmseB0 := math.Sqrt(sqA/float64(n)), math.Sqrt(sqB/float64(n)), math.Sqrt(sqB0/float64(n))
	t.Logf("%d items with ≥ %d answers: a RMSE %.3f, b RMSE %.3f (authored %.3f), b bias %.3f, %d passes", n, MinFitAnswers, rmseA, rmseB, rmseB0, biasB/float64(n), cal.Passes)
	if n < 30 || rmseB > 0.25 || rmseA > 0.35 || math.Abs(biasB/float64(n)) > 0.08 || rmseB > rmseB0/2 {
		t.Errorf("recovery: %d items, a RMSE %.3f, b RMSE %.3f (authored %.3f), bias %.3f", n, rmseA, rmseB, rmseB0, biasB/float64(n))
	}
}

// TestCalibrateFlags: a miskeyed item and a flat one are caught.
func TestCalibrateFlags(t *testing.T) {
	items := genBank(14, 22)
	e := mustEngine(t, items)
	truth := wrongWorld(items, 6)
	bad, flat := items[0].ID, items[2].ID
	truth[bad] = [2]float64{-1.2, truth[bad][1]} // the key is wrong: the able fail it
	truth[flat] = [2]float64{0.1, truth[flat][1]}
	log := adaptiveLog(t, e, truth, Config{Competences: []string{"1.1"}, MaxQuestions: 7}, 800)
	cal, err := Calibrate(items, sliceSource(log), CalibrationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string][]string{}
	for _, ci := range cal.Items {
		flags[ci.ID] = ci.Flags
	}
	has := func(id, f string) bool {
		for _, x := range flags[id] {
			if x == f {
				return true
			}
		}
		return false
	}
	if !has(bad, FlagKeySuspect) || !has(flat, FlagLowA) {
		t.Errorf("miskeyed %s: %v; flat %s: %v", bad, flags[bad], flat, flags[flat])
	}
	if _, err := Calibrate(items, sliceSource(nil), CalibrationOptions{}); err == nil {
		t.Error("an empty log calibrated")
	}
}

// TestCalibrationFileRoundTrip: the engine loads what Calibrate writes, and
// uses the fitted parameters.
func TestCalibrationFileRoundTrip(t *testing.T) {
	items := genBank(3, 23)
	cal := Calibration{Format: CalibrationFormat, Version: CalibrationVersion, Created: "2026-12-07T22:00:00Z",
		Items: []CalibratedItem{{ID: items[0].ID, A: 2.2, B: -1.1, SEA: 0.1, SEB: 0.1, N: 300,
			Languages: &LanguageDIF{Groups: []LanguageFit{{Lang: "en", N: 100, Correct: 40, B: -0.5, SEB: 0.2}, {Lang: "fr", N: 200, Correct: 150, B: -1.3, SEB: 0.1}},
				LogOdds: -1.76, SE: 0.49, Flagged: true, Harder: "en"}}, {ID: "gone", A: 1, B: 0}}}
	data, _ := json.Marshal(cal)
	got, err := ParseCalibration(data)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(items, Options{Calibration: &got})
	if err != nil {
		t.Fatal(err)
	}
	if it, _ := e.Item(items[0].ID); it.A != 2.2 || it.B != -1.1 {
		t.Errorf("calibrated item %+v", it)
	}
	if d := got.Items[0].Languages; d == nil || d.Harder != "en" || d.Groups[1].N != 200 {
		t.Errorf("the comparison by language did not come back: %+v", d)
	}
	if it, _ := e.Item(items[1].ID); it.A != items[1].A || it.B != items[1].B {
		t.Errorf("uncalibrated item changed: %+v", it)
	}
	for _, bad := range []string{
		`{}`, `{"format":"diagbot-calibration","version":2}`, `[1]`,
		`{"format":"diagbot-calibration","version":1,"items":[{"id":"x","a":0,"b":0}]}`,
		`{"format":"diagbot-calibration","version":1,"items":[{"id":"x","a":1,"b":9}]}`,
		`{"format":"diagbot-calibration","version":1,"items":[{"id":"x","a":1,"b":0},{"id":"x","a":1,"b":0}]}`,
		`{"format":"diagbot-calibration","version":1,"items":[{"id":"","a":1,"b":0}]}`,
		`{"format":"diagbot-calibration","version":1,"extra":1}`,
		`{"format":"diagbot-calibration","version":1} {}`,
		`{"format":"diagbot-calibration","version":1,"items":[{"id":"x","a":1,"b":0,"languages":{"groups":[],"log_odds":0,"se":0}}]}`,
		`{"format":"diagbot-calibration","version":1,"items":[{"id":"x","a":1,"b":0,"languages":{"groups":[{"lang":"fr","n":3,"correct":5,"b":0,"se_b":1},{"lang":"en","n":3,"correct":1,"b":0,"se_b":1}],"log_odds":0,"se":0}}]}`,
		`{"format":"diagbot-calibration","version":1,"items":[{"id":"x","a":1,"b":0,"languages":{"groups":[{"lang":"","n":3,"correct":1,"b":0,"se_b":1},{"lang":"en","n":3,"correct":1,"b":0,"se_b":1}],"log_odds":0,"se":0}}]}`,
	} {
		if _, err := ParseCalibration([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func FuzzParseCalibration(f *testing.F) {
	f.Add([]byte(`{"format":"diagbot-calibration","version":1,"items":[{"id":"x","a":1.2,"b":0.5,"se_a":0.1,"se_b":0.2,"n":40}]}`))
	f.Add([]byte(`{"format":"diagbot-calibration","version":1}`))
	f.Add([]byte(`{`))
	items := genBank(2, 1)
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := ParseCalibration(data)
		if err != nil {
			return
		}
		// Whatever it accepts, the engine can use.
		if _, err := New(items, Options{Calibration: &cal}); err != nil {
			t.Fatalf("accepted a calibration the engine refuses: %v", err)
		}
	})
}

func BenchmarkCalibratePass(b *testing.B) {
	items := genBank(14, 24)
	e := mustEngine(b, items)
	log := adaptiveLog(b, e, wrongWorld(items, 7), Config{}, 200)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Calibrate(items, sliceSource(log), CalibrationOptions{MaxPasses: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(log)*2)/1e3, "µs/learner/pass")
}

// BenchmarkCalibrate100k fits a 100,000-learner log of 32 answers each (2
// per competence, drawn at random), streamed as it is generated: the
// figure for the README (go test -run x -bench Calibrate100k -benchtime 1x
// -cpu 1 ./engine).
func BenchmarkCalibrate100k(b *testing.B) {
	items := genBank(14, 25)
	truth := wrongWorld(items, 8)
	src := func(yield func([]Response) error) error {
		rs := make([]Response, 0, 32)
		for l := 0; l < 100_000; l++ {
			rng := rand.New(rand.NewPCG(uint64(l), 9))
			g := rng.NormFloat64()
			rs = rs[:0]
			for c := range competences {
				th := math.Sqrt(DefaultRho)*g + math.Sqrt(1-DefaultRho)*rng.NormFloat64()
				for k := 0; k < 2; k++ {
					it := items[c*14+rng.IntN(14)]
					p := truth[it.ID]
					rs = append(rs, Response{Item: it.ID, Correct: rng.Float64() < prob(p[0], p[1], th)})
				}
			}
			if err := yield(rs); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < b.N; i++ {
		cal, err := Calibrate(items, src, CalibrationOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cal.Passes), "passes")
	}
}
