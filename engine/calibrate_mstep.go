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
	pa, pb := 1/(opts.PriorLogA*opts.PriorLogA), 1/(opts.PriorB*opts.PriorB)
	for i, it := range c.items {
		st := c.stats[i]
		alpha0, b0 := math.Log(it.A), it.B
		alpha, b := math.Log(c.a[i]), c.b[i]
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
		a := math.Exp(alpha)
		change = max(change, math.Abs(a-c.a[i]), math.Abs(b-c.b[i]))
		c.a[i], c.b[i] = a, b
		if det := iaa*ibb - iab*iab; det > 0 {
			c.seA[i] = a * math.Sqrt(ibb/det)
			c.seB[i] = math.Sqrt(iaa / det)
		}
	}
	return change
}

// flags judges an item from its fit.
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
	if ci.A < 0.5 {
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
