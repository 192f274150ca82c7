package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// simFigures is the documented --json output of `diagbot simulate`.
type simFigures struct {
	Strategy    string `json:"strategy"`
	Learners    int    `json:"learners"`
	ItemsInBank int    `json:"items_in_bank"`
	Questions   struct {
		Mean   float64 `json:"mean"`
		Median float64 `json:"median"`
		Max    int     `json:"max"`
	} `json:"questions"`
	RMSE struct {
		Global        float64            `json:"global"`
		PerCompetence map[string]float64 `json:"per_competence"`
	} `json:"rmse"`
	WithinOneLevel map[string]float64 `json:"within_one_level"`
	ExactLevel     map[string]float64 `json:"exact_level"`
	MaxExposure    float64            `json:"max_exposure"`
	SelectionMS    struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"selection_ms"`
}

type simConfig struct {
	learners    int
	rho         float64
	maxItems    int
	seed        uint64
	competences []string
	workers     int
}

func simulateCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	learners := fl.Int("learners", 1000, "number of simulated learners")
	rho := fl.Float64("rho", engine.DefaultRho, "correlation between the true abilities of two competences")
	modelRho := fl.Float64("model-rho", engine.DefaultRho, "correlation the engine assumes")
	maxItems := fl.Int("max", engine.DefaultMaxQuestions, "maximum questions per learner")
	seed := fl.Uint64("seed", 1, "random seed (same seed, same learners for every strategy)")
	strategy := fl.String("strategy", "adaptive", "adaptive, random, single-ability, a comma list, or all")
	comps := fl.String("competences", "", "target competences, comma separated (default: all 16)")
	asJSON := fl.Bool("json", false, "print machine-readable figures (one JSON object per strategy, one per line)")
	stdio := fl.Bool("stdio", false, "play against answers read from stdin, one JSON object per line (see README)")
	dir := fl.String("bank", "", "question bank directory (default: the embedded bank)")
	topK := fl.Int("top-k", engine.DefaultTopK, "adaptive: pick at random among this many best items (exposure control)")
	workers := fl.Int("workers", runtime.GOMAXPROCS(0), "parallel simulation workers")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	fsys, _, err := bankFS(*dir)
	if err != nil {
		return err
	}
	b, err := bank.Load(fsys)
	if err != nil {
		return err
	}
	eng, err := engine.New(b.EngineItems(), engine.Options{Rho: *modelRho, TopK: *topK})
	if err != nil {
		return err
	}
	if *stdio {
		return simulateStdio(ctx, eng, stdin, stdout)
	}
	if *learners <= 0 || !(*rho >= 0 && *rho < 1) || *workers <= 0 {
		return fmt.Errorf("--learners and --workers must be positive and --rho in [0, 1): %w", errUsage)
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
	cfg := simConfig{learners: *learners, rho: *rho, maxItems: *maxItems, seed: *seed, workers: *workers}
	if *comps != "" {
		cfg.competences = strings.Split(*comps, ",")
	}
	var all []simFigures
	for _, st := range strategies {
		f, err := simulate(ctx, eng, st, cfg, stderr)
		if err != nil {
			return err
		}
		all = append(all, f)
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(f); err != nil {
				return err
			}
		}
	}
	if !*asJSON {
		printSimTable(stdout, all)
	}
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
	questions int
	selection []time.Duration
}

func simulate(ctx context.Context, eng *engine.Engine, st engine.Strategy, cfg simConfig, progress io.Writer) (simFigures, error) {
	compIdx := map[string]int{}
	for i, id := range engine.CompetenceIDs() {
		compIdx[id] = i
	}
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
			return simFigures{}, err
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return simFigures{}, err
	default:
	}
	if ctx.Err() != nil {
		return simFigures{}, ctx.Err()
	}

	f := simFigures{Strategy: string(st), Learners: cfg.learners, ItemsInBank: len(eng.Items())}
	f.RMSE.PerCompetence = map[string]float64{}
	f.WithinOneLevel = map[string]float64{}
	f.ExactLevel = map[string]float64{}
	var qs []int
	var sel []time.Duration
	exposure := map[string]int{}
	sq := map[string]float64{}
	within := map[string]int{}
	exact := map[string]int{}
	globalSq := 0.0
	for _, l := range out {
		qs = append(qs, l.questions)
		sel = append(sel, l.selection...)
		for _, id := range l.shown {
			exposure[id]++
		}
		trueGlobal := 0.0
		for _, cr := range l.est.Competences {
			t := l.truth[compIdx[cr.Competence]]
			trueGlobal += t
			d := cr.Theta - t
			sq[cr.Competence] += d * d
			dl := engine.LevelOf(cr.Theta) - engine.LevelOf(t)
			if dl == 0 {
				exact[cr.Competence]++
			}
			if dl >= -1 && dl <= 1 {
				within[cr.Competence]++
			}
		}
		trueGlobal /= float64(len(l.est.Competences))
		globalSq += (l.est.Global.Theta - trueGlobal) * (l.est.Global.Theta - trueGlobal)
	}
	n := float64(cfg.learners)
	for c, s := range sq {
		f.RMSE.PerCompetence[c] = round3(math.Sqrt(s / n))
		f.WithinOneLevel[c] = round3(float64(within[c]) / n)
		f.ExactLevel[c] = round3(float64(exact[c]) / n)
	}
	f.RMSE.Global = round3(math.Sqrt(globalSq / n))
	sort.Ints(qs)
	sum := 0
	for _, q := range qs {
		sum += q
	}
	f.Questions.Mean = round3(float64(sum) / n)
	f.Questions.Median = float64(qs[len(qs)/2])
	if len(qs)%2 == 0 {
		f.Questions.Median = float64(qs[len(qs)/2-1]+qs[len(qs)/2]) / 2
	}
	f.Questions.Max = qs[len(qs)-1]
	for _, c := range exposure {
		f.MaxExposure = max(f.MaxExposure, float64(c)/n)
	}
	f.MaxExposure = round3(f.MaxExposure)
	slices.Sort(sel)
	if len(sel) > 0 {
		f.SelectionMS.P50 = round3(float64(sel[len(sel)/2]) / 1e6)
		f.SelectionMS.P99 = round3(float64(sel[min(len(sel)-1, len(sel)*99/100)]) / 1e6)
	}
	return f, nil
}

func simulateOne(eng *engine.Engine, st engine.Strategy, cfg simConfig, i int) (simLearner, error) {
	// The same learner (abilities and luck) for every strategy.
	rng := rand.New(rand.NewPCG(cfg.seed, uint64(i)))
	truth := trueAbilities(rng, cfg.rho)
	luck := rand.New(rand.NewPCG(cfg.seed^0x5bd1e995, uint64(i)))
	s, err := eng.Start(engine.Config{Competences: cfg.competences, MaxQuestions: cfg.maxItems, Strategy: st, Seed: cfg.seed*1_000_003 + uint64(i)})
	if err != nil {
		return simLearner{}, err
	}
	compIdx := map[string]int{}
	for j, id := range engine.CompetenceIDs() {
		compIdx[id] = j
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
		l.shown = append(l.shown, it.ID)
		p := 1 / (1 + math.Exp(-it.A*(truth[compIdx[it.Competence]]-it.B)))
		if err := eng.Answer(s, it.ID, luck.Float64() < p, false); err != nil {
			return l, err
		}
	}
	l.questions = len(s.Responses)
	l.est, err = eng.Result(s)
	return l, err
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func printSimTable(w io.Writer, all []simFigures) {
	if len(all) == 0 {
		return
	}
	fmt.Fprintf(w, "%d simulated learners, %d items in the bank\n\n%-22s", all[0].Learners, all[0].ItemsInBank, "")
	for _, f := range all {
		fmt.Fprintf(w, " %15s", f.Strategy)
	}
	fmt.Fprintln(w)
	row := func(name string, v func(f simFigures) string) {
		fmt.Fprintf(w, "%-22s", name)
		for _, f := range all {
			fmt.Fprintf(w, " %15s", v(f))
		}
		fmt.Fprintln(w)
	}
	row("questions mean", func(f simFigures) string { return fmt.Sprintf("%.1f", f.Questions.Mean) })
	row("questions median/max", func(f simFigures) string { return fmt.Sprintf("%.0f/%d", f.Questions.Median, f.Questions.Max) })
	row("global RMSE", func(f simFigures) string { return fmt.Sprintf("%.3f", f.RMSE.Global) })
	row("mean competence RMSE", func(f simFigures) string { return fmt.Sprintf("%.3f", meanOf(f.RMSE.PerCompetence)) })
	row("min within-one-level", func(f simFigures) string { return fmt.Sprintf("%.1f%%", 100*minOf(f.WithinOneLevel)) })
	row("mean exact level", func(f simFigures) string { return fmt.Sprintf("%.1f%%", 100*meanOf(f.ExactLevel)) })
	row("max item exposure", func(f simFigures) string { return fmt.Sprintf("%.1f%%", 100*f.MaxExposure) })
	row("selection p50/p99 ms", func(f simFigures) string { return fmt.Sprintf("%.2f/%.2f", f.SelectionMS.P50, f.SelectionMS.P99) })
	fmt.Fprintf(w, "\n%-22s\n", "per competence: RMSE · within one level")
	var ids []string
	for id := range all[0].RMSE.PerCompetence {
		ids = append(ids, id)
	}
	ids = engine.SortCompetenceIDs(ids)
	for _, id := range ids {
		row("  "+id, func(f simFigures) string {
			return fmt.Sprintf("%.3f · %3.0f%%", f.RMSE.PerCompetence[id], 100*f.WithinOneLevel[id])
		})
	}
}

func meanOf(m map[string]float64) float64 {
	if len(m) == 0 {
		return 0
	}
	s := 0.0
	for _, v := range m {
		s += v
	}
	return s / float64(len(m))
}

func minOf(m map[string]float64) float64 {
	first := true
	out := 0.0
	for _, v := range m {
		if first || v < out {
			out, first = v, false
		}
	}
	return out
}

// ---- --stdio: the engine plays against an outside harness.

type stdioIn struct {
	Op           string   `json:"op"`
	ID           string   `json:"id"`
	Competences  []string `json:"competences"`
	MaxQuestions int      `json:"max_questions"`
	Seed         uint64   `json:"seed"`
	Strategy     string   `json:"strategy"`
	Item         string   `json:"item"`
	Correct      bool     `json:"correct"`
	Skip         bool     `json:"skip"`
}

type stdioCompetence struct {
	Theta float64 `json:"theta"`
	SE    float64 `json:"se"`
	Level int     `json:"level"`
}

type stdioOut struct {
	ID        string `json:"id,omitempty"`
	Item      string `json:"item,omitempty"`
	Done      bool   `json:"done,omitempty"`
	Questions int    `json:"questions,omitempty"`
	Result    *struct {
		Global      engine.Estimate            `json:"global"`
		Competences map[string]stdioCompetence `json:"competences"`
	} `json:"result,omitempty"`
	Error string `json:"error,omitempty"`
}

func simulateStdio(ctx context.Context, eng *engine.Engine, stdin io.Reader, stdout io.Writer) error {
	sessions := map[string]*engine.State{}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for sc.Scan() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		resp := stdioStep(eng, sessions, line)
		if err := enc.Encode(resp); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	return nil
}

func stdioStep(eng *engine.Engine, sessions map[string]*engine.State, line string) stdioOut {
	var in stdioIn
	if err := json.Unmarshal([]byte(line), &in); err != nil {
		return stdioOut{Error: "malformed line: " + err.Error()}
	}
	if in.ID == "" {
		return stdioOut{Error: "missing \"id\""}
	}
	switch in.Op {
	case "start":
		if _, busy := sessions[in.ID]; busy {
			return stdioOut{ID: in.ID, Error: "learner already started"}
		}
		s, err := eng.Start(engine.Config{Competences: in.Competences, MaxQuestions: in.MaxQuestions, Seed: in.Seed, Strategy: engine.Strategy(in.Strategy)})
		if err != nil {
			return stdioOut{ID: in.ID, Error: err.Error()}
		}
		sessions[in.ID] = s
	case "answer":
		s, ok := sessions[in.ID]
		if !ok {
			return stdioOut{ID: in.ID, Error: "unknown learner: send {\"op\":\"start\"} first"}
		}
		if err := eng.Answer(s, in.Item, in.Correct, in.Skip); err != nil {
			return stdioOut{ID: in.ID, Error: fmt.Sprintf("answer to %q refused: %v (pending: %q)", in.Item, err, s.Pending)}
		}
	default:
		return stdioOut{ID: in.ID, Error: fmt.Sprintf("unknown op %q (start, answer)", in.Op)}
	}
	s := sessions[in.ID]
	it, done, err := eng.Next(s)
	if err != nil {
		return stdioOut{ID: in.ID, Error: err.Error()}
	}
	if !done {
		return stdioOut{ID: in.ID, Item: it.ID}
	}
	delete(sessions, in.ID)
	res, err := eng.Result(s)
	if err != nil {
		return stdioOut{ID: in.ID, Error: err.Error()}
	}
	o := stdioOut{ID: in.ID, Done: true, Questions: res.Questions}
	o.Result = &struct {
		Global      engine.Estimate            `json:"global"`
		Competences map[string]stdioCompetence `json:"competences"`
	}{Global: res.Global, Competences: map[string]stdioCompetence{}}
	for _, cr := range res.Competences {
		o.Result.Competences[cr.Competence] = stdioCompetence{cr.Theta, cr.SE, cr.Level}
	}
	return o
}
