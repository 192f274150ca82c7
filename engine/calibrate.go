package engine

import (
	"errors"
	"fmt"
	"math"
)

// Calibration fits every item's a and b from learners' answers.
//
// The model is the engine's own: θ_c = λg + √(1−λ²)·s_c with g and s_c
// independent N(0, 1). Given g the competences are independent, so a
// learner's marginal likelihood is a 2-D integral, g outside and each s_c
// inside (the bifactor dimension reduction of Gibbons & Hedeker, 1992):
//
//	L = Σ_g p(g) Π_c Σ_θ K(g, θ) Π_{i∈c} P_i(θ)^x (1−P_i(θ))^(1−x)
//
// Marginal maximum likelihood by EM (Bock & Aitkin): the E-step gives, per
// item, the expected number of answers and of right answers at each θ of the
// grid; the M-step maximises, per item, that expected log-likelihood plus a
// prior centred on the authored values (log a ~ N(log a₀, 0.3²), b ~ N(b₀,
// 0.5²): how far authors are thought to miss), so an item with few answers stays near its author's guess. The
// ability distribution is fixed (N(0, 1), correlation ρ), which fixes the
// scale. MML is consistent under adaptive assignment: which item a learner
// sees depends only on their earlier answers, which the likelihood
// conditions on (the design is ignorable), as long as the ability model is
// right.
//
// The answers are streamed, one learner at a time, once per EM pass: memory
// holds the expected counts (items × grid), never the log.

// CalibrationSource streams the answer log: it calls yield with each
// learner's answers, in any order of learners. Calibrate calls it once per
// EM pass, so it must give the same answers every time.
type CalibrationSource func(yield func(answers []Response) error) error

// CalibrationOptions tune Calibrate. The zero value gives the defaults.
type CalibrationOptions struct {
	Rho       float64 // the model's correlation (default DefaultRho)
	MaxPasses int     // EM passes at most (default 100)
	Tolerance float64 // stop when no a or b moves more (default 0.002)
	PriorLogA float64 // prior SD of log a around the authored a (default 0.3)
	PriorB    float64 // prior SD of b around the authored b (default 0.5)
	// Progress, when set, is called after every pass with the pass number
	// and the largest change of a parameter.
	Progress func(pass int, change float64)
}

// Calibration is the fit of an item bank: the file the engine loads.
type Calibration struct {
	Format    string           `json:"format"`  // CalibrationFormat
	Version   int              `json:"version"` // CalibrationVersion
	Created   string           `json:"created"` // RFC 3339, set by the caller (the engine reads no clock)
	Rho       float64          `json:"rho"`
	Learners  int              `json:"learners"`
	Answers   int              `json:"answers"`
	Passes    int              `json:"passes"`
	Converged bool             `json:"converged"`
	Items     []CalibratedItem `json:"items"`
}

// CalibratedItem is one item's fitted parameters and how far to trust them.
type CalibratedItem struct {
	ID        string   `json:"id"`
	A         float64  `json:"a"`
	B         float64  `json:"b"`
	SEA       float64  `json:"se_a"` // posterior standard deviations (prior included)
	SEB       float64  `json:"se_b"`
	N         int      `json:"n"` // answers seen
	Correct   int      `json:"correct"`
	AuthoredA float64  `json:"authored_a"`
	AuthoredB float64  `json:"authored_b"`
	Infit     float64  `json:"infit,omitempty"`
	Outfit    float64  `json:"outfit,omitempty"`
	Flags     []string `json:"flags,omitempty"`
	// Languages compares the item in French and in English, when both
	// were answered (calibrate_dif.go).
	Languages *LanguageDIF `json:"languages,omitempty"`
}

// The calibration file's identity.
const (
	CalibrationFormat  = "diagbot-calibration"
	CalibrationVersion = 1
)

// Flags an item can get from its calibration.
const (
	FlagKeySuspect = "key_suspect" // able learners fail it more than weak ones
	FlagLowA       = "low_a"       // a < 0.5: it hardly tells learners apart
	FlagReLevel    = "re_level"    // b is more than a level from its level's difficulty
	FlagMisfit     = "misfit"      // infit or outfit outside 0.7–1.3
	FlagLanguage   = "language"    // it is harder in one language than in the other (calibrate_dif.go)
)

// MinFitAnswers is how many answers an item needs before its misfit and key
// are judged: below it the statistics are noise.
const MinFitAnswers = 100

var errNoAnswers = errors.New("the answer log has no answer to a known item")

// calGrid is coarser than the engine's: fitting needs counts, not the last
// digit of one learner's estimate, and a 100,000-learner log must fit in
// minutes.
const (
	calThetaPoints = 41
	calGPoints     = 21
)

