package engine

import (
	"math"
	"sort"
)

// Differential functioning by language.
//
// The bank is bilingual: an item whose English (or French) text is harder
// to read, or gives the answer away, behaves differently in that language.
// Learners of equal ability should succeed on it equally often whichever
// language they read it in. The final pass of Calibrate keeps, per item and
// per language shown, the expected answers and right answers at each point
// of the ability grid (each learner weighted by their posterior, so learners
// are compared at equal ability, as Mantel–Haenszel compares them at equal
// score). With a fixed at the item's fitted value, each language gets its own
// difficulty; the item is flagged when the two differ by a log odds ratio of
// at least 0.64 at equal ability (ETS's "large" category C: |Δ_MH| ≥ 1.5, that
// is |ln α_MH| ≥ 1.5/2.35) and the difference is significant (beyond 1.96
// standard errors), both languages having MinDIFAnswers answers or more.

// MinDIFAnswers is how many answers each language needs before an item is
// judged on it.
const MinDIFAnswers = 50

// difLogOdds is the smallest log odds ratio flagged (ETS category C).
const difLogOdds = 0.64

// LanguageDIF compares an item in two languages.
type LanguageDIF struct {
	Groups []LanguageFit `json:"groups"` // the two languages most answered, by name
	// LogOdds is a·(b₂ − b₁): how much less likely, in log odds, a learner
	// of the same ability is to succeed in the second language than in the
	// first. Positive: harder in the second.
	LogOdds float64 `json:"log_odds"`
	SE      float64 `json:"se"` // of LogOdds
	Flagged bool    `json:"flagged,omitempty"`
	Harder  string  `json:"harder,omitempty"` // when flagged, the language where it is harder
}

// LanguageFit is an item's difficulty in one language.
type LanguageFit struct {
	Lang    string  `json:"lang"`
	N       int     `json:"n"`
	Correct int     `json:"correct"`
	B       float64 `json:"b"`
	SEB     float64 `json:"se_b"`
}

type difCounts struct {
	n, r           []float64 // expected answers and right answers per θ point
	count, correct int
}

// difCount adds one answer, shown in lang, with the learner's posterior over
// the θ grid in their competence.
func (c *calibrator) difCount(i int, lang string, right bool, post []float64) {
	if lang == "" {
		return
	}
	st := &c.stats[i]
	if st.dif == nil {
		st.dif = map[string]*difCounts{}
	}
	d := st.dif[lang]
	if d == nil {
		d = &difCounts{n: make([]float64, len(c.theta)), r: make([]float64, len(c.theta))}
		st.dif[lang] = d
	}
	d.count++
	for t, w := range post {
		d.n[t] += w
	}
	if right {
		d.correct++
		for t, w := range post {
			d.r[t] += w
		}
	}
}

// languageDIF compares item i in its two most answered languages; nil when
// fewer than two languages answered it.
func (c *calibrator) languageDIF(i int) *LanguageDIF {
	dif := c.stats[i].dif
	if len(dif) < 2 {
		return nil
	}
	langs := make([]string, 0, len(dif))
	for l := range dif {
		langs = append(langs, l)
	}
	sort.Slice(langs, func(x, y int) bool {
		if dif[langs[x]].count != dif[langs[y]].count {
			return dif[langs[x]].count > dif[langs[y]].count
		}
		return langs[x] < langs[y]
	})
	langs = langs[:2]
	sort.Strings(langs)
	a := c.a[i]
	out := &LanguageDIF{}
	for _, l := range langs {
		d := dif[l]
		b, se := c.fitB(d, a, c.b[i])
		out.Groups = append(out.Groups, LanguageFit{Lang: l, N: d.count, Correct: d.correct, B: round4(b), SEB: round4(se)})
	}
	g1, g2 := out.Groups[0], out.Groups[1]
	out.LogOdds = round4(a * (g2.B - g1.B))
	out.SE = round4(a * math.Hypot(g1.SEB, g2.SEB))
	if g1.N >= MinDIFAnswers && g2.N >= MinDIFAnswers &&
		math.Abs(out.LogOdds) >= difLogOdds && math.Abs(out.LogOdds) > 1.96*out.SE {
		out.Flagged = true
		out.Harder = g2.Lang
		if out.LogOdds < 0 {
			out.Harder = g1.Lang
		}
	}
	return out
}

// fitB is the difficulty, a fixed, that maximises the expected
// log-likelihood of one language's answers plus a wide prior (N(b0, 1²):
// it only keeps an item everyone answered right finite), and its standard
// error.
func (c *calibrator) fitB(d *difCounts, a, b0 float64) (b, se float64) {
	const prior = 1.0
	b = b0
	info := 1.0
	for step := 0; step < 30; step++ {
		g := -(b - b0) / prior
		info = 1 / prior
		for t, th := range c.theta {
			if d.n[t] == 0 {
				continue
			}
			p := prob(a, b, th)
			g -= a * (d.r[t] - d.n[t]*p)
			info += a * a * d.n[t] * p * (1 - p)
		}
		delta := max(-1, min(1, g/info))
		b = max(-6, min(6, b+delta))
		if math.Abs(delta) < 1e-6 {
			break
		}
	}
	return b, 1 / math.Sqrt(info)
}
