package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// printAuthoredVsCalibrated sets the bank's authored parameters beside a calibration
// file's (diagbot calibrate), for an author deciding what to rewrite: the
// items the fit flags (key suspect, a < 0.5, to re-level, misfit) and those
// whose difficulty moved by more than a level, then the counts. It is
// advice, not a problem: a content check does not fail on it.
func printAuthoredVsCalibrated(w io.Writer, b *bank.Bank, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--calibration: %w", err)
	}
	cal, err := engine.ParseCalibration(data)
	if err != nil {
		return fmt.Errorf("--calibration %s: %w", path, err)
	}
	fmt.Fprintf(w, "\ncalibration %s (%s): %d learners, %d answers, %d items fitted\n", path, cal.Created, cal.Learners, cal.Answers, len(cal.Items))
	byID := map[string]engine.CalibratedItem{}
	for _, ci := range cal.Items {
		byID[ci.ID] = ci
	}
	type row struct {
		it   *bank.Item
		ci   engine.CalibratedItem
		move float64
	}
	var look []row
	fitted, unseen := 0, 0
	for _, it := range b.Items {
		ci, ok := byID[it.ID]
		if !ok || ci.N == 0 {
			unseen++
			continue
		}
		fitted++
		move := math.Abs(ci.B - it.B)
		if len(ci.Flags) > 0 || move > levelStep {
			look = append(look, row{it, ci, move})
		}
	}
	sort.SliceStable(look, func(i, j int) bool {
		if len(look[i].ci.Flags) != len(look[j].ci.Flags) {
			return len(look[i].ci.Flags) > len(look[j].ci.Flags)
		}
		return look[i].move > look[j].move
	})
	if len(look) > 0 {
		fmt.Fprintf(w, "%-24s %5s %15s %23s %6s  %s\n", "item", "level", "authored a  b", "calibrated a  b (±se)", "n", "to look at")
	}
	for _, r := range look {
		var what []string
		for _, f := range r.ci.Flags {
			if d := r.ci.Languages; f == engine.FlagLanguage && d != nil {
				f = fmt.Sprintf("harder in %s at equal ability (log odds %.2f ± %.2f): compare its texts in %s and %s", d.Harder,
					math.Abs(d.LogOdds), d.SE, d.Groups[0].Lang, d.Groups[1].Lang)
			}
			what = append(what, f)
		}
		if r.move > levelStep {
			what = append(what, fmt.Sprintf("difficulty moved %.1f levels: re-level it or rewrite it", r.move/levelStep))
		}
		fmt.Fprintf(w, "%-24s %5d %6.2f %6.2f   %5.2f %5.2f (±%.2f) %6d  %s\n", r.it.ID, r.it.Level, r.it.A, r.it.B,
			r.ci.A, r.ci.B, r.ci.SEB, r.ci.N, strings.Join(what, "; "))
	}
	missing := 0
	for _, ci := range cal.Items {
		if _, ok := b.Item(ci.ID); !ok {
			missing++
		}
	}
	fmt.Fprintf(w, "calibration: %d items with answers, %d to look at, %d with none yet (they keep their authored values)", fitted, len(look), unseen)
	if missing > 0 {
		fmt.Fprintf(w, ", %d in the file but no longer in the bank", missing)
	}
	fmt.Fprintln(w)
	return nil
}

// levelStep is one level on the ability scale (engine.DefaultB's step).
var levelStep = engine.DefaultB(2) - engine.DefaultB(1)
