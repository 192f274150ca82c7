package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/diagbot/diagbot/engine"
)

// measure compares the learners' results with their true abilities.
func measure(eng *engine.Engine, out []simLearner) simFigures {
	compIdx := map[string]int{}
	for i, id := range engine.CompetenceIDs() {
		compIdx[id] = i
	}
	f := simFigures{Learners: len(out), ItemsInBank: len(eng.Items())}
	f.RMSE.PerCompetence = map[string]float64{}
	f.WithinOneLevel = levelFigures{ByBand: map[string]float64{}, PerCompetence: map[string]float64{}}
	f.ExactLevel = map[string]float64{}
	var qs []int
	var sel []time.Duration
	exposure := map[string]int{}
	sq := map[string]float64{}
	within, exact := map[string]int{}, map[string]int{}
	bandIn, bandN := map[string]int{}, map[string]int{}
	strongIn, strongN, inAll, nAll, estimated := 0, 0, 0, 0, 0
	strongLearners, flat := 0, 0
	globalSq := 0.0
	for _, l := range out {
		qs = append(qs, l.questions)
		sel = append(sel, l.selection...)
		for _, id := range l.shown {
			exposure[id]++
		}
		trueGlobal := 0.0
		levels := map[int]bool{}
		for _, cr := range l.est.Competences {
			t := l.truth[compIdx[cr.Competence]]
			trueGlobal += t
			d := cr.Theta - t
			sq[cr.Competence] += d * d
			dl := engine.LevelOf(cr.Theta) - engine.LevelOf(t)
			ok := dl >= -1 && dl <= 1
			if dl == 0 {
				exact[cr.Competence]++
			}
			nAll++
			bandN[bandOf(t)]++
			if ok {
				within[cr.Competence]++
				inAll++
				bandIn[bandOf(t)]++
			}
			if t > 1.5 {
				strongN++
				if ok {
					strongIn++
				}
			}
			if cr.Questions <= 1 {
				estimated++
			}
			levels[cr.Level] = true
		}
		trueGlobal /= float64(len(l.est.Competences))
		globalSq += (l.est.Global.Theta - trueGlobal) * (l.est.Global.Theta - trueGlobal)
		if trueGlobal > 1.5 {
			strongLearners++
			if len(levels) == 1 {
				flat++
			}
		}
	}
	n := float64(len(out))
	for c, s := range sq {
		f.RMSE.PerCompetence[c] = round3(math.Sqrt(s / n))
		f.WithinOneLevel.PerCompetence[c] = round3(float64(within[c]) / n)
		f.ExactLevel[c] = round3(float64(exact[c]) / n)
	}
	share := func(k, n int) float64 {
		if n == 0 {
			return 0
		}
		return round3(float64(k) / float64(n))
	}
	f.WithinOneLevel.Overall = share(inAll, nAll)
	for b, k := range bandN {
		f.WithinOneLevel.ByBand[b] = share(bandIn[b], k)
	}
	f.WithinOneLevel.Strong = share(strongIn, strongN)
	f.StrongFlat = share(flat, strongLearners)
	f.Estimated = share(estimated, nAll)
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
	f.Questions.P90 = qs[min(len(qs)-1, len(qs)*9/10)]
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
	return f
}

// pairedBands compares the within-one-level shares by band of two runs on
// the same learners (a stop rule and the fixed test): the difference and its
// standard error, learners being the unit (a ratio estimator: Σ(aᵢ − bᵢ) /
// Σnᵢ, its variance from the residuals aᵢ − bᵢ − D·nᵢ).
func pairedBands(rule, fixed []simLearner) map[string]pairedDiff {
	type counts struct{ n, a, b int }
	per := make([]map[string]*counts, len(rule))
	tot := map[string]*counts{}
	for i := range rule {
		per[i] = map[string]*counts{}
		add := func(res engine.Result, truth []float64, isRule bool) {
			for _, cr := range res.Competences {
				t := truth[engine.CompetenceIndex(cr.Competence)]
				b := bandOf(t)
				if per[i][b] == nil {
					per[i][b] = &counts{}
				}
				if tot[b] == nil {
					tot[b] = &counts{}
				}
				dl := engine.LevelOf(cr.Theta) - engine.LevelOf(t)
				in := dl >= -1 && dl <= 1
				switch {
				case isRule:
					per[i][b].n++
					tot[b].n++
					if in {
						per[i][b].a++
						tot[b].a++
					}
				case in:
					per[i][b].b++
					tot[b].b++
				}
			}
		}
		add(rule[i].est, rule[i].truth, true)
		add(fixed[i].est, fixed[i].truth, false)
	}
	out := map[string]pairedDiff{}
	for b, t := range tot {
		if t.n == 0 {
			continue
		}
		d := float64(t.a-t.b) / float64(t.n)
		v := 0.0
		for _, p := range per {
			if c := p[b]; c != nil {
				r := float64(c.a-c.b) - d*float64(c.n)
				v += r * r
			}
		}
		out[b] = pairedDiff{Diff: round3(d), SE: round3(math.Sqrt(v) / float64(t.n))}
	}
	return out
}

