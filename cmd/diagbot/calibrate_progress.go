package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/diagbot/diagbot/engine"
)

// calProgress shows a long fit's progress: on a terminal, a bar redrawn in
// place during each pass (the first pass counts the learners, the next ones
// know how many there are) and a line per pass; elsewhere (a log file,
// a pipe), the line per pass only.
type calProgress struct {
	w       io.Writer
	tty     bool
	now     func() time.Time
	start   time.Time
	pass    int // the pass being read, from 1
	total   int // learners per pass, known after the first
	read    int // learners read in this pass
	drawn   time.Time
	every   time.Duration
	drewBar bool
}

func newCalProgress(w io.Writer, now func() time.Time) *calProgress {
	return &calProgress{w: w, tty: isTerminal(w), now: now, start: now(), pass: 1, every: 200 * time.Millisecond}
}

// isTerminal tells whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// source counts the learners src streams, drawing the bar as they come.
func (p *calProgress) source(src engine.CalibrationSource) engine.CalibrationSource {
	return func(yield func([]engine.Response) error) error {
		p.read = 0
		return src(func(answers []engine.Response) error {
			p.read++
			if p.tty && p.read%256 == 0 {
				if t := p.now(); t.Sub(p.drawn) >= p.every {
					p.drawn = t
					p.bar()
				}
			}
			return yield(answers)
		})
	}
}

// bar draws the current pass in place.
func (p *calProgress) bar() {
	const width = 24
	elapsed := p.now().Sub(p.start).Round(time.Second)
	if p.total == 0 {
		fmt.Fprintf(p.w, "\rcalibrate: pass %d, %d learners read (%s)   ", p.pass, p.read, elapsed)
	} else {
		done := min(width, p.read*width/p.total)
		fmt.Fprintf(p.w, "\rcalibrate: pass %d [%s%s] %3d %% (%s)   ", p.pass, strings.Repeat("█", done), strings.Repeat("░", width-done),
			100*p.read/p.total, elapsed)
	}
	p.drewBar = true
}

// passDone is Calibrate's Progress: the pass's line, after the bar.
func (p *calProgress) passDone(pass int, change float64) {
	if p.drewBar {
		fmt.Fprint(p.w, "\r\033[K")
		p.drewBar = false
	}
	if p.total == 0 {
		p.total = p.read
	}
	fmt.Fprintf(p.w, "calibrate: pass %d, largest change %.4f (%.0fs)\n", pass, change, p.now().Sub(p.start).Seconds())
	p.pass = pass + 1
}

// finish clears a bar left by the last pass (the fit statistics' pass,
// which has no line of its own).
func (p *calProgress) finish() {
	if p.drewBar {
		fmt.Fprint(p.w, "\r\033[K")
		p.drewBar = false
	}
}
