package bank

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// codeKeys hold values that are not prose: a comment after them is fine.
var codeKeys = map[string]bool{"id": true, "skill": true, "level": true, "type": true, "a": true, "b": true,
	"answer": true, "typo": true, "correct": true, "checked": true, "source": true, "competence": true,
	"priority": true, "check": true, "link": true, "image": true, "from": true, "style": true, "kind": true,
	"color": true, "size": true, "on": true, "password": true, "letters": true, "selected": true,
	"battery": true, "signal": true, "wifi": true, "network": true, "charging": true, "airplane": true,
	"divider": true}

// yamlText reports texts that YAML changed while reading them: a plain
// (unquoted) text cut at " #", the rest read as a comment; a text ending
// with a colon, read as a key without a value.
func (c *checker) yamlText() {
	for _, fr := range c.roots {
		c.walkText(fr.name, "", fr.root)
	}
}

func (c *checker) walkText(file, key string, n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" && v.Value == "" && k.Style == 0 && prose(k.Value) {
				c.add(file, k.Line, "« %s : » ends with a colon, so YAML read it as a key with no value, not as a text: put the whole text in quotes", k.Value)
				continue
			}
			c.walkText(file, k.Value, v)
		}
	case yaml.SequenceNode:
		for _, v := range n.Content {
			c.walkText(file, key, v)
		}
	case yaml.ScalarNode:
		if n.Style == 0 && n.Tag == "!!str" && n.LineComment != "" && !codeKeys[key] {
			c.add(file, n.Line, "the text of `%s` is cut at « # »: YAML reads « %s » and takes the rest of the line for a comment; put the whole text in quotes",
				key, n.Value)
		}
	}
}

// prose tells a text from a field name: field names are lower case a-z.
func prose(key string) bool {
	return strings.ContainsFunc(key, func(r rune) bool { return (r < 'a' || r > 'z') && r != '_' })
}

// keyed returns the texts of an item's right answers: its right choices, or
// its accepted typed answers (not Vrai/Faux).
func keyed(it *Item) []string {
	switch it.Type {
	case Text:
		return it.Answers
	case Single, Multiple:
		var out []string
		for _, ch := range it.Choices {
			if ch.Correct {
				out = append(out, ch.Text)
			}
		}
		return out
	}
	return nil
}

// contains tells whether the words of needle appear in a row in hay.
func contains(hay, needle []string) bool {
	if len(needle) == 0 || len(needle) > len(hay) {
		return false
	}
	for i := 0; i+len(needle) <= len(hay); i++ {
		if slices.Equal(hay[i:i+len(needle)], needle) {
			return true
		}
	}
	return false
}

// leakAnswers lists the keyed answers of an item long enough to look for
// elsewhere: at least MinLeakWords words that are not stop words. They are
// compared without articles: « un dossier » is « dossier », too common to
// tell anything.
func leakAnswers(it *Item) [][]string {
	var out [][]string
	for _, a := range keyed(it) {
		w := termWords(a)
		content := 0
		for _, x := range w {
			// Numbers and units ("15 h", "environ 7", "6 mois") name a
			// quantity another question may well use for its own reasons:
			// only words that say something count.
			if !stopWords[x] && utf8.RuneCountInString(x) >= 3 && !isNumber(x) && !quantityWords[x] {
				content++
			}
		}
		if content >= MinLeakWords {
			out = append(out, w)
		}
	}
	return out
}

// quantityWords go with a number and tell nothing by themselves.
var quantityWords = map[string]bool{"environ": true, "mois": true, "jours": true, "jour": true, "heures": true, "heure": true,
	"minutes": true, "euros": true, "ans": true, "semaines": true, "fois": true, "pages": true, "about": true, "months": true,
	"days": true, "hours": true, "weeks": true, "years": true, "times": true}

func isNumber(w string) bool {
	for _, r := range w {
		if (r < '0' || r > '9') && r != ',' && r != '.' {
			return false
		}
	}
	return w != ""
}

