package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/diagbot/diagbot/engine"
)

// calFigures is one row of `simulate --calibration`: the world has other
// item parameters than the authored ones; learners take the test, their log
// is calibrated, and the test is measured again.
type calFigures struct {
	Learners int     `json:"learners"`
	BRMSE    float64 `json:"b_rmse"` // fitted against true, items with ≥ 100 answers
	ARMSE    float64 `json:"a_rmse"`
	// Lower bounds on a_rmse for this log (see simulate_bound.go): van Trees
	// with every θ and b known (the oracle), van Trees with θ known only
	// through each learner's other answers, and the exact posterior's RMSE
	// for an estimator told every other item's parameters (the floor).
	ABound           float64 `json:"a_rmse_bound"`
	ABoundPosterior  float64 `json:"a_rmse_bound_posterior"`
	AFloor           float64 `json:"a_rmse_floor"`
	Items            int     `json:"items"` // items with ≥ 100 answers
	RMSEUncalibrated float64 `json:"rmse_uncalibrated"`
	RMSECalibrated   float64 `json:"rmse_calibrated"`
	RMSEKnown        float64 `json:"rmse_known"` // the engine with the true parameters
	Passes           int     `json:"passes"`
}

// parseCounts reads "500,1000,2000".
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--calibration wants learner counts such as 500,1000,2000,5000, not %q: %w", s, errUsage)
		}
		out = append(out, n)
	}
	return out, nil
}

// wrongWorld draws true parameters as they are in real life: a lognormal
// around 1.5 (sd of log 0.3), b = authored + N(0, 0.5).
func wrongWorld(items []engine.Item, seed uint64) map[string]itemParams {
	rng := rand.New(rand.NewPCG(seed, 0xca11b))
	out := make(map[string]itemParams, len(items))
	for _, it := range items {
		out[it.ID] = itemParams{A: 1.5 * math.Exp(0.3*rng.NormFloat64()), B: it.B + 0.5*rng.NormFloat64()}
	}
	return out
}

// calibrationStudy measures the test before and after calibration, for each
// number of learners in the log. The test is measured on the same 1,000
// other learners (cfg.seed + 1) each time.
func calibrationStudy(ctx context.Context, items []engine.Item, opts engine.Options, cfg simConfig, counts []int, progress io.Writer) ([]calFigures, error) {
	truth := wrongWorld(items, cfg.seed)
	cfg.truth = truth
	authored, err := engine.New(items, opts)
	if err != nil {
		return nil, err
	}
	known := append([]engine.Item(nil), items...)
	for i := range known {
		known[i].A, known[i].B = truth[known[i].ID].A, truth[known[i].ID].B
	}
	knownEng, err := engine.New(known, opts)
	if err != nil {
		return nil, err
	}
	eval := cfg
	eval.learners, eval.seed = 1000, cfg.seed+1
	rmse := func(e *engine.Engine) (float64, error) {
		out, err := runLearners(ctx, e, engine.Adaptive, eval, progress)
		if err != nil {
			return 0, err
		}
		return meanOf(measure(e, out).RMSE.PerCompetence), nil
	}
	base, err := rmse(authored)
	if err != nil {
		return nil, err
	}
	best, err := rmse(knownEng)
	if err != nil {
		return nil, err
	}
	var rows []calFigures
	for _, n := range counts {
		run := cfg
		run.learners = n
		log, err := runLearners(ctx, authored, engine.Adaptive, run, progress)
		if err != nil {
			return nil, err
		}
		src := func(yield func([]engine.Response) error) error {
			var rs []engine.Response
			for _, l := range log {
				rs = rs[:0]
				for k, id := range l.shown {
					rs = append(rs, engine.Response{Item: id, Correct: l.correct[k]})
				}
				if err := yield(rs); err != nil {
					return err
				}
			}
			return nil
		}
		cal, err := engine.Calibrate(items, src, engine.CalibrationOptions{Rho: opts.Rho})
		if err != nil {
			return nil, err
		}
		row := calFigures{Learners: n, RMSEUncalibrated: round3(base), RMSEKnown: round3(best), Passes: cal.Passes}
		var sqA, sqB float64
		for _, ci := range cal.Items {
			if ci.N < engine.MinFitAnswers {
				continue
			}
			t := truth[ci.ID]
			sqA += (ci.A - t.A) * (ci.A - t.A)
			sqB += (ci.B - t.B) * (ci.B - t.B)
			row.Items++
		}
		if row.Items > 0 {
			row.ARMSE, row.BRMSE = round3(math.Sqrt(sqA/float64(row.Items))), round3(math.Sqrt(sqB/float64(row.Items)))
			oracle, post := aBounds(items, truth, log, opts.Rho)
			row.ABound, row.ABoundPosterior = round3(oracle), round3(post)
			row.AFloor = round3(aFloor(items, truth, log, opts.Rho))
		}
		o := opts
		o.Calibration = &cal
		calEng, err := engine.New(items, o)
		if err != nil {
			return nil, err
		}
		r, err := rmse(calEng)
		if err != nil {
			return nil, err
		}
		row.RMSECalibrated = round3(r)
		rows = append(rows, row)
		fmt.Fprintf(progress, "simulate calibration: %d learners done\n", n)
	}
	return rows, nil
}

func printCalTable(w io.Writer, rows []calFigures) {
	fmt.Fprintf(w, "\ncalibration (world with wrong parameters; RMSE: mean per-competence, 1,000 other learners)\n")
	fmt.Fprintf(w, "%9s %7s %7s %8s %6s %14s %12s %8s\n", "learners", "b RMSE", "a RMSE", "a floor", "items", "uncalibrated", "calibrated", "known")
	for _, r := range rows {
		fmt.Fprintf(w, "%9d %7.3f %7.3f %8.3f %6d %14.3f %12.3f %8.3f\n", r.Learners, r.BRMSE, r.ARMSE, r.AFloor, r.Items, r.RMSEUncalibrated, r.RMSECalibrated, r.RMSEKnown)
	}
}
