package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// content check --calibration: authored beside calibrated, the items to
// look at first, and a summary; advice, so the check still passes.
func TestContentCheckWithCalibration(t *testing.T) {
	b, err := bank.Load(bank.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	moved, keyed, fine, english := b.Items[0], b.Items[1], b.Items[2], b.Items[3]
	cal := engine.Calibration{Format: engine.CalibrationFormat, Version: engine.CalibrationVersion, Created: "2026-12-07T23:00:00Z",
		Rho: 0.7, Learners: 2000, Answers: 40000, Passes: 30, Converged: true, Items: []engine.CalibratedItem{
			{ID: moved.ID, A: 1.4, B: moved.B + 2, SEA: 0.2, SEB: 0.15, N: 300, AuthoredA: moved.A, AuthoredB: moved.B},
			{ID: keyed.ID, A: 0.3, B: keyed.B, SEA: 0.2, SEB: 0.3, N: 250, AuthoredA: keyed.A, AuthoredB: keyed.B, Flags: []string{engine.FlagKeySuspect, engine.FlagLowA}},
			{ID: fine.ID, A: 1.5, B: fine.B + 0.1, SEA: 0.2, SEB: 0.1, N: 280, AuthoredA: fine.A, AuthoredB: fine.B},
			{ID: english.ID, A: 1.5, B: english.B, SEA: 0.2, SEB: 0.1, N: 400, AuthoredA: english.A, AuthoredB: english.B, Flags: []string{engine.FlagLanguage},
				Languages: &engine.LanguageDIF{Groups: []engine.LanguageFit{{Lang: "en", N: 150, Correct: 60, B: english.B + 0.6, SEB: 0.2}, {Lang: "fr", N: 250, Correct: 180, B: english.B - 0.2, SEB: 0.1}},
					LogOdds: -1.2, SE: 0.34, Flagged: true, Harder: "en"}},
			{ID: "c99-gone-1", A: 1.5, B: 0, SEA: 0.2, SEB: 0.1, N: 10, AuthoredA: 1.5},
		}}
	data, _ := json.Marshal(cal)
	path := filepath.Join(t.TempDir(), "cal.json")
	os.WriteFile(path, data, 0o600)
	code, out, errOut := runCLI(t, "content", "check", "--calibration", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	section := out[strings.Index(out, "calibration "+path):]
	lines := strings.Split(section, "\n")
	if !strings.HasPrefix(lines[2], keyed.ID) || !strings.Contains(lines[2], "key_suspect; low_a") {
		t.Errorf("the flagged item should come first:\n%s", section)
	}
	if !strings.HasPrefix(lines[3], english.ID) || !strings.Contains(lines[3], "harder in en at equal ability (log odds 1.20 ± 0.34): compare its texts in en and fr") {
		t.Errorf("the item harder in English should come next, saying so:\n%s", section)
	}
	if !strings.HasPrefix(lines[4], moved.ID) || !strings.Contains(lines[4], "difficulty moved 2.7 levels") {
		t.Errorf("the item whose difficulty moved should come next:\n%s", section)
	}
	if strings.Contains(section, fine.ID) {
		t.Errorf("an item that fits is listed:\n%s", section)
	}
	if !strings.Contains(section, "4 items with answers, 3 to look at") || !strings.Contains(section, "1 in the file but no longer in the bank") {
		t.Errorf("summary:\n%s", section)
	}
	if code, _, errOut := runCLI(t, "content", "check", "--calibration", filepath.Join(t.TempDir(), "none.json")); code == 0 || !strings.Contains(errOut, "--calibration") {
		t.Errorf("a missing file: %d %s", code, errOut)
	}
}
