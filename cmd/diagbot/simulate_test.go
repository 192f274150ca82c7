package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// TestSimulateJSON: one object per stop rule, with the documented fields.
func TestSimulateJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"simulate", "--json", "--learners", "40", "--workers", "2"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (fixed, level):\n%s", len(lines), out.String())
	}
	var fixed, level simFigures
	for i, v := range []*simFigures{&fixed, &level} {
		if err := json.Unmarshal([]byte(lines[i]), v); err != nil {
			t.Fatal(err)
		}
	}
	if fixed.Stop != "fixed" || level.Stop != "level" || fixed.Questions.Mean != 32 || fixed.Questions.P90 != 32 {
		t.Errorf("fixed %+v level %+v", fixed.Questions, level.Questions)
	}
	if level.Questions.Mean >= fixed.Questions.Mean || level.DontKnowQuestions > 16 || fixed.DontKnowQuestions != 32 {
		t.Errorf("the stop rule asks %.1f (don't know: %d), fixed %.1f (%d)", level.Questions.Mean, level.DontKnowQuestions, fixed.Questions.Mean, fixed.DontKnowQuestions)
	}
	// The stop rule is compared with the fixed test on the same learners,
	// band by band, with the paired standard error.
	if fixed.VsFixed != nil || len(level.VsFixed) != 3 {
		t.Errorf("vs_fixed: fixed %v, level %v", fixed.VsFixed, level.VsFixed)
	}
	for b, d := range level.VsFixed {
		want := level.WithinOneLevel.ByBand[b] - fixed.WithinOneLevel.ByBand[b]
		if d.SE < 0 || d.Diff < want-0.002 || d.Diff > want+0.002 {
			t.Errorf("vs_fixed %s: %+v, the shares differ by %.3f", b, d, want)
		}
	}
	for _, f := range []simFigures{fixed, level} {
		w := f.WithinOneLevel
		if len(w.ByBand) != 3 || len(w.PerCompetence) != 16 || !(w.Overall > 0.5 && w.Overall <= 1) {
			t.Errorf("%s: within one level %+v", f.Stop, w)
		}
	}
}

// TestSimulateCalibrationJSON: the calibration study's last line, with the
// a bounds in their order (the oracle knows most, the floor is exact).
func TestSimulateCalibrationJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"simulate", "--json", "--stop", "fixed", "--learners", "20", "--workers", "2", "--competences", "1.1", "--max", "12", "--calibration", "300"}
	if code := run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var got struct {
		Calibration []calFigures `json:"calibration"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil || len(got.Calibration) != 1 {
		t.Fatalf("%v: %s", err, lines[len(lines)-1])
	}
	r := got.Calibration[0]
	t.Logf("%+v", r)
	if r.Items == 0 || r.ARMSE <= 0 || !(r.ABound > 0 && r.ABound <= r.ABoundPosterior && r.ABoundPosterior <= r.AFloor && r.AFloor < 0.49) {
		t.Errorf("calibration row %+v", r)
	}
}

// TestSimulateTargetSE: the stop rule's other arm alone (the level mass out
// of reach): a competence is decided by its SE, and a looser target asks
// fewer questions; a target below 0.05 is refused.
func TestSimulateTargetSE(t *testing.T) {
	mean := func(se string) float64 {
		t.Helper()
		var out, errOut bytes.Buffer
		args := []string{"simulate", "--json", "--stop", "level", "--level-mass", "0.9999", "--target-se", se, "--learners", "30", "--workers", "2"}
		if code := run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != 0 {
			t.Fatalf("--target-se %s: exit %d: %s", se, code, errOut.String())
		}
		var f simFigures
		if err := json.Unmarshal(out.Bytes(), &f); err != nil {
			t.Fatal(err)
		}
		return f.Questions.Mean
	}
	if tight, loose := mean("0.4"), mean("0.7"); tight != 32 || loose >= tight {
		t.Errorf("SE ≤ 0.4: %.1f questions, SE ≤ 0.7: %.1f", tight, loose)
	}
	if code := run(context.Background(), []string{"simulate", "--target-se", "0.01"}, strings.NewReader(""), io.Discard, io.Discard); code != 2 {
		t.Errorf("--target-se 0.01: exit %d, want 2", code)
	}
}
