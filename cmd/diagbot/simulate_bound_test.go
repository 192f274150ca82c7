package main

import (
	"math"
	"testing"

	"github.com/diagbot/diagbot/engine"
)

// TestABoundByHand checks the bound's pieces on cases worked by hand.
func TestABoundByHand(t *testing.T) {
	near := func(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want)) }
	// The lognormal prior's information on a: e^{2σ²−2μ}(1 + 1/σ²).
	// log a ~ N(log 1.5, 0.3²): e^{0.18}/2.25 · (1 + 1/0.09) = 6.4443.
	for _, c := range [][2]float64{{boundPriorMeanLogA, boundPriorSDLogA}, {0, 1}, {1, 0.5}} {
		mu, s := c[0], c[1]
		want := math.Exp(2*s*s-2*mu) * (1 + 1/(s*s))
		if got := lognormalFisherA(mu, s); !near(got, want, 1e-4) {
			t.Errorf("lognormal(%g, %g): J_prior %.5f, want %.5f", mu, s, got, want)
		}
	}
	jp := lognormalFisherA(boundPriorMeanLogA, boundPriorSDLogA)
	if !near(jp, 6.4443, 1e-4) {
		t.Errorf("J_prior %.5f, want 6.4443", jp)
	}
	// Two answers one unit either side of b, a = 1: each (±1)²·P(1−P) with
	// P = 1/(1+e^{−1}), so J = 2e/(1+e)² = 0.393224.
	if got := oracleInfoA(1, 0, []float64{1, -1}); !near(got, 2*math.E/((1+math.E)*(1+math.E)), 1e-12) || !near(got, 0.393224, 1e-6) {
		t.Errorf("oracle information %.6f, want 0.393224", got)
	}
	// An answer at θ = b says nothing about a.
	if got := oracleInfoA(2, 0.3, []float64{0.3, 0.3}); got != 0 {
		t.Errorf("answers at θ = b carry %.3g on a", got)
	}
	// Two items, J = 0 and J = 10: √((1/6.4443 + 1/16.4443)/2) = 0.32862.
	if got := vanTreesRMSE([]float64{0, 10}, jp); !near(got, math.Sqrt((1/jp+1/(10+jp))/2), 1e-12) || !near(got, 0.32862, 1e-4) {
		t.Errorf("van Trees %.5f, want 0.32862", got)
	}
}

// TestAPosteriorInfo: with a single answer, θ is known only through the
// ability model, N(0, 1), so P̄ = ∫ P(θ)φ(θ)dθ. At b = 0 the answer carries
// nothing on a (P̄ = ½ whatever a is); at b = 1 its information is
// (∂P̄/∂a)²/(P̄(1−P̄)), computed here by a second, fine quadrature.
func TestAPosteriorInfo(t *testing.T) {
	comp := map[string]int{"x": 0}
	pg := newPostGrid(engine.DefaultRho)
	for _, c := range []struct{ a, b float64 }{{1.5, 0}, {1.5, 1}, {2, -1.5}} {
		info := map[string]float64{}
		truth := map[string]itemParams{"x": {A: c.a, B: c.b}}
		pg.learnerInfo(simLearner{truth: []float64{0}, shown: []string{"x"}, correct: []bool{true}}, comp, truth, info)
		var pbar, d, s float64
		for th := -8.0; th <= 8; th += 1e-3 {
			w := math.Exp(-th * th / 2)
			p := 1 / (1 + math.Exp(-c.a*(th-c.b)))
			pbar += w * p
			d += w * (th - c.b) * p * (1 - p)
			s += w
		}
		pbar, d = pbar/s, d/s
		want := d * d / (pbar * (1 - pbar))
		if math.Abs(info["x"]-want) > 0.01*want+1e-9 {
			t.Errorf("a=%g b=%g: information %.5f, want %.5f", c.a, c.b, info["x"], want)
		}
	}
}

// TestABoundsOnALog: 120 learners who each answer one item at θ = b: the
// oracle gets nothing from them (θ = b), so its bound is the prior's alone,
// 1/√J_prior = 0.3939; the honest fit gets no more; the exact posterior
// lies between that and the prior's own sd of a, 1.5·√(e^{0.09}(e^{0.09}−1))
// = 0.4816 (what no data leaves). An item under 100 answers is left out.
func TestABoundsOnALog(t *testing.T) {
	ids := engine.CompetenceIDs()
	items := []engine.Item{{ID: "x", Competence: ids[0], A: 1.5, B: 0.4}, {ID: "y", Competence: ids[1], A: 1.5, B: 0}}
	truth := map[string]itemParams{"x": {A: 1.8, B: 0.4}, "y": {A: 1, B: 0}}
	var log []simLearner
	for l := 0; l < 120; l++ {
		th := make([]float64, len(ids))
		th[0] = 0.4
		sl := simLearner{truth: th, shown: []string{"x"}, correct: []bool{l%3 != 0}}
		if l < 50 {
			sl.shown, sl.correct = append(sl.shown, "y"), append(sl.correct, true)
		}
		log = append(log, sl)
	}
	oracle, post := aBounds(items, truth, log, engine.DefaultRho)
	prior := 1 / math.Sqrt(lognormalFisherA(boundPriorMeanLogA, boundPriorSDLogA))
	if math.Abs(oracle-prior) > 1e-9 || math.Abs(oracle-0.3939) > 1e-4 {
		t.Errorf("oracle bound %.5f, want 1/√J_prior = %.5f", oracle, prior)
	}
	if post > prior+1e-9 || post < 0.3 {
		t.Errorf("posterior bound %.5f, want at most %.5f (and near it: one other answer, in another competence)", post, prior)
	}
	floor := aFloor(items, truth, log, engine.DefaultRho)
	sdPrior := 1.5 * math.Sqrt(math.Exp(0.09)*(math.Exp(0.09)-1))
	if !(floor >= prior && floor <= sdPrior+1e-3) || math.Abs(sdPrior-0.4816) > 1e-4 {
		t.Errorf("floor %.4f, want between %.4f and %.4f", floor, prior, sdPrior)
	}
	t.Logf("oracle %.4f posterior %.4f floor %.4f", oracle, post, floor)
}
