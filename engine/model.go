package engine

import (
	"math"
)

// The measurement model.
//
// Each competence c has its own ability θ_c. Abilities are tied together by a
// general digital ability g (a higher-order factor model):
//
//	g ~ N(0, 1),  θ_c | g ~ N(λ·g, 1 − λ²),  λ = √ρ
//
// so any two competences correlate ρ and each θ_c is N(0, 1). An item of
// competence c answers right with the 2PL probability
//
//	P(correct | θ_c) = 1 / (1 + exp(−a·(θ_c − b))).
//
// Given g the competences are independent, which makes the exact posterior
// cheap: with L_c(θ) the likelihood of c's answers on a grid of θ and K(g, θ)
// the conditional prior,
//
//	m_c(g)      = Σ_θ K(g, θ) L_c(θ)
//	p(g | data) ∝ p(g) Π_c m_c(g)
//	p(θ_c|data) = Σ_g p(g | data) K(g, θ) L_c(θ) / m_c(g)
//
// We report posterior means (EAP) and standard deviations on these grids. EAP
// rather than MAP because it exists and is finite after any answer pattern
// (all right, all wrong, one answer), and because its standard error is the
// posterior standard deviation with no approximation; the grid makes it exact
// to the grid's resolution and deterministic.

const (
	gridMin, gridMax = -5.0, 5.0
	gridPoints       = 61 // θ every 1/6: finer changes nothing at 2 decimals
	gPoints          = 41 // general ability every 1/4
)

// grid holds the fixed quadrature of the model for one ρ.
type grid struct {
	theta  []float64   // T points
	g      []float64   // G points
	gPrior []float64   // N(0,1) weights over g, summing to 1
	cond   [][]float64 // cond[g][t]: K(g, θ_t), each row summing to 1
	lambda float64
}

func newGrid(rho float64) *grid {
	gr := &grid{lambda: math.Sqrt(rho)}
	gr.theta = linspace(gridMin, gridMax, gridPoints)
	gr.g = linspace(gridMin, gridMax, gPoints)
	gr.gPrior = normalWeights(gr.g, 0, 1)
	resid := math.Sqrt(1 - rho)
	if resid < 0.05 { // ρ = 1 would make competences identical; keep a little room
		resid = 0.05
	}
	gr.cond = make([][]float64, len(gr.g))
	for i, g := range gr.g {
		gr.cond[i] = normalWeights(gr.theta, gr.lambda*g, resid)
	}
	return gr
}

func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

