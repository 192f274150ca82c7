package engine

import "math"

// mstep maximises, item by item, the expected log-likelihood of its answers
// plus the log prior, in (log a, b) by Fisher scoring, and returns the
// largest change of a parameter. The posterior standard deviations come from
// the information at the optimum (the expected counts' information: it
// leaves out what the E-step's uncertainty adds, a small share when the
// learners answered many items).
func (c *calibrator) mstep(opts CalibrationOptions) float64 {
	change := 0.0
	for i := range c.items {
		a, b, seA, seB := c.fitItem(i, opts.PriorLogA, opts.PriorB)
		change = max(change, math.Abs(a-c.a[i]), math.Abs(b-c.b[i]))
		c.a[i], c.b[i], c.seA[i], c.seB[i] = a, b, seA, seB
	}
	return change
}

// fitItem maximises item i's expected log-likelihood plus a prior of the
// given standard deviations (on log a and b) around its authored values.
func (c *calibrator) fitItem(i int, sdLogA, sdB float64) (a, b, seA, seB float64) {
	pa, pb := 1/(sdLogA*sdLogA), 1/(sdB*sdB)
	it, st := c.items[i], c.stats[i]
	alpha0, b0 := math.Log(it.A), it.B
	alpha := math.Log(c.a[i])
	b = c.b[i]
	var iaa, ibb, iab float64
	for step := 0; step < 20; step++ {
		a := math.Exp(alpha)
		var ga, gb, waa, wbb, wab float64
		for t, th := range c.theta {
			n := st.n[t]
			if n == 0 {
				continue
			}
			p := prob(a, b, th)
			e := st.r[t] - n*p
			d := th - b
			w := n * p * (1 - p)
			ga += e * d
			gb += e
			waa += w * d * d
			wbb += w
			wab += w * d
		}
		// In (α = log a, b): ∂/∂α = a·Σe(θ−b), ∂/∂b = −a·Σe.
		gAlpha := a*ga - (alpha-alpha0)*pa
		gB := -a*gb - (b-b0)*pb
		iaa = a*a*waa + pa
		ibb = a*a*wbb + pb
		iab = -a * a * wab
		det := iaa*ibb - iab*iab
		if det <= 0 {
			break
		}
		dAlpha := (ibb*gAlpha - iab*gB) / det
		dB := (iaa*gB - iab*gAlpha) / det
		dAlpha = max(-0.5, min(0.5, dAlpha))
		dB = max(-1, min(1, dB))
		alpha += dAlpha
		b += dB
		alpha = max(math.Log(0.1), min(math.Log(4), alpha))
		b = max(-6, min(6, b))
		if math.Abs(dAlpha) < 1e-6 && math.Abs(dB) < 1e-6 {
			break
		}
	}
	a = math.Exp(alpha)
	if det := iaa*ibb - iab*iab; det > 0 {
		seA, seB = a*math.Sqrt(ibb/det), math.Sqrt(iaa/det)
	}
	return a, b, seA, seB
}

// flags judges an item from its fit. The discrimination is also judged from
// the answers alone (a nearly flat prior, freeA): the prior keeps a fitted a
// near its author's guess, and a flat item must not hide behind it.
func (c *calibrator) flags(i int, ci CalibratedItem) []string {
	var out []string
	st := c.stats[i]
	if st.count >= MinFitAnswers {
		n := float64(st.count)
		mx, mt := float64(st.correct)/n, st.sumT/n
		cov := st.covXT/n - mx*mt
		if cov < 0 { // the able fail it more than the weak
			out = append(out, FlagKeySuspect)
		}
	}
	if ci.A < 0.5 || c.freeA[i] < 0.5 && st.count >= MinFitAnswers {
		out = append(out, FlagLowA)
	}
	if math.Abs(ci.B-DefaultB(c.items[i].Level)) > 1.5*LevelWidth {
		out = append(out, FlagReLevel)
	}
	if st.count >= MinFitAnswers && (ci.Infit < 0.7 || ci.Infit > 1.3 || ci.Outfit < 0.7 || ci.Outfit > 1.3) {
		out = append(out, FlagMisfit)
	}
	return out
}
