package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/diagbot/diagbot/engine"
)

// simFigures is the documented --json output of `diagbot simulate`.
type simFigures struct {
	Strategy    string `json:"strategy"`
	Stop        string `json:"stop"` // "level": the stop rule; "fixed": up to the maximum
	Profile     string `json:"profile,omitempty"`
	Learners    int    `json:"learners"`
	ItemsInBank int    `json:"items_in_bank"`
	Questions   struct {
		Mean   float64 `json:"mean"`
		Median float64 `json:"median"`
		P90    int     `json:"p90"`
		Max    int     `json:"max"`
	} `json:"questions"`
	// DontKnowQuestions is how many questions a learner who answers "Je ne
	// sais pas" to everything is asked.
	DontKnowQuestions int `json:"dont_know_questions"`
	RMSE              struct {
		Global        float64            `json:"global"`
		PerCompetence map[string]float64 `json:"per_competence"`
	} `json:"rmse"`
	WithinOneLevel levelFigures       `json:"within_one_level"`
	ExactLevel     map[string]float64 `json:"exact_level"`
	// StrongFlat is the share of strong learners (true mean ability over the
	// targets > 1.5) whose levels all came out the same.
	StrongFlat float64 `json:"strong_flat"`
	// Estimated is the share of competence results that rest on one question.
	Estimated   float64 `json:"estimated"`
	MaxExposure float64 `json:"max_exposure"`
	SelectionMS struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"selection_ms"`
	// VsFixed, on a stop-rule row when the fixed test ran on the same
	// learners (--stop both): its within-one-level minus the fixed test's,
	// by band, with the paired standard error.
	VsFixed map[string]pairedDiff `json:"vs_fixed,omitempty"`
}

// pairedDiff is a difference of shares measured on the same learners.
type pairedDiff struct {
	Diff float64 `json:"diff"`
	SE   float64 `json:"se"`
}

// levelFigures is the share of competence results within one level of the
// truth: over all, by band of true ability, for the strong (true θ > 1.5),
// and per competence.
type levelFigures struct {
	Overall       float64            `json:"overall"`
	ByBand        map[string]float64 `json:"by_band"`
	Strong        float64            `json:"strong"`
	PerCompetence map[string]float64 `json:"per_competence"`
}

// bandOf names the band of a true ability, for by_band.
func bandOf(theta float64) string {
	switch {
	case theta < -1:
		return "theta<-1"
	case theta > 1:
		return "theta>1"
	}
	return "-1..1"
}

type simConfig struct {
	learners    int
	rho         float64
	maxItems    int
	minItems    int
	levelMass   float64 // engine.Config.LevelMass: 0 runs to the maximum
	targetSE    float64 // engine.Config.TargetSE of the stop rule's run (0: the engine's default)
	seed        uint64
	competences []string
	workers     int
	profile     string
	// truth is the world's item parameters, by id; nil: the engine's own.
	truth map[string]itemParams
}

// itemParams are an item's 2PL parameters.
type itemParams struct{ A, B float64 }

func simulateCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	learners := fl.Int("learners", 1000, "number of simulated learners")
	rho := fl.Float64("rho", engine.DefaultRho, "correlation between the true abilities of two competences")
	modelRho := fl.Float64("model-rho", engine.DefaultRho, "correlation the engine assumes")
	maxItems := fl.Int("max", engine.DefaultMaxQuestions, "maximum questions per learner")
	minItems := fl.Int("min", 0, "minimum questions per learner (stop rule)")
	stop := fl.String("stop", "both", "level (the stop rule), fixed (up to --max), or both")
	levelMass := fl.Float64("level-mass", engine.DefaultLevelMass, "stop rule: posterior mass within one level that decides a competence")
	targetSE := fl.Float64("target-se", engine.DefaultTargetSE, "stop rule: a competence whose posterior SD is at most this is decided too (the rule's other arm; with --level-mass 0.9999, the only one)")
	seed := fl.Uint64("seed", 1, "random seed (same seed, same learners for every strategy)")
	strategy := fl.String("strategy", "adaptive", "adaptive, random, single-ability, a comma list, or all")
	comps := fl.String("competences", "", "target competences, comma separated (default: all 16)")
	profile := fl.String("profile", "", "a campaign profile (complet, emploi): its competences, maximum and minimum per competence")
	asJSON := fl.Bool("json", false, "print machine-readable figures (one JSON object per strategy and stop, one per line)")
	stdio := fl.Bool("stdio", false, "play against answers read from stdin, one JSON object per line (see README)")
	dir := fl.String("bank", "", "question bank directory (default: the embedded bank)")
	topK := fl.Int("top-k", engine.DefaultTopK, "adaptive: pick at random among this many best items (exposure control)")
	workers := fl.Int("workers", runtime.GOMAXPROCS(0), "parallel simulation workers")
	calibration := fl.String("calibration", "", "also run the calibration study for these numbers of learners (e.g. 500,1000,2000,5000)")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	b, err := loadBankDir(*dir)
	if err != nil {
		return err
	}
	opts := engine.Options{Rho: *modelRho, TopK: *topK}
	eng, err := engine.New(b.EngineItems(), opts)
	if err != nil {
		return err
	}
	if *stdio {
		return simulateStdio(ctx, eng, stdin, stdout)
	}
	if *learners <= 0 || !(*rho >= 0 && *rho < 1) || *workers <= 0 || !(*levelMass > 0 && *levelMass < 1) || *targetSE < 0.05 {
		return fmt.Errorf("--learners and --workers must be positive, --rho in [0, 1) and --level-mass in (0, 1), --target-se at least 0.05: %w", errUsage)
	}
	var strategies []engine.Strategy
	if *strategy == "all" {
		strategies = engine.Strategies()
	} else {
		for _, s := range strings.Split(*strategy, ",") {
			st := engine.Strategy(strings.TrimSpace(s))
			if !slices.Contains(engine.Strategies(), st) {
				return fmt.Errorf("unknown strategy %q (adaptive, random, single-ability, all): %w", s, errUsage)
			}
			strategies = append(strategies, st)
		}
	}
	var masses []float64
	switch *stop {
	case "fixed":
		masses = []float64{0}
	case "level":
		masses = []float64{*levelMass}
	case "both":
		masses = []float64{0, *levelMass}
	default:
		return fmt.Errorf("unknown --stop %q (level, fixed, both): %w", *stop, errUsage)
	}
	cfg := simConfig{targetSE: *targetSE, learners: *learners, rho: *rho, maxItems: *maxItems, minItems: *minItems, seed: *seed, workers: *workers, profile: *profile}
	if *profile != "" {
		if _, ok := engine.ProfileByID(*profile); !ok {
			return fmt.Errorf("unknown profile %q (complet, emploi): %w", *profile, errUsage)
		}
		cfg.maxItems = 0 // the profile's, unless --max is given
		fl.Visit(func(f *flag.Flag) {
			if f.Name == "max" {
				cfg.maxItems = *maxItems
			}
		})
	}
	if *comps != "" {
		cfg.competences = strings.Split(*comps, ",")
	}
	var all []simFigures
	for _, st := range strategies {
		var fixed []simLearner
		for _, m := range masses {
			cfg.levelMass = m
			f, out, err := simulate(ctx, eng, st, cfg, stderr)
			if err != nil {
				return err
			}
			if m == 0 {
				fixed = out
			} else if fixed != nil {
				f.VsFixed = pairedBands(out, fixed)
			}
			all = append(all, f)
			if *asJSON {
				if err := json.NewEncoder(stdout).Encode(f); err != nil {
					return err
				}
			}
		}
	}
	if !*asJSON {
		printSimTable(stdout, all)
	}
	if *calibration == "" {
		return nil
	}
	counts, err := parseCounts(*calibration)
	if err != nil {
		return err
	}
	cfg.levelMass = 0
	rows, err := calibrationStudy(ctx, b.EngineItems(), opts, cfg, counts, stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(struct {
			Calibration []calFigures `json:"calibration"`
		}{rows})
	}
	printCalTable(stdout, rows)
	return nil
}

// trueAbilities draws one learner: a general ability g ~ N(0,1) and
// θ_c = √ρ·g + √(1−ρ)·e_c, so every pair of competences correlates ρ.
func trueAbilities(rng *rand.Rand, rho float64) []float64 {
	g := rng.NormFloat64()
	th := make([]float64, len(engine.CompetenceIDs()))
	for i := range th {
		th[i] = math.Sqrt(rho)*g + math.Sqrt(1-rho)*rng.NormFloat64()
	}
	return th
}

type simLearner struct {
	est       engine.Result
	truth     []float64
	shown     []string
	correct   []bool
	questions int
	selection []time.Duration
}

// simulate runs the learners and measures the result.
func simulate(ctx context.Context, eng *engine.Engine, st engine.Strategy, cfg simConfig, progress io.Writer) (simFigures, []simLearner, error) {
	out, err := runLearners(ctx, eng, st, cfg, progress)
	if err != nil {
		return simFigures{}, nil, err
	}
	f := measure(eng, out)
	f.Strategy, f.Stop, f.Profile = string(st), "level", cfg.profile
	if cfg.levelMass == 0 {
		f.Stop = "fixed"
	}
	dk, err := dontKnow(eng, st, cfg)
	f.DontKnowQuestions = dk
	return f, out, err
}

// runLearners has cfg.learners simulated learners take the diagnostic, in
// parallel, with a progress line on long runs.
func runLearners(ctx context.Context, eng *engine.Engine, st engine.Strategy, cfg simConfig, progress io.Writer) ([]simLearner, error) {
	out := make([]simLearner, cfg.learners)
	jobs := make(chan int)
	errs := make(chan error, cfg.workers)
	var wg sync.WaitGroup
	var done int64
	var mu sync.Mutex
	start := time.Now()
	lastReport := start
	for w := 0; w < cfg.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				l, err := simulateOne(eng, st, cfg, i)
				if err != nil {
					errs <- err
					return
				}
				out[i] = l
				mu.Lock()
				done++
				if now := time.Now(); now.Sub(lastReport) > 2*time.Second {
					lastReport = now
					fmt.Fprintf(progress, "simulate %s: %d/%d learners (%.0fs)\n", st, done, cfg.learners, now.Sub(start).Seconds())
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := 0; i < cfg.learners; i++ {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return nil, err
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return out, ctx.Err()
}

func (cfg simConfig) engineConfig(st engine.Strategy, seed uint64) engine.Config {
	c := engine.Config{Profile: cfg.profile, Competences: cfg.competences, MaxQuestions: cfg.maxItems, MinQuestions: cfg.minItems,
		LevelMass: cfg.levelMass, Strategy: st, Seed: seed}
	if cfg.levelMass > 0 {
		c.TargetSE = cfg.targetSE
	}
	return c
}

// dontKnow counts the questions a learner who answers "Je ne sais pas" to
// everything is asked.
func dontKnow(eng *engine.Engine, st engine.Strategy, cfg simConfig) (int, error) {
	s, err := eng.Start(cfg.engineConfig(st, cfg.seed))
	if err != nil {
		return 0, err
	}
	for {
		it, done, err := eng.Next(s)
		if err != nil || done {
			return len(s.Responses), err
		}
		if err := eng.Answer(s, it.ID, false, true); err != nil {
			return 0, err
		}
	}
}

func simulateOne(eng *engine.Engine, st engine.Strategy, cfg simConfig, i int) (simLearner, error) {
	// The same learner (abilities and luck) for every strategy.
	rng := rand.New(rand.NewPCG(cfg.seed, uint64(i)))
	truth := trueAbilities(rng, cfg.rho)
	luck := rand.New(rand.NewPCG(cfg.seed^0x5bd1e995, uint64(i)))
	s, err := eng.Start(cfg.engineConfig(st, cfg.seed*1_000_003+uint64(i)))
	if err != nil {
		return simLearner{}, err
	}
	l := simLearner{truth: truth}
	for {
		t0 := time.Now()
		it, done, err := eng.Next(s)
		l.selection = append(l.selection, time.Since(t0))
		if err != nil {
			return l, err
		}
		if done {
			break
		}
		a, b := it.A, it.B
		if p, ok := cfg.truth[it.ID]; ok {
			a, b = p.A, p.B
		}
		p := 1 / (1 + math.Exp(-a*(truth[engine.CompetenceIndex(it.Competence)]-b)))
		right := luck.Float64() < p
		l.shown = append(l.shown, it.ID)
		l.correct = append(l.correct, right)
		if err := eng.Answer(s, it.ID, right, false); err != nil {
			return l, err
		}
	}
	l.questions = len(s.Responses)
	l.est, err = eng.Result(s)
	return l, err
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
