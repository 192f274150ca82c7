package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// ParseCalibration reads a calibration file (JSON, as Calibrate makes it)
// and checks it: its format and version, and every item's parameters in the
// ranges the engine accepts.
func ParseCalibration(data []byte) (Calibration, error) {
	var cal Calibration
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cal); err != nil {
		return Calibration{}, fmt.Errorf("calibration file is not valid JSON: %w", err)
	}
	if dec.More() {
		return Calibration{}, fmt.Errorf("calibration file has data after its JSON object")
	}
	if cal.Format != CalibrationFormat {
		return Calibration{}, fmt.Errorf("calibration file has format %q, want %q", cal.Format, CalibrationFormat)
	}
	if cal.Version != CalibrationVersion {
		return Calibration{}, fmt.Errorf("calibration file is version %d; this diagbot reads version %d: run diagbot calibrate again", cal.Version, CalibrationVersion)
	}
	seen := make(map[string]bool, len(cal.Items))
	for _, it := range cal.Items {
		finite := !math.IsNaN(it.SEA) && !math.IsNaN(it.SEB) && !math.IsInf(it.SEA, 0) && !math.IsInf(it.SEB, 0)
		switch {
		case it.ID == "":
			return Calibration{}, fmt.Errorf("calibration file: an item has no id")
		case seen[it.ID]:
			return Calibration{}, fmt.Errorf("calibration file: item %s appears twice", it.ID)
		case !(it.A > 0 && it.A <= 4) || !(it.B >= -6 && it.B <= 6):
			return Calibration{}, fmt.Errorf("calibration file: item %s has a=%g b=%g, outside a in (0, 4] and b in [-6, 6]", it.ID, it.A, it.B)
		case it.N < 0 || it.SEA < 0 || it.SEB < 0 || !finite:
			return Calibration{}, fmt.Errorf("calibration file: item %s has a negative count or standard error", it.ID)
		}
		if err := checkLanguages(it); err != nil {
			return Calibration{}, err
		}
		seen[it.ID] = true
	}
	return cal, nil
}

// applyCalibration replaces the authored a and b of the items cal knows.
// Items it does not know (added since) keep theirs; items it knows that the
// bank no longer has are ignored.
func applyCalibration(items []Item, cal *Calibration) {
	if cal == nil {
		return
	}
	byID := make(map[string]CalibratedItem, len(cal.Items))
	for _, ci := range cal.Items {
		byID[ci.ID] = ci
	}
	for i := range items {
		if ci, ok := byID[items[i].ID]; ok {
			items[i].A, items[i].B = ci.A, ci.B
		}
	}
}

// checkLanguages checks an item's comparison by language, when it has one.
func checkLanguages(it CalibratedItem) error {
	d := it.Languages
	if d == nil {
		return nil
	}
	finite := func(xs ...float64) bool {
		for _, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
		return true
	}
	if len(d.Groups) != 2 || !finite(d.LogOdds, d.SE) || d.SE < 0 {
		return fmt.Errorf("calibration file: item %s compares %d languages (want 2) or has a log odds that is not a number", it.ID, len(d.Groups))
	}
	for _, g := range d.Groups {
		if g.Lang == "" || g.N < 0 || g.Correct < 0 || g.Correct > g.N || !finite(g.B, g.SEB) || g.SEB < 0 {
			return fmt.Errorf("calibration file: item %s has a language group that does not hold together (%+v)", it.ID, g)
		}
	}
	return nil
}
