package main

import (
	"math"

	"github.com/diagbot/diagbot/engine"
)

// How well can a be known at all from a log? Three lower figures for the
// RMSE of any estimate of the items' discriminations, computed on the
// simulated log itself (the learners' true θ are in the simulation).
//
// Two are Bayesian Cramér–Rao (van Trees) bounds. For an item whose true a
// is drawn from a prior p(a), any estimator â from data with Fisher
// information J(a) on a satisfies
//
//	E[(â − a)²] ≥ 1 / (E_a[J(a)] + J_prior),  J_prior = E[(d/da log p(a))²].
//
//   - The oracle bound (a_rmse_bound) gives the estimator every learner's
//     true θ and every item's true b: one answer at θ then carries
//     (θ − b)²·P(1 − P) on a, averaged over the prior of a. It can only add
//     information, so no estimator from the answers alone does better.
//   - The posterior bound (a_rmse_bound_posterior) gives it every item's
//     true b and every other item's true a and the ability model, but not
//     θ: the learner's θ is known only through the posterior π₋ given their
//     other answers, so one answer's probability is P̄ = Σ π₋(θ)·P(θ) and
//     its information on a is (∂P̄/∂a)² / (P̄(1 − P̄)), at the true a. It is
//     the information a fit that does not see θ can get (with an adaptive
//     design, which items came next also tells a little about the answer;
//     this leaves that out).
//
// Van Trees is loose for a skewed prior (with no data it gives 1/√J_prior =
// 0.394 where the prior's own SD of a is 0.482), so the third figure, the
// floor (a_rmse_floor), is measured exactly: see aFloor.
//
// The per-item figures are averaged over the items with ≥ MinFitAnswers
// answers and the square root is taken, as a_rmse is.

// boundPrior is the world's and the fit's prior on a: log a ~ N(log 1.5, 0.3²).
const (
	boundPriorMeanLogA = 0.4054651081081644 // log 1.5
	boundPriorSDLogA   = 0.3
)

// lognormalFisherA is the Fisher information of a lognormal(μ, σ) prior on
// a, E[(d/da log p(a))²], by quadrature over z = (log a − μ)/σ. (In closed
// form it is e^{2σ²−2μ}·(1 + 1/σ²); the test checks one against the other.)
func lognormalFisherA(mu, sigma float64) float64 {
	const step, lim = 1e-3, 10.0
	sum, wsum := 0.0, 0.0
	for z := -lim; z <= lim; z += step {
		w := math.Exp(-z * z / 2)
		a := math.Exp(mu + sigma*z)
		score := -(1 + z/sigma) / a // d/da [−log a − (log a − μ)²/(2σ²)]
		sum += w * score * score
		wsum += w
	}
	return sum / wsum
}

// aQuad is a quadrature over the prior of a (Gauss–Hermite-like, on a fine
// grid of z): the points and weights the oracle's E_a[J(a)] uses.
func aQuad(mu, sigma float64) (as, ws []float64) {
	for z := -5.0; z <= 5.0; z += 0.25 {
		as = append(as, math.Exp(mu+sigma*z))
		ws = append(ws, math.Exp(-z*z/2))
	}
	s := 0.0
	for _, w := range ws {
		s += w
	}
	for i := range ws {
		ws[i] /= s
	}
	return as, ws
}

// oracleInfoA is the Fisher information on a of answers at known abilities
// thetas to an item of difficulty b and discrimination a: Σ (θ − b)²·P(1 − P).
func oracleInfoA(a, b float64, thetas []float64) float64 {
	j := 0.0
	for _, th := range thetas {
		p := 1 / (1 + math.Exp(-a*(th-b)))
		j += (th - b) * (th - b) * p * (1 - p)
	}
	return j
}

// vanTreesRMSE averages the per-item bounds 1/(J_i + J_prior) and takes the
// square root.
func vanTreesRMSE(info []float64, jPrior float64) float64 {
	if len(info) == 0 {
		return 0
	}
	s := 0.0
	for _, j := range info {
		s += 1 / (j + jPrior)
	}
	return math.Sqrt(s / float64(len(info)))
}

