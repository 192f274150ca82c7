package engine

import (
	"math/rand/v2"
)

// The single-ability strategy: the Pix approach, kept as the reference to beat.
// One global ability on a grid over −9…9 with a N(0, 1) prior, EAP.

const singleTopK = 5

type singleGrid struct {
	theta []float64
	prior []float64
}

func newSingleGrid() *singleGrid {
	th := linspace(-9, 9, 181)
	return &singleGrid{theta: th, prior: normalWeights(th, 0, 1)}
}

// singleEstimate is the EAP and posterior SD of the one ability.
func (e *Engine) singleEstimate(ans []answered) (mean, sd float64) {
	sg := e.single
	w := append([]float64(nil), sg.prior...)
	for _, a := range ans {
		it := e.items[a.item]
		peak := 0.0
		for t, th := range sg.theta {
			p := prob(it.A, it.B, th)
			if a.correct {
				w[t] *= p
			} else {
				w[t] *= 1 - p
			}
			peak = max(peak, w[t])
		}
		if peak > 0 {
			for t := range w {
				w[t] /= peak
			}
		}
	}
	normalize(w)
	return moments(sg.theta, w)
}

// singleFloor: predicted success ≥ 0.8 for the first 8 questions, relaxing
// linearly to 0.5 by the 16th, and 0.5 after.
func singleFloor(n int) float64 {
	switch {
	case n < 8:
		return 0.8
	case n < 16:
		return 0.8 - 0.3*float64(n-8)/8
	}
	return 0.5
}

func (e *Engine) selectSingle(rng *rand.Rand, ans []answered, cands []int, n int) int {
	theta, _ := e.singleEstimate(ans)
	floor := singleFloor(n)
	scored := make([]candidate, 0, len(cands))
	easiest := make([]candidate, 0, len(cands))
	for _, i := range cands {
		a := e.items[i].A
		p := e.probAt(i, theta)
		cd := candidate{item: i, score: a * a * p * (1 - p), p: p}
		if p >= floor {
			scored = append(scored, cd)
		} else {
			cd.score = p
			easiest = append(easiest, cd)
		}
	}
	if len(scored) == 0 {
		scored = easiest
	}
	return pickTop(rng, scored, singleTopK)
}
