package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/engine"
)

// TestCalibrateProgressBar: on a terminal, the first pass counts the
// learners as they are read, the next ones draw a bar of the known total,
// and each pass ends with its line; elsewhere only the lines are written.
func TestCalibrateProgressBar(t *testing.T) {
	learners := func(n int) engine.CalibrationSource {
		return func(yield func([]engine.Response) error) error {
			for i := 0; i < n; i++ {
				if err := yield([]engine.Response{{Item: "x"}}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for _, tty := range []bool{true, false} {
		var out bytes.Buffer
		clock := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
		now := func() time.Time { clock = clock.Add(time.Second); return clock }
		p := newCalProgress(&out, now)
		p.tty = tty
		src := p.source(learners(1024))
		for pass := 1; pass <= 2; pass++ {
			if err := src(func([]engine.Response) error { return nil }); err != nil {
				t.Fatal(err)
			}
			p.passDone(pass, 0.5/float64(pass))
		}
		p.finish()
		got := out.String()
		lines := strings.Contains(got, "calibrate: pass 1, largest change 0.5000") && strings.Contains(got, "calibrate: pass 2, largest change 0.2500")
		bar := strings.Contains(got, "\rcalibrate: pass 1, 512 learners read") && strings.Contains(got, "\rcalibrate: pass 2 [████████████░░░░░░░░░░░░]  50 %")
		if !lines || bar != tty || tty != strings.Contains(got, "\r") {
			t.Errorf("terminal %v:\n%q", tty, got)
		}
	}
}