func printSimTable(w io.Writer, all []simFigures) {
	if len(all) == 0 {
		return
	}
	fmt.Fprintf(w, "%d simulated learners, %d items in the bank\n\n%-22s", all[0].Learners, all[0].ItemsInBank, "")
	for _, f := range all {
		fmt.Fprintf(w, " %20s", f.Strategy+"/"+f.Stop)
	}
	fmt.Fprintln(w)
	row := func(name string, v func(f simFigures) string) {
		fmt.Fprintf(w, "%-22s", name)
		for _, f := range all {
			fmt.Fprintf(w, " %20s", v(f))
		}
		fmt.Fprintln(w)
	}
	pct := func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }
	row("questions mean", func(f simFigures) string { return fmt.Sprintf("%.1f", f.Questions.Mean) })
	row("questions p90/max", func(f simFigures) string { return fmt.Sprintf("%d/%d", f.Questions.P90, f.Questions.Max) })
	row("all \"je ne sais pas\"", func(f simFigures) string { return fmt.Sprint(f.DontKnowQuestions) })
	row("global RMSE", func(f simFigures) string { return fmt.Sprintf("%.3f", f.RMSE.Global) })
	row("mean competence RMSE", func(f simFigures) string { return fmt.Sprintf("%.3f", meanOf(f.RMSE.PerCompetence)) })
	row("within one level", func(f simFigures) string { return pct(f.WithinOneLevel.Overall) })
	for _, b := range []string{"theta<-1", "-1..1", "theta>1"} {
		row("  "+b, func(f simFigures) string { return pct(f.WithinOneLevel.ByBand[b]) })
	}
	for _, b := range []string{"theta<-1", "-1..1", "theta>1"} {
		row("  "+b+" vs fixed", func(f simFigures) string {
			d, ok := f.VsFixed[b]
			if !ok {
				return ""
			}
			return fmt.Sprintf("%+.1f ± %.1f", 100*d.Diff, 100*d.SE)
		})
	}
	row("  theta>1.5", func(f simFigures) string { return pct(f.WithinOneLevel.Strong) })
	row("  min per competence", func(f simFigures) string { return pct(minOf(f.WithinOneLevel.PerCompetence)) })
	row("mean exact level", func(f simFigures) string { return pct(meanOf(f.ExactLevel)) })
	row("strong, flat profile", func(f simFigures) string { return pct(f.StrongFlat) })
	row("estimated (1 question)", func(f simFigures) string { return pct(f.Estimated) })
	row("max item exposure", func(f simFigures) string { return pct(f.MaxExposure) })
	row("selection p50/p99 ms", func(f simFigures) string { return fmt.Sprintf("%.2f/%.2f", f.SelectionMS.P50, f.SelectionMS.P99) })
	fmt.Fprintf(w, "\n%-22s\n", "per competence: RMSE · within one level")
	var ids []string
	for id := range all[0].RMSE.PerCompetence {
		ids = append(ids, id)
	}
	ids = engine.SortCompetenceIDs(ids)
	for _, id := range ids {
		row("  "+id, func(f simFigures) string {
			return fmt.Sprintf("%.3f · %3.0f%%", f.RMSE.PerCompetence[id], 100*f.WithinOneLevel.PerCompetence[id])
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