// aBounds computes the oracle and the posterior bounds on a_rmse for a log
// (the learners' true θ in l.truth), in a world of true parameters truth,
// over the items with ≥ MinFitAnswers answers. rho is the ability model's
// correlation.
func aBounds(items []engine.Item, truth map[string]itemParams, log []simLearner, rho float64) (oracle, post float64) {
	comp := map[string]int{}
	for _, it := range items {
		comp[it.ID] = engine.CompetenceIndex(it.Competence)
	}
	thetas := map[string][]float64{}
	jPost := map[string]float64{}
	pg := newPostGrid(rho)
	for _, l := range log {
		for _, id := range l.shown {
			thetas[id] = append(thetas[id], l.truth[comp[id]])
		}
		pg.learnerInfo(l, comp, truth, jPost)
	}
	jPrior := lognormalFisherA(boundPriorMeanLogA, boundPriorSDLogA)
	as, ws := aQuad(boundPriorMeanLogA, boundPriorSDLogA)
	var jo, jp []float64
	for id, ths := range thetas {
		if len(ths) < engine.MinFitAnswers {
			continue
		}
		// E_a[J(a)] over the prior, at the answers' θ and the true b.
		e := 0.0
		for q, a := range as {
			e += ws[q] * oracleInfoA(a, truth[id].B, ths)
		}
		jo = append(jo, e)
		jp = append(jp, jPost[id])
	}
	return vanTreesRMSE(jo, jPrior), vanTreesRMSE(jp, jPrior)
}

// postGrid computes, for each answer of a learner, the posterior of the
// answer's competence given the learner's other answers under the engine's
// model (θ_c = λg + √(1−λ²)s_c), with every item at its true parameters.
type postGrid struct {
	theta, g, gPrior []float64
	cond             [][]float64
}

func newPostGrid(rho float64) *postGrid {
	pg := &postGrid{theta: lin(-5, 5, 61), g: lin(-5, 5, 31)}
	pg.gPrior = normW(pg.g, 0, 1)
	for _, g := range pg.g {
		pg.cond = append(pg.cond, normW(pg.theta, math.Sqrt(rho)*g, math.Sqrt(1-rho)))
	}
	return pg
}

