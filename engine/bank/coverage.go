package bank

import (
	"fmt"
	"strings"

	"github.com/diagbot/diagbot/engine"
)

// What a complete bank has for every competence (the full check).
const (
	MinItemsPerCompetence = 32
	// MinPicturesPerCompetence is the fewest items with a picture.
	MinPicturesPerCompetence = 6
)

// MinPerLevel is the fewest items a competence has at each level: 3 at each
// of the levels 1–6 that the bank must measure well, 2 at 7, 1 at 8.
var MinPerLevel = [engine.MaxLevel + 1]int{0, 3, 3, 3, 3, 3, 3, 2, 1}

// coverage reports, per competence, too few items, levels without enough
// items and too few pictures.
func (c *checker) coverage() {
	count := map[string]*[engine.MaxLevel + 1]int{}
	pictures := map[string]int{}
	for _, id := range engine.CompetenceIDs() {
		count[id] = new([engine.MaxLevel + 1]int)
	}
	for _, it := range c.items {
		count[it.Competence][it.Level]++
		if it.Image != "" {
			pictures[it.Competence]++
		}
	}
	for _, id := range engine.CompetenceIDs() {
		cnt := count[id]
		total := 0
		for _, n := range cnt {
			total += n
		}
		var short []string
		for l := engine.MinLevel; l <= engine.MaxLevel; l++ {
			if cnt[l] < MinPerLevel[l] {
				short = append(short, fmt.Sprintf("level %d has %d (give %d)", l, cnt[l], MinPerLevel[l]))
			}
		}
		if len(short) > 0 {
			c.coverageProblem("competence %s lacks items: %s", id, strings.Join(short, ", "))
		}
		if total < MinItemsPerCompetence {
			c.coverageProblem("competence %s has %d items; a bank needs at least %d per competence", id, total, MinItemsPerCompetence)
		}
		if pictures[id] < MinPicturesPerCompetence {
			c.coverageProblem("competence %s has %d items with a picture; give at least %d (a `screen:` drawn, or an `image:`)", id, pictures[id], MinPicturesPerCompetence)
		}
	}
}

func (c *checker) coverageProblem(format string, args ...any) {
	c.problems = append(c.problems, Problem{Coverage: true, Msg: fmt.Sprintf(format, args...)})
}