// normalWeights returns N(mean, sd) densities at xs, normalized to sum to 1.
func normalWeights(xs []float64, mean, sd float64) []float64 {
	w := make([]float64, len(xs))
	sum := 0.0
	for i, x := range xs {
		z := (x - mean) / sd
		w[i] = math.Exp(-0.5 * z * z)
		sum += w[i]
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}

// prob is the 2PL probability of a right answer.
func prob(a, b, theta float64) float64 { return 1 / (1 + math.Exp(-a*(theta-b))) }

// posterior is the state of knowledge after some answers.
type posterior struct {
	comp   [][]float64 // per competence (framework index): weights over the θ grid, summing to 1
	mean   []float64   // per competence EAP
	sd     []float64   // per competence posterior SD
	gW     []float64   // weights over g
	global Estimate    // mean ability over the target competences
}

// answered is one scored response, as the model sees it.
type answered struct {
	item    int // index into Engine.items
	correct bool
}

// posteriorOf computes the exact posterior over every competence, and the
// global ability as the mean over targets (framework indices).
func (e *Engine) posteriorOf(ans []answered, targets []int) *posterior {
	gr := e.grid
	nc := len(competences)
	T, G := len(gr.theta), len(gr.g)

	// Likelihood per competence, scaled so its maximum is 1 (no underflow).
	like := make([][]float64, nc)
	for _, a := range ans {
		c := e.itemComp[a.item]
		if like[c] == nil {
			like[c] = make([]float64, T)
			for t := range like[c] {
				like[c][t] = 1
			}
		}
		p := e.pTable[a.item]
		peak := 0.0
		for t := range like[c] {
			if a.correct {
				like[c][t] *= p[t]
			} else {
				like[c][t] *= 1 - p[t]
			}
			peak = max(peak, like[c][t])
		}
		if peak > 0 {
			for t := range like[c] {
				like[c][t] /= peak
			}
		}
	}

	// m_c(g) for competences with answers, and the posterior over g.
	marg := make([][]float64, nc)
	logw := make([]float64, G)
	for i := range logw {
		logw[i] = math.Log(gr.gPrior[i])
	}
	for c, l := range like {
		if l == nil {
			continue
		}
		marg[c] = make([]float64, G)
		for gi := 0; gi < G; gi++ {
			row := gr.cond[gi]
			s := 0.0
			for t := 0; t < T; t++ {
				s += row[t] * l[t]
			}
			marg[c][gi] = s
			logw[gi] += math.Log(max(s, 1e-300))
		}
	}
	gW := softmax(logw)

	// Competences without answers share one posterior: Σ_g w_g K(g, θ).
	var shared []float64
	post := &posterior{comp: make([][]float64, nc), mean: make([]float64, nc), sd: make([]float64, nc), gW: gW}
	// condMean[c][g] = E[θ_c | g, data], for the covariance of the global mean.
	condMean := make([][]float64, nc)
	for c := 0; c < nc; c++ {
		w := make([]float64, T)
		cm := make([]float64, G)
		if like[c] == nil {
			if shared == nil {
				shared = make([]float64, T)
				for gi := 0; gi < G; gi++ {
					for t := 0; t < T; t++ {
						shared[t] += gW[gi] * gr.cond[gi][t]
					}
				}
			}
			copy(w, shared)
			for gi := 0; gi < G; gi++ {
				cm[gi] = gr.lambda * gr.g[gi]
			}
		} else {
			for gi := 0; gi < G; gi++ {
				m := marg[c][gi]
				if m <= 0 || gW[gi] == 0 {
					continue
				}
				f := gW[gi] / m
				row := gr.cond[gi]
				s := 0.0
				for t := 0; t < T; t++ {
					v := row[t] * like[c][t]
					w[t] += f * v
					s += v * gr.theta[t]
				}
				cm[gi] = s / m
			}
		}
		normalize(w)
		post.comp[c] = w
		post.mean[c], post.sd[c] = moments(gr.theta, w)
		condMean[c] = cm
	}

	// Global ability: the mean of the target competences. Its variance needs
	// their covariances, which all flow through g:
	// Cov(θ_c, θ_d) = Cov_g(E[θ_c|g], E[θ_d|g]) for c ≠ d.
	n := float64(len(targets))
	if n > 0 {
		mu, varSum := 0.0, 0.0
		for _, c := range targets {
			mu += post.mean[c]
			varSum += post.sd[c] * post.sd[c]
		}
		mu /= n
		// Σ_{c≠d} Cov = E_g[S² − Σ e_c²] − (Σμ)² + Σμ_c²
		cross := 0.0
		for gi := 0; gi < G; gi++ {
			s, s2 := 0.0, 0.0
			for _, c := range targets {
				s += condMean[c][gi]
				s2 += condMean[c][gi] * condMean[c][gi]
			}
			cross += gW[gi] * (s*s - s2)
		}
		sumMu, sumMu2 := 0.0, 0.0
		for _, c := range targets {
			sumMu += post.mean[c]
			sumMu2 += post.mean[c] * post.mean[c]
		}
		cross -= sumMu*sumMu - sumMu2
		v := (varSum + cross) / (n * n)
		post.global = Estimate{Theta: mu, SE: math.Sqrt(max(v, 0))}
	}
	return post
}

func softmax(logw []float64) []float64 {
	peak := math.Inf(-1)
	for _, v := range logw {
		peak = max(peak, v)
	}
	w := make([]float64, len(logw))
	for i, v := range logw {
		w[i] = math.Exp(v - peak)
	}
	normalize(w)
	return w
}

func normalize(w []float64) {
	s := 0.0
	for _, v := range w {
		s += v
	}
	if s <= 0 {
		return
	}
	for i := range w {
		w[i] /= s
	}
}

func moments(xs, w []float64) (mean, sd float64) {
	for i, x := range xs {
		mean += w[i] * x
	}
	v := 0.0
	for i, x := range xs {
		d := x - mean
		v += w[i] * d * d
	}
	return mean, math.Sqrt(v)
}
