package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Strategy is how the next question is chosen.
type Strategy string

const (
	// Adaptive is diagbot's strategy: one ability per competence, the item
	// that most reduces the uncertainty where it is largest.
	Adaptive Strategy = "adaptive"
	// Random picks any allowed item at random; same estimator. A baseline.
	Random Strategy = "random"
	// SingleAbility is the Pix approach, for reference: one global ability,
	// 2PL EAP on a grid over −9…9, item reward a²P(1−P), random among the 5
	// best, predicted success ≥ 0.8 for the first 8 questions relaxing to 0.5
	// by the 16th, every competence level read off the one ability.
	SingleAbility Strategy = "single-ability"
)

// Strategies lists the known strategies.
func Strategies() []Strategy { return []Strategy{Adaptive, Random, SingleAbility} }

// Defaults.
const (
	DefaultRho          = 0.7  // correlation of competences through the general ability
	DefaultMaxQuestions = 32   // as Pix: a diagnostic of about 20 minutes
	DefaultTargetSE     = 0.4  // a competence this precise is decided
	DefaultLevelMass    = 0.92 // the stop rule: a competence is decided when its level ±1 holds this much posterior mass
	DefaultTopK         = 4    // randomesque: pick among the best few
	MaxQuestionsLimit   = 200  // a campaign may not ask more
	minSE               = 0.05 // below this a target is meaningless
)

// Options tune an Engine. The zero value gives the documented defaults.
type Options struct {
	Rho  float64 // correlation between competences (0 < ρ < 1)
	TopK int     // randomesque choice among the TopK best items
	// Pilots marks items as pilot (by id) besides those whose Item.Pilot
	// is set: shown at most once per test, never counted (pilot.go).
	Pilots []string
	// PilotAnswers is how many answers in the calibration make a pilot
	// item operational (default DefaultPilotAnswers).
	PilotAnswers int
	// Calibration, when set, gives items their fitted a and b in place of
	// the authored ones (ParseCalibration reads the file).
	Calibration *Calibration
}

// Engine selects items and estimates abilities for one item bank. It is
// immutable after New and safe for concurrent use.
type Engine struct {
	items     []Item
	byID      map[string]int
	itemComp  []int       // framework index of each item's competence
	pTable    [][]float64 // P(correct | θ_t) per item on the θ grid
	iTable    [][]float64 // Fisher information a²P(1−P) per item on the θ grid
	byComp    [][]int     // item indices per competence
	skillOf   []int       // per item, a dense index of its (competence, skill)
	nSkills   int
	grid      *grid
	single    *singleGrid
	pilot     []bool  // per item: field-tested, never counted
	pilots    [][]int // pilot items per competence
	gridLevel []int   // LevelOf each point of the θ grid
	topK      int
	rho       float64
}

// ErrUnknownItem is returned for an item id the bank does not have.
var ErrUnknownItem = errors.New("unknown item")

// ErrNotPending is returned when an answer is for another item than the one
// asked: a stale or replayed answer. The state is unchanged.
var ErrNotPending = errors.New("this item is not the question being asked")

// ErrDone is returned when answering a finished diagnostic.
var ErrDone = errors.New("the diagnostic is finished")

// New builds an engine for items.
func New(items []Item, opts Options) (*Engine, error) {
	if opts.Rho == 0 {
		opts.Rho = DefaultRho
	}
	if !(opts.Rho > 0 && opts.Rho < 1) {
		return nil, fmt.Errorf("correlation ρ=%g must be between 0 and 1", opts.Rho)
	}
	if opts.TopK <= 0 {
		opts.TopK = DefaultTopK
	}
	e := &Engine{
		items:  append([]Item(nil), items...),
		byID:   make(map[string]int, len(items)),
		grid:   newGrid(opts.Rho),
		single: newSingleGrid(),
		topK:   opts.TopK,
		rho:    opts.Rho,
		byComp: make([][]int, len(competences)),
	}
	applyCalibration(e.items, opts.Calibration)
	e.pilot, e.pilots = pilotItems(e.items, opts)
	skills := map[string]int{}
	for i, it := range e.items {
		if err := it.Validate(); err != nil {
			return nil, err
		}
		key := it.Competence + "/" + it.Skill
		if _, ok := skills[key]; !ok {
			skills[key] = len(skills)
		}
		e.skillOf = append(e.skillOf, skills[key])
		if _, dup := e.byID[it.ID]; dup {
			return nil, fmt.Errorf("item %s appears twice", it.ID)
		}
		e.byID[it.ID] = i
		c := CompetenceIndex(it.Competence)
		e.itemComp = append(e.itemComp, c)
		if !e.pilot[i] {
			e.byComp[c] = append(e.byComp[c], i)
		}
		p := make([]float64, len(e.grid.theta))
		info := make([]float64, len(e.grid.theta))
		for t, th := range e.grid.theta {
			p[t] = prob(it.A, it.B, th)
			info[t] = it.A * it.A * p[t] * (1 - p[t])
		}
		e.pTable = append(e.pTable, p)
		e.iTable = append(e.iTable, info)
	}
	e.nSkills = len(skills)
	for _, th := range e.grid.theta {
		e.gridLevel = append(e.gridLevel, LevelOf(th))
	}
	return e, nil
}

