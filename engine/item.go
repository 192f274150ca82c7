package engine

import "fmt"

// Item is what the measurement needs to know of a question: where it belongs
// and its two-parameter logistic (2PL) parameters. The content itself (prompt,
// choices, tip) lives in package bank.
type Item struct {
	ID         string  `json:"id"`
	Competence string  `json:"competence"`
	Skill      string  `json:"skill"`
	Level      int     `json:"level"`
	A          float64 `json:"a"` // discrimination
	B          float64 `json:"b"` // difficulty, on the ability scale
	// Pilot marks a new item being field-tested: shown at most once per
	// test, never counted, until a calibration gives it real parameters
	// (the bank's `pilot: true`).
	Pilot bool `json:"pilot,omitempty"`
}

// The level scale. A level-L item has by default difficulty
//
//	b = LevelOrigin + LevelWidth × (L − 1)
//
// so level 1 is −2.25, level 4 is 0 and level 8 is 3 on the ability scale, where
// learners are about N(0, 1). A learner whose ability is at least the default
// difficulty of level L succeeds on a typical level-L item more often than not
// (P ≥ 0.5 by the 2PL model): that is how abilities are read as levels.
const (
	LevelOrigin = -2.25
	LevelWidth  = 0.75
	// DefaultA is the discrimination given to items that do not set one: a
	// well-written multiple-choice item discriminates about this much.
	DefaultA = 1.5
)

// DefaultB returns the default difficulty of an item of the given level.
func DefaultB(level int) float64 { return LevelOrigin + LevelWidth*float64(level-1) }

// LevelOf returns the level (0–8) of an ability: the highest level L whose
// typical item the learner succeeds on more often than not; 0 is below level 1.
func LevelOf(theta float64) int {
	l := int((theta-LevelOrigin)/LevelWidth) + 1
	if theta < LevelOrigin {
		l = 0
	}
	return max(0, min(MaxLevel, l))
}

// ContinuousLevel returns the ability as a level with decimals, clamped to
// [0, 8]: 3.5 is half-way between the thresholds of levels 3 and 4.
func ContinuousLevel(theta float64) float64 {
	return max(0, min(MaxLevel, (theta-LevelOrigin)/LevelWidth+1))
}

// Validate reports what is wrong with an item's measurement fields.
func (it Item) Validate() error {
	switch {
	case it.ID == "":
		return fmt.Errorf("item has no id")
	case CompetenceIndex(it.Competence) < 0:
		return fmt.Errorf("item %s: unknown competence %q (use 1.1 … 5.2)", it.ID, it.Competence)
	case it.Skill == "":
		return fmt.Errorf("item %s: no skill", it.ID)
	case it.Level < MinLevel || it.Level > MaxLevel:
		return fmt.Errorf("item %s: level %d is outside 1–8", it.ID, it.Level)
	case !(it.A > 0 && it.A <= 4):
		return fmt.Errorf("item %s: discrimination a=%g must be in (0, 4]", it.ID, it.A)
	case !(it.B >= -6 && it.B <= 6):
		return fmt.Errorf("item %s: difficulty b=%g must be in [-6, 6]", it.ID, it.B)
	}
	return nil
}
