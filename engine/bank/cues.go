package bank

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/diagbot/diagbot/engine"
)

// Thresholds of the cue checks (the full `content check`). A learner who
// knows nothing must not score by reading the form of a question: the
// longest choice, the Vrai/Faux balance, an absolute word.
const (
	// MaxLongestKeyShare: the right choice may be strictly the longest in at
	// most this share of single-choice items (over the bank, and per
	// competence); by chance it is about one in three or four.
	MaxLongestKeyShare = 0.30
	// MinTrueShare, MaxTrueShare bound the share of vrai/faux items keyed Vrai.
	MinTrueShare, MaxTrueShare = 0.40, 0.60
	// AbsoluteFalseShare: when at least MinAbsoluteItems vrai/faux items of a
	// competence hold an absolute word and this share of them are Faux, the
	// word gives the answer away.
	AbsoluteFalseShare = 0.70
	MinAbsoluteItems   = 4
	// MinLeakWords is the fewest words of an answer looked for in other
	// items' texts and in lessons: one word is too often a common word.
	MinLeakWords = 2
	// NearDuplicate is the word-set similarity (Jaccard, on the stemmed
	// words of prompt, choices and tip without the most common French words)
	// from which two items ask the same thing. Calibrated on the 224-item
	// bank of issue 14: the pairs it names score 0.43 (c11-image-1 and
	// c24-imageinversee-1), 0.38 (the two licencenc) and 0.33
	// (c24-photopublique-1 and c42-public-1), among the 5 highest of 24,000
	// pairs; from 0.30 the check names 7 pairs: those 3, and 4 more that
	// ask about one same fact (two CC licences, sending a heavy video, a
	// photo's metadata, official sites' addresses).
	NearDuplicate = 0.30
	// MinItemsPerSkill: a lesson's check question must be another item of
	// the skill than the one the learner missed.
	MinItemsPerSkill = 2
)

// absoluteWords make a statement easy to reject without knowing anything.
var absoluteWords = []string{"toujours", "jamais", "forcement", "librement", "personne ne",
	"tous", "toutes", "aucun", "aucune", "seulement", "uniquement", "obligatoirement"}

// cues runs every quality check of the full check.
func (c *checker) cues() {
	c.yamlText()
	c.longestKey()
	c.trueBalance()
	c.absolute()
	c.skillItems()
	c.whyAndLessons()
	c.answerLeaks()
	c.nearDuplicates()
	c.lessonLeaks()
}

// files lists each competence's file name, for problems about a competence.
func compFile(comp string) string { return comp + ".yaml" }

func percent(n, of int) string {
	return fmt.Sprintf("%d of %d (%.0f %%)", n, of, 100*float64(n)/float64(of))
}

// lines lists items as "line 12 (c11-x-1)", at most 12 of them.
func lines(items []*Item) string {
	var parts []string
	for i, it := range items {
		if i == 12 {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-12))
			break
		}
		parts = append(parts, fmt.Sprintf("%d (%s)", it.Line, it.ID))
	}
	return "lines " + strings.Join(parts, ", ")
}

// keyedLongest tells whether the right choice of a single-choice item is
// strictly longer than every other.
func keyedLongest(it *Item) bool {
	key := -1
	for i, ch := range it.Choices {
		if ch.Correct {
			key = i
		}
	}
	if key < 0 {
		return false
	}
	n := utf8.RuneCountInString(it.Choices[key].Text)
	for i, ch := range it.Choices {
		if i != key && utf8.RuneCountInString(ch.Text) >= n {
			return false
		}
	}
	return true
}

func (c *checker) longestKey() {
	byComp := map[string][]*Item{}
	longest := map[string][]*Item{}
	total, all := 0, 0
	for _, it := range c.items {
		if it.Type != Single {
			continue
		}
		all++
		byComp[it.Competence] = append(byComp[it.Competence], it)
		if keyedLongest(it) {
			total++
			longest[it.Competence] = append(longest[it.Competence], it)
		}
	}
	if all > 0 && float64(total) > MaxLongestKeyShare*float64(all) {
		c.add("", 0, "the right choice is strictly the longest in %s single-choice items of the bank; keep it to %.0f %%: lengthen a wrong choice or shorten the right one",
			percent(total, all), 100*MaxLongestKeyShare)
	}
	for _, comp := range engine.CompetenceIDs() {
		n, of := len(longest[comp]), len(byComp[comp])
		if of > 0 && float64(n) > MaxLongestKeyShare*float64(of) {
			c.add(compFile(comp), 0, "the right choice is strictly the longest in %s single-choice items; keep it to %.0f %%: %s",
				percent(n, of), 100*MaxLongestKeyShare, lines(longest[comp]))
		}
	}
}