func lin(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

func normW(xs []float64, mean, sd float64) []float64 {
	w, s := make([]float64, len(xs)), 0.0
	for i, x := range xs {
		z := (x - mean) / sd
		w[i] = math.Exp(-z * z / 2)
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// learnerInfo adds, to info[item], the information on a of each of the
// learner's answers with θ known only through π₋ (the posterior given the
// learner's other answers): (∂P̄/∂a)² / (P̄(1 − P̄)).
func (pg *postGrid) learnerInfo(l simLearner, comp map[string]int, truth map[string]itemParams, info map[string]float64) {
	pg.eachAnswer(l, comp, truth, func(k int, post []float64) {
		id := l.shown[k]
		p := truth[id]
		var pbar, dpa float64
		for t, th := range pg.theta {
			q := 1 / (1 + math.Exp(-p.A*(th-p.B)))
			pbar += post[t] * q
			dpa += post[t] * (th - p.B) * q * (1 - q)
		}
		if v := pbar * (1 - pbar); v > 1e-12 {
			info[id] += dpa * dpa / v
		}
	})
}

// eachAnswer calls f with each answer's index and π₋ over pg.theta (summing
// to 1; f must not keep it).
func (pg *postGrid) eachAnswer(l simLearner, comp map[string]int, truth map[string]itemParams, f func(k int, post []float64)) {
	T, G := len(pg.theta), len(pg.g)
	byComp := map[int][]int{}
	for k, id := range l.shown {
		byComp[comp[id]] = append(byComp[comp[id]], k)
	}
	// lik[k][t]: answer k's likelihood at θ_t.
	lik := make([][]float64, len(l.shown))
	for k, id := range l.shown {
		p := truth[id]
		lik[k] = make([]float64, T)
		for t, th := range pg.theta {
			q := 1 / (1 + math.Exp(-p.A*(th-p.B)))
			if l.correct[k] {
				lik[k][t] = q
			} else {
				lik[k][t] = 1 - q
			}
		}
	}
	// logM[c][g]: log Σ_θ K(g, θ) Π_{k∈c} lik_k(θ).
	logM := map[int][]float64{}
	total := make([]float64, G)
	for c, ks := range byComp {
		m := make([]float64, G)
		for gi := range m {
			s := 0.0
			for t := 0; t < T; t++ {
				v := pg.cond[gi][t]
				for _, k := range ks {
					v *= lik[k][t]
				}
				s += v
			}
			m[gi] = math.Log(max(s, 1e-300))
			total[gi] += m[gi]
		}
		logM[c] = m
	}
	post := make([]float64, T)
	wg := make([]float64, G)
	for c, ks := range byComp {
		// Weights over g from the other competences.
		peak := math.Inf(-1)
		for gi := range wg {
			wg[gi] = math.Log(pg.gPrior[gi]) + total[gi] - logM[c][gi]
			peak = max(peak, wg[gi])
		}
		for gi := range wg {
			wg[gi] = math.Exp(wg[gi] - peak)
		}
		for _, k := range ks {
			// θ_c's prior given g, times the other answers of c.
			for t := range post {
				post[t] = 0
			}
			for gi := range wg {
				if wg[gi] < 1e-12 {
					continue
				}
				for t := range post {
					post[t] += wg[gi] * pg.cond[gi][t]
				}
			}
			s := 0.0
			for t := range post {
				for _, k2 := range ks {
					if k2 != k {
						post[t] *= lik[k2][t]
					}
				}
				s += post[t]
			}
			for t := range post {
				post[t] /= s
			}
			f(k, post)
		}
	}
}

// aFloor is the RMSE of the best possible estimate of a, measured: for each
// item with ≥ MinFitAnswers answers, the exact posterior of (a, b) on a
// grid, for an estimator told every other item's true a and b and the
// ability model, but not the learners' θ (each answer's probability is P̄
// over π₋, as in the posterior bound), with the world's priors on a and b
// (log a ~ N(log 1.5, 0.3²), b ~ N(authored b, 0.5²)). Its posterior
// variance averaged over the items is the least mean squared error any
// estimator with that knowledge reaches in expectation over worlds, and one
// that knows less (Calibrate, which fits every item at once) can only do
// worse. The square root of that average is returned.
func aFloor(items []engine.Item, truth map[string]itemParams, log []simLearner, rho float64) float64 {
	comp := map[string]int{}
	authB := map[string]float64{}
	for _, it := range items {
		comp[it.ID] = engine.CompetenceIndex(it.Competence)
		authB[it.ID] = it.B
	}
	count := map[string]int{}
	for _, l := range log {
		for _, id := range l.shown {
			count[id]++
		}
	}
	pg := newPostGrid(rho)
	T := len(pg.theta)
	type answer struct {
		lo    int       // first θ index of post
		post  []float64 // π₋ from lo on, trimmed where it is below 1e-9
		right bool
	}
	answers := map[string][]answer{}
	for _, l := range log {
		pg.eachAnswer(l, comp, truth, func(k int, post []float64) {
			id := l.shown[k]
			if count[id] < engine.MinFitAnswers {
				return
			}
			lo, hi := 0, T
			for lo < hi-1 && post[lo] < 1e-9 {
				lo++
			}
			for hi > lo+1 && post[hi-1] < 1e-9 {
				hi--
			}
			answers[id] = append(answers[id], answer{lo: lo, post: append([]float64(nil), post[lo:hi]...), right: l.correct[k]})
		})
	}
	const nA, nB = 61, 41
	zA, zB := lin(-4.5, 4.5, nA), lin(-4, 4, nB)
	table := make([]float64, nA*nB*T) // P at (α_q, b_r, θ_t)
	loglik := make([]float64, nA*nB)
	sumVar, items_ := 0.0, 0
	for id, as := range answers {
		for q, za := range zA {
			a := math.Exp(boundPriorMeanLogA + boundPriorSDLogA*za)
			for r, zb := range zB {
				b := authB[id] + 0.5*zb
				row := table[(q*nB+r)*T : (q*nB+r+1)*T]
				for t, th := range pg.theta {
					row[t] = 1 / (1 + math.Exp(-a*(th-b)))
				}
				loglik[q*nB+r] = -(za*za + zb*zb) / 2 // the priors, on the grid of z
			}
		}
		for _, ans := range as {
			for g := range loglik {
				row := table[g*T+ans.lo : g*T+ans.lo+len(ans.post)]
				p := 0.0
				for t, w := range ans.post {
					p += w * row[t]
				}
				if !ans.right {
					p = 1 - p
				}
				loglik[g] += math.Log(max(p, 1e-300))
			}
		}
		peak := math.Inf(-1)
		for _, v := range loglik {
			peak = max(peak, v)
		}
		var s, m1, m2 float64
		for q, za := range zA {
			a := math.Exp(boundPriorMeanLogA + boundPriorSDLogA*za)
			for r := range zB {
				w := math.Exp(loglik[q*nB+r] - peak)
				s += w
				m1 += w * a
				m2 += w * a * a
			}
		}
		m1, m2 = m1/s, m2/s
		sumVar += m2 - m1*m1
		items_++
	}
	if items_ == 0 {
		return 0
	}
	return math.Sqrt(sumVar / float64(items_))
}
