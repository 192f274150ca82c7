package engine

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Estimate is a measured ability and how sure we are of it.
type Estimate struct {
	Theta float64 `json:"theta"` // ability (EAP), about N(0, 1) among learners
	SE    float64 `json:"se"`    // posterior standard deviation
}

// CompetenceResult is the measure of one competence.
type CompetenceResult struct {
	Competence string  `json:"competence"`
	Theta      float64 `json:"theta"`
	SE         float64 `json:"se"`
	Level      int     `json:"level"`      // 0–8
	LevelLow   int     `json:"level_low"`  // level at θ − SE
	LevelHigh  int     `json:"level_high"` // level at θ + SE
	Pix        int     `json:"pix"`        // 8 per level, 0–64, as Pix counts
	Questions  int     `json:"questions"`  // answered in this competence
	Correct    int     `json:"correct"`
	// Estimated is set when the competence had one question or none: its
	// level is mostly borrowed from the others (show it as "estimé").
	Estimated bool `json:"estimated,omitempty"`
}

// Recommendation is a skill to train next.
type Recommendation struct {
	Competence string   `json:"competence"`
	Skill      string   `json:"skill"`
	Level      int      `json:"level"`
	Missed     []string `json:"missed,omitempty"` // items missed there, whose tips to show
}

// Result is the outcome of a diagnostic (also available midway).
type Result struct {
	Questions   int                `json:"questions"`
	Global      Estimate           `json:"global"` // mean ability over the target competences
	Level       int                `json:"level"`  // overall level 0–8
	Pix         int                `json:"pix"`    // sum over the target competences: 64 each, 1024 for all 16
	PixMax      int                `json:"pix_max"`
	Competences []CompetenceResult `json:"competences"` // target competences, framework order
	Train       []Recommendation   `json:"train,omitempty"`
	Missed      []string           `json:"missed,omitempty"` // every item missed or skipped, in order
}

// PixPerLevel is what Pix counts for a level; a competence is worth 64.
const PixPerLevel = 8

// MaxRecommendations is how many skills to train a result suggests.
const MaxRecommendations = 3

// Result measures a diagnostic from its answers.
func (e *Engine) Result(s *State) (Result, error) {
	ans, targets, err := e.check(s)
	if err != nil {
		return Result{}, err
	}
	res := Result{Questions: len(ans), PixMax: PixPerLevel * MaxLevel * len(targets)}
	var mean, sd func(c int) float64
	if s.Config.Strategy == SingleAbility {
		m, d := e.singleEstimate(ans)
		mean = func(int) float64 { return m }
		sd = func(int) float64 { return d }
		res.Global = Estimate{Theta: m, SE: d}
	} else {
		post := e.posteriorOf(ans, targets)
		mean = func(c int) float64 { return post.mean[c] }
		sd = func(c int) float64 { return post.sd[c] }
		res.Global = post.global
	}
	res.Level = LevelOf(res.Global.Theta)
	asked := make([]int, len(competences))
	right := make([]int, len(competences))
	for _, a := range ans {
		c := e.itemComp[a.item]
		asked[c]++
		if a.correct {
			right[c]++
		} else {
			res.Missed = append(res.Missed, e.items[a.item].ID)
		}
	}
	for _, c := range targets {
		th, se := mean(c), sd(c)
		cr := CompetenceResult{
			Competence: competences[c].ID, Theta: th, SE: se,
			Level: LevelOf(th), LevelLow: LevelOf(th - se), LevelHigh: LevelOf(th + se),
			Pix:       int(math.Round(PixPerLevel * ContinuousLevel(th))),
			Questions: asked[c], Correct: right[c], Estimated: asked[c] <= 1,
		}
		res.Pix += cr.Pix
		res.Competences = append(res.Competences, cr)
	}
	res.Train = e.recommend(res, ans, MaxRecommendations)
	return res, nil
}

// Recommend lists up to n skills to train, as Result.Train does for three:
// the skill just above the learner's level in each of the weakest target
// competences, then, when n is larger than the number of targets, the next
// best skills of the same competences in the same order.
func (e *Engine) Recommend(s *State, n int) ([]Recommendation, error) {
	res, err := e.Result(s)
	if err != nil {
		return nil, err
	}
	ans, _, err := e.check(s)
	if err != nil {
		return nil, err
	}
	return e.recommend(res, ans, n), nil
}

// Observe records an answer given outside the adaptive test (a follow-up
// check question): it replaces an earlier answer to the same item, so the
// estimate follows what the learner knows now, and leaves the test itself
// (pending item, end) alone.
func (e *Engine) Observe(s *State, itemID string, correct bool) error {
	if s == nil {
		return errors.New("no diagnostic state")
	}
	if _, ok := e.byID[itemID]; !ok {
		return fmt.Errorf("%w %q", ErrUnknownItem, itemID)
	}
	for i := range s.Responses {
		if s.Responses[i].Item == itemID {
			s.Responses[i] = Response{Item: itemID, Correct: correct}
			return nil
		}
	}
	s.Responses = append(s.Responses, Response{Item: itemID, Correct: correct})
	return nil
}

// recommend picks, in the weakest target competences, the skill just above
// the learner's level, preferring a skill they missed.
func (e *Engine) recommend(res Result, ans []answered, n int) []Recommendation {
	missed := make(map[int]bool)
	for _, a := range ans {
		if !a.correct {
			missed[a.item] = true
		}
	}
	weakest := append([]CompetenceResult(nil), res.Competences...)
	sort.SliceStable(weakest, func(i, j int) bool { return weakest[i].Theta < weakest[j].Theta })
	type skill struct {
		name   string
		level  int
		missed []string
	}
	ranked := make([][]*skill, len(weakest))
	for k, cr := range weakest {
		c := CompetenceIndex(cr.Competence)
		var skills []*skill
		bySkill := map[string]*skill{}
		for _, i := range e.byComp[c] {
			it := e.items[i]
			sk := bySkill[it.Skill]
			if sk == nil {
				sk = &skill{name: it.Skill, level: it.Level}
				bySkill[it.Skill] = sk
				skills = append(skills, sk)
			}
			sk.level = min(sk.level, it.Level)
			if missed[i] {
				sk.missed = append(sk.missed, it.ID)
			}
		}
		// Distance from "just above": level L+1 is best; a missed skill at or
		// below it comes first, then the nearest levels above.
		target := cr.Level + 1
		rank := func(sk *skill) float64 {
			d := float64(sk.level - target)
			if d < 0 {
				if len(sk.missed) == 0 {
					return 100 - d // already mastered below the level: last
				}
				d = -d - 0.5 // missed below the target: a gap to fill, near the top
			}
			if len(sk.missed) > 0 {
				d -= 0.75
			}
			return d
		}
		sort.SliceStable(skills, func(i, j int) bool { return rank(skills[i]) < rank(skills[j]) })
		ranked[k] = skills
	}
	var out []Recommendation
	for round := 0; len(out) < n; round++ {
		added := false
		for k, cr := range weakest {
			if len(out) == n {
				break
			}
			if round < len(ranked[k]) {
				sk := ranked[k][round]
				out = append(out, Recommendation{Competence: cr.Competence, Skill: sk.name, Level: sk.level, Missed: sk.missed})
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out
}