func (c *checker) trueBalance() {
	var yes, all int
	for _, it := range c.items {
		if it.Type == TrueFalse {
			all++
			if it.Choices[0].Correct {
				yes++
			}
		}
	}
	if all == 0 {
		return
	}
	if share := float64(yes) / float64(all); share < MinTrueShare || share > MaxTrueShare {
		c.add("", 0, "vrai/faux items keyed Vrai: %s; keep it between %.0f and %.0f %%, so that always answering Vrai (or Faux) does not pay",
			percent(yes, all), 100*MinTrueShare, 100*MaxTrueShare)
	}
}

// hasAbsolute tells whether a statement holds an absolute word.
func hasAbsolute(prompt string) bool {
	words := " " + strings.Join(words(prompt), " ") + " "
	for _, w := range absoluteWords {
		if strings.Contains(words, " "+w+" ") {
			return true
		}
	}
	return false
}

func (c *checker) absolute() {
	abs := map[string][]*Item{}
	for _, it := range c.items {
		if it.Type == TrueFalse && hasAbsolute(it.Prompt) {
			abs[it.Competence] = append(abs[it.Competence], it)
		}
	}
	var all []*Item
	for _, comp := range engine.CompetenceIDs() {
		all = append(all, abs[comp]...)
		c.absoluteIn(compFile(comp), abs[comp])
	}
	c.absoluteIn("", all)
}

// absoluteIn reports when most vrai/faux items with an absolute word, in a
// competence's file (or the bank when file is ""), are Faux.
func (c *checker) absoluteIn(file string, items []*Item) {
	var faux []*Item
	for _, it := range items {
		if it.Choices[1].Correct {
			faux = append(faux, it)
		}
	}
	if len(items) < MinAbsoluteItems || float64(len(faux)) < AbsoluteFalseShare*float64(len(items)) {
		return
	}
	where := lines(faux)
	if file == "" {
		where = ids(faux)
	}
	c.add(file, 0, "%s vrai/faux items with an absolute word (toujours, jamais, tous, seulement …) are Faux: the word gives the answer away; write some true ones or say it without the word: %s",
		percent(len(faux), len(items)), where)
}

// ids lists items as "c11-x-1 (1.1.yaml:12)".
func ids(items []*Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = fmt.Sprintf("%s (%s:%d)", it.ID, it.File, it.Line)
	}
	return strings.Join(parts, ", ")
}

// skillItems reports a skill with one item, or with items of different
// levels: the lesson's check question must be another item of that level.
func (c *checker) skillItems() {
	bySkill := map[string][]*Item{}
	var order []string
	for _, it := range c.items {
		k := skillKey(it.Competence, it.Skill)
		if bySkill[k] == nil {
			order = append(order, k)
		}
		bySkill[k] = append(bySkill[k], it)
	}
	for _, k := range order {
		items := bySkill[k]
		first := items[0]
		if len(items) < MinItemsPerSkill {
			c.add(first.File, first.Line, "item %s: skill %s has %d item; write a second one of level %d (a lesson's check question must differ from the question the learner missed)",
				first.ID, first.Skill, len(items), first.Level)
			continue
		}
		for _, it := range items[1:] {
			if it.Level != first.Level {
				c.add(it.File, it.Line, "item %s: level %d, but item %s of the same skill %s is level %d; the items of a skill are alternatives of one level: change the level or the skill",
					it.ID, it.Level, first.ID, first.Skill, first.Level)
			}
		}
	}
}

// whyAndLessons reports an item without `why` and a lesson without `can` or
// `priority`.
func (c *checker) whyAndLessons() {
	for _, it := range c.items {
		if it.Why == "" {
			c.add(it.File, it.Line, "item %s: missing `why`: one sentence saying why the key is right, for advisors and reviewers", it.ID)
		}
	}
	for _, l := range c.ls.loose {
		var miss []string
		if l.noCan {
			miss = append(miss, "`can` (the skill as an action: « repérer un SMS d'arnaque »)")
		}
		if l.noPriority {
			miss = append(miss, "`priority` (1 most useful to find a job, 2 or 3)")
		}
		c.add(l.File, l.Line, "lesson %s: missing %s", l.Skill, strings.Join(miss, " and "))
	}
}
