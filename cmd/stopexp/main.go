// Command stopexp compares stop-rule variants (engine.Experiment, Config.LevelMass/TestMass) on paired simulated learners: the issue-15 study. Usage: go run ./cmd/stopexp -n 3000 -seed 1 lm=0.92 lm=0.96,test=1 ...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

type learner struct {
	Q     int
	N, In [3]int
	QB    [3]int // questions by band
	SqErr float64
	Diag  map[string][2]int // weak band: "q/correct" -> {n, in}
	Sel99 float64
}

var bands = []string{"θ<-1", "-1..1", "θ>1"}

func band(t float64) int {
	switch {
	case t < -1:
		return 0
	case t > 1:
		return 2
	}
	return 1
}

type variant struct {
	name string
	opts engine.Options
	cfg  engine.Config
}

func parse(spec string) variant {
	v := variant{name: spec}
	v.opts.Rho = engine.DefaultRho
	for _, kv := range strings.Split(spec, ",") {
		if kv == "fixed" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		f, _ := strconv.ParseFloat(val, 64)
		switch k {
		case "lm":
			v.cfg.LevelMass = f
		case "test":
			v.cfg.TestMass = f
		case "mix":
			v.opts.Experiment.TailMix = f
		case "scale":
			v.opts.Experiment.TailScale = f
		case "shift":
			v.opts.Experiment.TailShift = f
		case "up":
			v.opts.Experiment.TailMixUp = f
		case "sdec":
			v.opts.Experiment.SelectDecision = f > 0
		case "sel":
			v.opts.Experiment.SelectLevel = f > 0
		case "t1":
			v.opts.Experiment.OneAnswerMass = f
		case "sr":
			v.opts.Experiment.SureRight = f
		case "sw":
			v.opts.Experiment.SureWrong = f
		case "nofloor":
			v.opts.Experiment.NoFloor = f > 0
		case "ff":
			v.opts.Experiment.FirstFloor = f
		case "miss":
			v.opts.Experiment.MissMass = f
		case "boost":
			v.opts.Experiment.LowBoost = f
		case "cut":
			v.opts.Experiment.LowCut = f
		case "hcut":
			v.opts.Experiment.HighCut = f
		case "minper":
			v.cfg.MinPerCompetence = int(f)
		default:
			panic("unknown " + k)
		}
	}
	return v
}

func run(items []engine.Item, v variant, n int, seed uint64, workers int) ([]learner, int) {
	eng, err := engine.New(items, v.opts)
	if err != nil {
		panic(err)
	}
	out := make([]learner, n)
	var wg sync.WaitGroup
	jobs := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i] = one(eng, v, seed, i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	cfg := v.cfg
	cfg.Seed = seed
	s, _ := eng.Start(cfg)
	for {
		it, done, err := eng.Next(s)
		if err != nil || done {
			break
		}
		eng.Answer(s, it.ID, false, true)
	}
	return out, len(s.Responses)
}

func one(eng *engine.Engine, v variant, seed uint64, i int) learner {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	g := rng.NormFloat64()
	truth := make([]float64, 16)
	for c := range truth {
		truth[c] = math.Sqrt(0.7)*g + math.Sqrt(0.3)*rng.NormFloat64()
	}
	luck := rand.New(rand.NewPCG(seed^0x5bd1e995, uint64(i)))
	cfg := v.cfg
	cfg.Seed = seed*1_000_003 + uint64(i)
	s, err := eng.Start(cfg)
	if err != nil {
		panic(err)
	}
	var sel []float64
	for {
		t0 := time.Now()
		it, done, err := eng.Next(s)
		sel = append(sel, float64(time.Since(t0))/1e6)
		if err != nil {
			panic(err)
		}
		if done {
			break
		}
		p := 1 / (1 + math.Exp(-it.A*(truth[engine.CompetenceIndex(it.Competence)]-it.B)))
		eng.Answer(s, it.ID, luck.Float64() < p, false)
	}
	res, _ := eng.Result(s)
	l := learner{Q: len(s.Responses)}
	sort.Float64s(sel)
	l.Sel99 = sel[len(sel)-1]
	for _, cr := range res.Competences {
		t := truth[engine.CompetenceIndex(cr.Competence)]
		b := band(t)
		l.N[b]++
		l.QB[b] += cr.Questions
		d := engine.LevelOf(cr.Theta) - engine.LevelOf(t)
		if d >= -1 && d <= 1 {
			l.In[b]++
		}
		l.SqErr += (cr.Theta - t) * (cr.Theta - t)
		if b == 0 {
			if l.Diag == nil {
				l.Diag = map[string][2]int{}
			}
			k := fmt.Sprintf("%d/%d", cr.Questions, cr.Correct)
			x := l.Diag[k]
			x[0]++
			if d >= -1 && d <= 1 {
				x[1]++
			}
			l.Diag[k] = x
		}
	}
	return l
}

