package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// TestCalibrateFromAnExportedLog: simulated learners' answers, exported as
// JSON lines, are calibrated into a file the bot then loads.
func TestCalibrateFromAnExportedLog(t *testing.T) {
	b, err := bank.Load(bank.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	items := b.EngineItems()
	eng, err := engine.New(items, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := simConfig{learners: 150, rho: 0.7, maxItems: 32, seed: 3, workers: 2, truth: wrongWorld(items, 3)}
	learners, err := runLearners(context.Background(), eng, engine.Adaptive, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	logPath, out := filepath.Join(dir, "answers.jsonl"), filepath.Join(dir, "cal.json")
	f, _ := os.Create(logPath)
	w := bufio.NewWriter(f)
	for i, l := range learners {
		for k, id := range l.shown {
			json.NewEncoder(w).Encode(map[string]any{"learner_id": "telegram:" + string(rune('a'+i%26)) + string(rune('a'+i/26)), "item": id, "correct": l.correct[k], "at": "2026-12-01T10:00:00Z", "lang": []string{"fr", "en"}[i%2]})
		}
	}
	w.Flush()
	f.Close()

	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"calibrate", "--log", logPath, "--out", out}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "150 learners, 4800 answers") || !strings.Contains(stderr.String(), "calibrate: pass 1,") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	t.Setenv(envCalibration, out)
	opts, err := engineOptions()
	compared := 0
	for _, ci := range opts.Calibration.Items {
		if ci.Languages != nil {
			compared++
		}
	}
	if compared < 100 {
		t.Errorf("only %d items compared in French and English", compared)
	}
	if err != nil || opts.Calibration == nil || opts.Calibration.Learners != 150 || opts.Calibration.Created == "" {
		t.Fatalf("engine options from %s: %+v, %v", out, opts.Calibration, err)
	}
	if _, _, err := loadEngine(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(out, []byte(`{"format":"other"}`), 0o644)
	if _, _, err := loadEngine(); err == nil || !strings.Contains(err.Error(), envCalibration) {
		t.Errorf("a bad calibration file: %v", err)
	}

	for _, args := range [][]string{{"calibrate"}, {"calibrate", "--log", "x", "--db", "y"}} {
		if code := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestCalibrateFromTheDatabase: the answers a learner gave in the terminal
// are read back from the bot's file.
func TestCalibrateFromTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	script := "1\n" + strings.Repeat("je ne sais pas\n", 32)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"try", "--db", db, "--learner", "lina"}, strings.NewReader(script), &stdout, &stderr); code != 0 {
		t.Fatalf("try: exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	out := filepath.Join(t.TempDir(), "cal.json")
	if code := run(context.Background(), []string{"calibrate", "--db", db, "--out", out}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("calibrate: exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := engine.ParseCalibration(data)
	if err != nil || cal.Learners != 1 || cal.Answers < 16 {
		t.Errorf("calibration of one learner: %d learners, %d answers, %v\n%s", cal.Learners, cal.Answers, err, stdout.String())
	}
	st, err := storage.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	answers, err := st.Answers("console:lina")
	if err != nil || len(answers) < 16 {
		t.Fatalf("the learner's answers: %d, %v", len(answers), err)
	}
	for _, a := range answers {
		if a.Lang != "fr" {
			t.Errorf("answer %+v: the language shown is not kept", a)
		}
	}
}