// Items returns the bank's items.
func (e *Engine) Items() []Item { return append([]Item(nil), e.items...) }

// Item returns one item by id.
func (e *Engine) Item(id string) (Item, bool) {
	i, ok := e.byID[id]
	if !ok {
		return Item{}, false
	}
	return e.items[i], true
}

// Config is what a campaign sets for a diagnostic.
type Config struct {
	// Profile fills the competences, the maximum and the minimum per
	// competence that the config leaves unset (profile.go).
	Profile      string   `json:"profile,omitempty"`
	Competences  []string `json:"competences,omitempty"` // targets; empty = all 16
	MaxQuestions int      `json:"max_questions,omitempty"`
	// MinQuestions is asked even when every competence is decided sooner.
	MinQuestions int `json:"min_questions,omitempty"`
	// MinPerCompetence is asked in every target competence (0: 1) before
	// it may be decided, and the test keeps room for it.
	MinPerCompetence int     `json:"min_per_competence,omitempty"`
	TargetSE         float64 `json:"target_se,omitempty"`
	// LevelMass turns the stop rule on (stop.go): a competence is decided
	// when the posterior puts this much mass within one level of its
	// reported level (DefaultLevelMass is the measured choice). 0 leaves it
	// off: the test runs to MaxQuestions unless every competence reaches
	// TargetSE, as before the rule existed.
	LevelMass float64  `json:"level_mass,omitempty"`
	Strategy  Strategy `json:"strategy,omitempty"`
	Seed      uint64   `json:"seed"`
}

// Response is one answer given.
type Response struct {
	Item    string `json:"item"`
	Correct bool   `json:"correct"`
	Skipped bool   `json:"skipped,omitempty"` // "Je ne sais pas": scored as a miss
}

// State is one learner's diagnostic. It is plain data: store it as JSON and
// give it back to the engine to go on exactly where it was.
type State struct {
	Config    Config     `json:"config"`
	Responses []Response `json:"responses,omitempty"`
	Pending   string     `json:"pending,omitempty"` // the item asked and not yet answered
	Done      bool       `json:"done,omitempty"`
}

// Start begins a diagnostic. The config is completed with defaults and checked.
func (e *Engine) Start(cfg Config) (*State, error) {
	if err := applyProfile(&cfg); err != nil {
		return nil, err
	}
	if len(cfg.Competences) == 0 {
		cfg.Competences = CompetenceIDs()
	}
	cfg.Competences = SortCompetenceIDs(cfg.Competences)
	for _, id := range cfg.Competences {
		c := CompetenceIndex(id)
		if c < 0 {
			return nil, fmt.Errorf("unknown competence %q (use 1.1 … 5.2)", id)
		}
		if len(e.byComp[c]) == 0 {
			return nil, fmt.Errorf("competence %s has no item in the bank", id)
		}
	}
	if cfg.MaxQuestions == 0 {
		cfg.MaxQuestions = DefaultMaxQuestions
	}
	if cfg.MaxQuestions < len(cfg.Competences) || cfg.MaxQuestions > MaxQuestionsLimit {
		return nil, fmt.Errorf("max questions %d must be between the number of competences (%d) and %d", cfg.MaxQuestions, len(cfg.Competences), MaxQuestionsLimit)
	}
	if cfg.MinPerCompetence < 0 || cfg.MinPerCompetence*len(cfg.Competences) > cfg.MaxQuestions {
		return nil, fmt.Errorf("%d questions per competence at least do not fit in %d questions over %d competences", cfg.MinPerCompetence, cfg.MaxQuestions, len(cfg.Competences))
	}
	if cfg.MinQuestions < 0 || cfg.MinQuestions > cfg.MaxQuestions {
		return nil, fmt.Errorf("min questions %d must be between 0 and the maximum (%d)", cfg.MinQuestions, cfg.MaxQuestions)
	}
	if cfg.LevelMass < 0 || cfg.LevelMass >= 1 {
		return nil, fmt.Errorf("level mass %g must be in [0, 1) (0: no stop rule)", cfg.LevelMass)
	}
	if cfg.TargetSE == 0 {
		cfg.TargetSE = DefaultTargetSE
	}
	if cfg.TargetSE < minSE {
		return nil, fmt.Errorf("target standard error %g is below %g", cfg.TargetSE, minSE)
	}
	switch cfg.Strategy {
	case "":
		cfg.Strategy = Adaptive
	case Adaptive, Random, SingleAbility:
	default:
		return nil, fmt.Errorf("unknown strategy %q (adaptive, random, single-ability)", cfg.Strategy)
	}
	return &State{Config: cfg}, nil
}