// answerLeaks reports an item whose prompt or choices print another item's
// answer: a learner who meets both is given it. Items of one skill are
// alternatives, never asked in one test: they are not compared.
func (c *checker) answerLeaks() {
	type text struct {
		where string
		words []string
	}
	texts := make([][]text, len(c.items))
	for i, it := range c.items {
		texts[i] = append(texts[i], text{"prompt", termWords(it.Prompt)})
		if it.Type != TrueFalse {
			for j, ch := range it.Choices {
				texts[i] = append(texts[i], text{fmt.Sprintf("choice %d", j+1), termWords(ch.Text)})
			}
		}
	}
	for _, a := range c.items {
		answers := leakAnswers(a)
		for j, b := range c.items {
			if b.Competence == a.Competence && b.Skill == a.Skill {
				continue
			}
		pair:
			for _, ans := range answers {
				for _, t := range texts[j] {
					if contains(t.words, ans) {
						c.add(b.File, b.Line, "item %s: its %s contains « %s », the answer of item %s (%s:%d); a learner who meets both is given it: reword one of them",
							b.ID, t.where, strings.Join(ans, " "), a.ID, a.File, a.Line)
						break pair
					}
				}
			}
		}
	}
}

// stopWords are left out of the near-duplicate measure: they say nothing of
// what a question asks.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`le la les l un une des de du d et ou a au aux en dans sur sous pour par
		avec sans ce cet cette ces c ca son sa ses votre vos vous je j tu il elle on nous ils elles que qu qui
		quoi quel quelle quels quelles est sont etre avoir ai as avez ont ne n pas plus se s y mon ma mes
		ton ta tes leur leurs comment pourquoi faire faut fait peut pouvez doit devez bien tout si me m te t
		lui cela ceci quand donc mais car comme`) {
		stopWords[w] = true
	}
}

// stemLen cuts words to their first letters, a crude French stemming that
// makes « publiée » and « public », « licence » and « licences » one word.
const stemLen = 5

// wordSet is the words of an item that say what it asks: prompt, choices
// and tip, without stop words and words of one or two letters, stemmed.
func wordSet(it *Item) map[string]bool {
	set := map[string]bool{}
	add := func(s string) {
		for _, w := range words(s) {
			if stopWords[w] || len(w) < 3 {
				continue
			}
			if r := []rune(w); len(r) > stemLen {
				w = string(r[:stemLen])
			}
			set[w] = true
		}
	}
	add(it.Prompt)
	add(it.Tip)
	if it.Type != TrueFalse {
		for _, ch := range it.Choices {
			add(ch.Text)
		}
	}
	return set
}

// Similarity is the Jaccard index of two items' word sets (see wordSet):
// 1 for the same words, 0 for none in common.
func Similarity(a, b *Item) float64 {
	return jaccard(wordSet(a), wordSet(b))
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	common := 0
	for w := range a {
		if b[w] {
			common++
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}

// nearDuplicates reports two items that ask the same thing, in one
// competence or across two: a learner could meet both in one test.
func (c *checker) nearDuplicates() {
	sets := make([]map[string]bool, len(c.items))
	for i, it := range c.items {
		sets[i] = wordSet(it)
	}
	for j, b := range c.items {
		for i := range j {
			a := c.items[i]
			if a.Competence == b.Competence && a.Skill == b.Skill {
				continue // alternatives of one skill are never asked together
			}
			if s := jaccard(sets[i], sets[j]); s >= NearDuplicate {
				c.add(b.File, b.Line, "item %s looks like item %s (%s:%d), %.0f %% of their words in common: a learner may meet both; make them ask different things, or make them one skill",
					b.ID, a.ID, a.File, a.Line, 100*s)
			}
		}
	}
}

// lessonLeaks reports a lesson whose text prints the answer of an item of
// its skill: its check question would then be answered by copying.
func (c *checker) lessonLeaks() {
	for _, l := range c.ls.lessons {
		lw := termWords(l.Title + " " + l.Text + " " + l.Try)
		for _, it := range c.items {
			if it.Competence != l.Competence || it.Skill != l.Skill {
				continue
			}
			seen := map[string]bool{}
			for _, ans := range leakAnswers(it) {
				if k := strings.Join(ans, " "); contains(lw, ans) && !seen[k] {
					seen[k] = true
					c.add(l.File, l.Line, "lesson %s: its text contains « %s », the answer of item %s (%s:%d) of its skill; teach the idea without giving the answer word for word",
						l.Skill, strings.Join(ans, " "), it.ID, it.File, it.Line)
				}
			}
		}
	}
}