type itemStats struct {
	n, r     []float64 // expected answers and right answers per θ point
	count    int
	correct  int
	infitNum float64 // Σ (x − P)²
	infitDen float64 // Σ P(1 − P)
	outfit   float64 // Σ (x − P)² / (P(1 − P))
	covXT    float64 // for the key: Σ x·θ̂, Σ θ̂, Σ θ̂²
	sumT     float64
	sumT2    float64
	dif      map[string]*difCounts // per language shown, the expected counts on the θ grid
}

// Calibrate fits the items' parameters from the answers src streams.
// Answers to items not in items are ignored.
func Calibrate(items []Item, src CalibrationSource, opts CalibrationOptions) (Calibration, error) {
	if opts.Rho == 0 {
		opts.Rho = DefaultRho
	}
	if !(opts.Rho > 0 && opts.Rho < 1) {
		return Calibration{}, fmt.Errorf("correlation ρ=%g must be between 0 and 1", opts.Rho)
	}
	if opts.MaxPasses <= 0 {
		opts.MaxPasses = 100
	}
	if opts.Tolerance <= 0 {
		opts.Tolerance = 0.002
	}
	if opts.PriorLogA <= 0 {
		opts.PriorLogA = 0.3
	}
	if opts.PriorB <= 0 {
		opts.PriorB = 0.5
	}
	c := newCalibrator(items, opts.Rho)
	cal := Calibration{Format: CalibrationFormat, Version: CalibrationVersion, Rho: opts.Rho}
	for pass := 1; pass <= opts.MaxPasses; pass++ {
		if err := c.estep(src, false); err != nil {
			return Calibration{}, err
		}
		if pass == 1 && c.answers == 0 {
			return Calibration{}, errNoAnswers
		}
		change := c.mstep(opts)
		cal.Passes = pass
		if opts.Progress != nil {
			opts.Progress(pass, change)
		}
		if change < opts.Tolerance {
			cal.Converged = true
			break
		}
	}
	for i := range c.items {
		c.freeA[i], _, _, _ = c.fitItem(i, 3, opts.PriorB)
	}
	if err := c.estep(src, true); err != nil { // the fit statistics, at the final parameters
		return Calibration{}, err
	}
	cal.Learners, cal.Answers = c.learners, c.answers
	for i, it := range c.items {
		st := c.stats[i]
		ci := CalibratedItem{ID: it.ID, A: round4(c.a[i]), B: round4(c.b[i]), SEA: round4(c.seA[i]), SEB: round4(c.seB[i]),
			N: st.count, Correct: st.correct, AuthoredA: it.A, AuthoredB: it.B}
		if st.count > 0 {
			ci.Infit = round4(st.infitNum / max(st.infitDen, 1e-12))
			ci.Outfit = round4(st.outfit / float64(st.count))
		}
		ci.Flags = c.flags(i, ci)
		if ci.Languages = c.languageDIF(i); ci.Languages != nil && ci.Languages.Flagged {
			ci.Flags = append(ci.Flags, FlagLanguage)
		}
		cal.Items = append(cal.Items, ci)
	}
	return cal, nil
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

type calibrator struct {
	items     []Item
	byID      map[string]int
	comp      []int
	a, b      []float64
	seA, seB  []float64
	freeA     []float64 // a fitted with a nearly flat prior, for the flag
	theta, g  []float64
	gPrior    []float64
	cond      [][]float64 // K(g, θ)
	p         [][]float64 // P_i(θ_t) at the current parameters
	stats     []itemStats
	learners  int
	answers   int
	like      [][]float64 // per competence, scratch
	marg      [][]float64
	gw, post  []float64
	byComp    [][]int // scratch: answer indices per competence
	compSeen  []int
	respItem  []int
	respRight []bool
	respLang  []string
}

func newCalibrator(items []Item, rho float64) *calibrator {
	nc := len(competences)
	c := &calibrator{items: items, byID: map[string]int{}, theta: linspace(gridMin, gridMax, calThetaPoints),
		g: linspace(gridMin, gridMax, calGPoints), like: make([][]float64, nc), marg: make([][]float64, nc),
		byComp: make([][]int, nc)}
	lambda := math.Sqrt(rho)
	c.gPrior = normalWeights(c.g, 0, 1)
	for _, g := range c.g {
		c.cond = append(c.cond, normalWeights(c.theta, lambda*g, math.Sqrt(1-rho)))
	}
	for i, it := range items {
		c.byID[it.ID] = i
		c.comp = append(c.comp, CompetenceIndex(it.Competence))
		c.a = append(c.a, it.A)
		c.b = append(c.b, it.B)
		c.p = append(c.p, make([]float64, len(c.theta)))
	}
	c.seA, c.seB, c.freeA = make([]float64, len(items)), make([]float64, len(items)), make([]float64, len(items))
	for k := range c.like {
		c.like[k] = make([]float64, len(c.theta))
		c.marg[k] = make([]float64, len(c.g))
	}
	c.gw, c.post = make([]float64, len(c.g)), make([]float64, len(c.theta))
	return c
}

// estep streams the log once and accumulates the expected counts; with fit
// set it accumulates the fit statistics instead, at each learner's EAP.
func (c *calibrator) estep(src CalibrationSource, fit bool) error {
	for i := range c.items {
		for t, th := range c.theta {
			c.p[i][t] = prob(c.a[i], c.b[i], th)
		}
	}
	T := len(c.theta)
	c.stats = make([]itemStats, len(c.items))
	for i := range c.stats {
		c.stats[i].n, c.stats[i].r = make([]float64, T), make([]float64, T)
	}
	c.learners, c.answers = 0, 0
	return src(func(answers []Response) error {
		c.learner(answers, fit)
		return nil
	})
}

// learner adds one learner's expected counts.
func (c *calibrator) learner(answers []Response, fit bool) {
	T, G := len(c.theta), len(c.g)
	c.respItem, c.respRight, c.respLang = c.respItem[:0], c.respRight[:0], c.respLang[:0]
	for _, k := range c.compSeen {
		c.byComp[k] = c.byComp[k][:0]
	}
	c.compSeen = c.compSeen[:0]
	for _, r := range answers {
		i, ok := c.byID[r.Item]
		if !ok {
			continue
		}
		k := c.comp[i]
		if len(c.byComp[k]) == 0 {
			c.compSeen = append(c.compSeen, k)
		}
		c.byComp[k] = append(c.byComp[k], len(c.respItem))
		c.respItem = append(c.respItem, i)
		c.respRight = append(c.respRight, r.Correct && !r.Skipped)
		c.respLang = append(c.respLang, r.Lang)
	}
	if len(c.respItem) == 0 {
		return
	}
	c.learners++
	c.answers += len(c.respItem)
	for gi := range c.gw {
		c.gw[gi] = math.Log(c.gPrior[gi])
	}
	for _, k := range c.compSeen {
		l := c.like[k]
		for t := range l {
			l[t] = 1
		}
		for _, j := range c.byComp[k] {
			p := c.p[c.respItem[j]]
			right := c.respRight[j]
			peak := 0.0
			for t := range l {
				if right {
					l[t] *= p[t]
				} else {
					l[t] *= 1 - p[t]
				}
				peak = max(peak, l[t])
			}
			for t := range l {
				l[t] /= peak
			}
		}
		m := c.marg[k]
		for gi := 0; gi < G; gi++ {
			row, s := c.cond[gi], 0.0
			for t := 0; t < T; t++ {
				s += row[t] * l[t]
			}
			m[gi] = s
			c.gw[gi] += math.Log(max(s, 1e-300))
		}
	}
	gw := softmaxInto(c.gw)
	for _, k := range c.compSeen {
		post := c.post
		for t := range post {
			post[t] = 0
		}
		l, m := c.like[k], c.marg[k]
		for gi := 0; gi < G; gi++ {
			if gw[gi] < 1e-12 || m[gi] <= 0 {
				continue
			}
			f, row := gw[gi]/m[gi], c.cond[gi]
			for t := 0; t < T; t++ {
				post[t] += f * row[t] * l[t]
			}
		}
		normalize(post)
		if fit {
			eap, _ := moments(c.theta, post)
			for _, j := range c.byComp[k] {
				c.fitStats(c.respItem[j], c.respRight[j], eap)
				c.difCount(c.respItem[j], c.respLang[j], c.respRight[j], post)
			}
			continue
		}
		for _, j := range c.byComp[k] {
			st := &c.stats[c.respItem[j]]
			for t, w := range post {
				st.n[t] += w
			}
			if c.respRight[j] {
				for t, w := range post {
					st.r[t] += w
				}
			}
		}
	}
}

func softmaxInto(logw []float64) []float64 {
	peak := math.Inf(-1)
	for _, v := range logw {
		peak = max(peak, v)
	}
	for i, v := range logw {
		logw[i] = math.Exp(v - peak)
	}
	normalize(logw)
	return logw
}

func (c *calibrator) fitStats(i int, right bool, eap float64) {
	st := &c.stats[i]
	p := prob(c.a[i], c.b[i], eap)
	x := 0.0
	if right {
		x = 1
		st.correct++
	}
	st.count++
	v := max(p*(1-p), 1e-9)
	st.infitNum += (x - p) * (x - p)
	st.infitDen += v
	st.outfit += (x - p) * (x - p) / v
	st.covXT += x * eap
	st.sumT += eap
	st.sumT2 += eap * eap
}