// check verifies a restored state refers to this bank.
func (e *Engine) check(s *State) ([]answered, []int, error) {
	if s == nil {
		return nil, nil, errors.New("no diagnostic state")
	}
	targets := make([]int, 0, len(s.Config.Competences))
	for _, id := range s.Config.Competences {
		c := CompetenceIndex(id)
		if c < 0 {
			return nil, nil, fmt.Errorf("state targets unknown competence %q", id)
		}
		targets = append(targets, c)
	}
	ans := make([]answered, 0, len(s.Responses))
	for _, r := range s.Responses {
		j, ok := e.byID[r.Item]
		if !ok {
			return nil, nil, fmt.Errorf("%w %q in the saved answers: was it removed from the bank?", ErrUnknownItem, r.Item)
		}
		if !e.pilot[j] { // a pilot item's answer is for calibration only
			ans = append(ans, answered{item: j, correct: r.Correct && !r.Skipped})
		}
	}
	return ans, targets, nil
}

// Next returns the question to ask, or done=true when the diagnostic is over.
// Calling it again before Answer returns the same item.
func (e *Engine) Next(s *State) (it Item, done bool, err error) {
	ans, targets, err := e.check(s)
	if err != nil {
		return Item{}, false, err
	}
	if s.Done {
		return Item{}, true, nil
	}
	if s.Pending != "" {
		i, ok := e.byID[s.Pending]
		if !ok {
			return Item{}, false, fmt.Errorf("%w %q pending", ErrUnknownItem, s.Pending)
		}
		return e.items[i], false, nil
	}
	next, ok := e.selectNext(s, ans, targets)
	if !ok {
		s.Done = true
		return Item{}, true, nil
	}
	s.Pending = e.items[next].ID
	return e.items[next], false, nil
}

// Answer records the answer to the pending item. An answer to any other item
// is refused with ErrNotPending and changes nothing.
func (e *Engine) Answer(s *State, itemID string, correct, skipped bool) error {
	switch {
	case s == nil:
		return errors.New("no diagnostic state")
	case s.Done:
		return ErrDone
	case s.Pending == "" || s.Pending != itemID:
		return ErrNotPending
	}
	s.Responses = append(s.Responses, Response{Item: itemID, Correct: correct && !skipped, Skipped: skipped})
	s.Pending = ""
	return nil
}

// rngFor gives the random source of step n of a diagnostic: derived from the
// seed and the step only, so a restored state draws exactly what it would have.
func rngFor(seed uint64, n int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^uint64(n)))
}

// successFloor is the predicted success an early item must reach, so a shaky
// learner starts with questions they can do: 0.8 for the first 4, relaxing
// linearly to 0.5 at the 12th question, then none.
func successFloor(n int) float64 {
	switch {
	case n < 4:
		return 0.8
	case n < 12:
		return 0.8 - 0.3*float64(n-4)/8
	}
	return 0
}

type candidate struct {
	item  int
	score float64
	p     float64 // predicted success
}