func main() {
	n := flag.Int("n", 1000, "learners")
	seed := flag.Uint64("seed", 1, "seed")
	workers := flag.Int("workers", 2, "workers")
	flag.Parse()
	b, err := bank.Load(bank.Embedded())
	if err != nil {
		panic(err)
	}
	items := b.EngineItems()
	cache := fmt.Sprintf("/tmp/stopexp-fixed-%d-%d.json", *n, *seed)
	var base []learner
	if data, err := os.ReadFile(cache); err == nil {
		json.Unmarshal(data, &base)
	} else {
		base, _ = run(items, parse("fixed"), *n, *seed, *workers)
		data, _ := json.Marshal(base)
		os.WriteFile(cache, data, 0o644)
	}
	report("fixed", base, base, 32, *n, *seed)
	for _, spec := range flag.Args() {
		t0 := time.Now()
		ls, jsp := run(items, parse(spec), *n, *seed, *workers)
		report(spec, ls, base, jsp, *n, *seed)
		fmt.Fprintf(os.Stderr, "%s: %.0fs\n", spec, time.Since(t0).Seconds())
	}
}

func report(name string, ls, base []learner, jsp, n int, seed uint64) {
	var qs []int
	sumQ, sq := 0, 0.0
	var N, In, InB, QB [3]int
	var d2 [3]float64
	sel := []float64{}
	for i, l := range ls {
		qs = append(qs, l.Q)
		sumQ += l.Q
		sq += l.SqErr
		sel = append(sel, l.Sel99)
		for b := 0; b < 3; b++ {
			N[b] += l.N[b]
			In[b] += l.In[b]
			QB[b] += l.QB[b]
			InB[b] += base[i].In[b]
		}
	}
	// paired SE of the band difference (ratio estimator)
	var diff [3]float64
	for b := 0; b < 3; b++ {
		diff[b] = float64(In[b]-InB[b]) / float64(N[b])
		for i, l := range ls {
			r := float64(l.In[b]-base[i].In[b]) - diff[b]*float64(l.N[b])
			d2[b] += r * r
		}
	}
	sort.Ints(qs)
	sort.Float64s(sel)
	tot := N[0] + N[1] + N[2]
	fmt.Printf("%-40s n=%d s=%d q=%.2f p90=%d jsp=%d all=%.1f", name, n, seed, float64(sumQ)/float64(len(ls)), qs[len(qs)*9/10], jsp,
		100*float64(In[0]+In[1]+In[2])/float64(tot))
	for b := 0; b < 3; b++ {
		fmt.Printf(" %s=%.1f(%+.1f±%.1f)", bands[b], 100*float64(In[b])/float64(N[b]), 100*diff[b], 100*math.Sqrt(d2[b])/float64(N[b]))
	}
	if os.Getenv("DIAG") != "" {
		agg := map[string][2]int{}
		for _, l := range ls {
			for k, x := range l.Diag {
				a := agg[k]
				a[0] += x[0]
				a[1] += x[1]
				agg[k] = a
			}
		}
		var ks []string
		for k := range agg {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		fmt.Println()
		for _, k := range ks {
			fmt.Printf("   %s n=%d err=%d (%.1f%%)\n", k, agg[k][0], agg[k][0]-agg[k][1], 100*float64(agg[k][0]-agg[k][1])/float64(agg[k][0]))
		}
	}
	fmt.Printf(" q/comp=%.2f,%.2f,%.2f", float64(QB[0])/float64(N[0]), float64(QB[1])/float64(N[1]), float64(QB[2])/float64(N[2]))
	fmt.Printf(" rmse=%.3f sel99max~%.1fms\n", math.Sqrt(sq/float64(tot)), sel[len(sel)*99/100])
}