// allowed lists items of the target competences not asked yet whose skill has
// not been asked either.
func (e *Engine) allowed(ans []answered, pending string, targets []int) []int {
	usedSkill := make([]bool, e.nSkills)
	for _, a := range ans {
		usedSkill[e.skillOf[a.item]] = true // the item itself is of that skill
	}
	if j, ok := e.byID[pending]; ok {
		usedSkill[e.skillOf[j]] = true
	}
	out := make([]int, 0, len(e.items))
	for _, c := range targets {
		for _, i := range e.byComp[c] {
			if !usedSkill[e.skillOf[i]] {
				out = append(out, i)
			}
		}
	}
	return out
}

func (e *Engine) selectNext(s *State, ans []answered, targets []int) (int, bool) {
	n := len(ans)
	if n >= s.Config.MaxQuestions {
		return 0, false
	}
	pilots := e.pilotsAsked(s)
	cands := e.allowed(append(slices.Clone(ans), pilots...), "", targets)
	if len(cands) == 0 {
		return 0, false
	}
	if i, ok := e.pilotDue(s, n, ans, pilots, targets); ok {
		return i, true
	}
	rng := rngFor(s.Config.Seed, n)
	if s.Config.Strategy == SingleAbility {
		return e.selectSingle(rng, ans, cands, n), true
	}
	post := e.posteriorOf(ans, targets)
	dec := e.decided(s, post, ans, targets)
	open := slices.DeleteFunc(slices.Clone(cands), func(i int) bool { return dec[e.itemComp[i]] })
	if len(open) > 0 && s.Config.LevelMass <= 0 {
		open = cands // no stop rule: any competence may still be asked
	}
	switch {
	case len(open) > 0:
		cands = open
	case n >= s.Config.MinQuestions:
		return 0, false // every competence decided (or out of items)
	}
	if s.Config.Strategy == Random {
		return cands[rng.IntN(len(cands))], true
	}

	// Every target competence must get its minimum (one question unless
	// the config says more): when the questions left are just enough for
	// what is missing, only competences short of it may be asked.
	need := max(1, s.Config.MinPerCompetence)
	asked := make([]int, len(competences))
	for _, a := range ans {
		asked[e.itemComp[a.item]]++
	}
	missing := 0
	for _, c := range targets {
		missing += max(0, need-asked[c])
	}
	if missing > 0 && s.Config.MaxQuestions-n <= missing {
		cands = slices.DeleteFunc(cands, func(i int) bool { return asked[e.itemComp[i]] >= need })
	}

	// Score: the expected reduction of the competence's posterior variance,
	// v − 1/(1/v + I), with I the Fisher information averaged over the
	// posterior. It favours informative items where uncertainty is largest.
	floor := successFloor(n)
	scored := make([]candidate, 0, len(cands))
	easy := make([]candidate, 0, len(cands))
	for _, i := range cands {
		c := e.itemComp[i]
		w := post.comp[c]
		p, info := 0.0, 0.0
		pt, it := e.pTable[i], e.iTable[i]
		for t := range w {
			p += w[t] * pt[t]
			info += w[t] * it[t]
		}
		v := post.sd[c] * post.sd[c]
		gain := v * v * info / (1 + v*info)
		cd := candidate{item: i, score: gain, p: p}
		if p >= floor {
			scored = append(scored, cd)
		} else {
			easy = append(easy, cd)
		}
	}
	if len(scored) == 0 { // nothing easy enough: the easiest ones
		for i := range easy {
			easy[i].score = easy[i].p
		}
		scored = easy
	}
	return pickTop(rng, scored, e.topK), true
}

// pickTop returns one of the k best candidates at random. Ties are broken at
// random too, so equal items share exposure. It keeps the k best in one pass
// (k is small) instead of sorting every candidate.
func pickTop(rng *rand.Rand, cs []candidate, k int) int {
	type ranked struct {
		c   candidate
		tie uint64
	}
	better := func(a, b ranked) bool { return a.c.score > b.c.score || a.c.score == b.c.score && a.tie > b.tie }
	top := make([]ranked, 0, k+1)
	for _, c := range cs {
		r := ranked{c, rng.Uint64()}
		if len(top) == k && !better(r, top[k-1]) {
			continue
		}
		j := len(top)
		if j < k {
			top = append(top, r)
		} else {
			j = k - 1
		}
		for ; j > 0 && better(r, top[j-1]); j-- {
			top[j] = top[j-1]
		}
		top[j] = r
	}
	return top[rng.IntN(len(top))].c.item
}

// probAt is the 2PL success probability of item i at ability theta.
func (e *Engine) probAt(i int, theta float64) float64 {
	return prob(e.items[i].A, e.items[i].B, theta)
}
