package bank

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/diagbot/diagbot/engine"
)

// The checks of one item: its fields, choices, English and size.

var itemFields = []string{"id", "skill", "level", "type", "prompt", "choices", "answers", "answer", "typo", "tip", "a", "b", "image", "alt", "screen", "why", "source", "checked", "pilot", "en"}

func (c *checker) item(file, comp string, n *yaml.Node) *Item {
	if n.Kind != yaml.MappingNode {
		c.add(file, n.Line, "each item must be a mapping starting with `- id: …`")
		return nil
	}
	before := len(c.problems)
	f := fields(c, file, n, itemFields...)
	it := &Item{Competence: comp, File: file, Line: n.Line, Typo: true}
	str := func(key string, required bool, limit int) string {
		v, ok := f[key]
		if !ok {
			if required {
				c.add(file, n.Line, "item %s: missing `%s`", it.ID, key)
			}
			return ""
		}
		if v.Kind != yaml.ScalarNode {
			c.add(file, v.Line, "item %s: `%s` must be text", it.ID, key)
			return ""
		}
		s := strings.TrimSpace(v.Value)
		if required && s == "" {
			c.add(file, v.Line, "item %s: `%s` is empty", it.ID, key)
		}
		if limit > 0 && utf8.RuneCountInString(s) > limit {
			c.add(file, v.Line, "item %s: `%s` is %d characters; keep it to %d so it reads on a phone", it.ID, key, utf8.RuneCountInString(s), limit)
		}
		return s
	}
	it.ID = str("id", true, 0)
	switch {
	case it.ID == "":
	case len(it.ID) > MaxIDLen || !idPattern.MatchString(it.ID):
		c.add(file, f["id"].Line, "item %s: id must be lower case a-z, 0-9 and '-', %d characters at most", it.ID, MaxIDLen)
	case c.ids[it.ID] != "":
		c.add(file, f["id"].Line, "item %s: id already used at %s; ids must be unique", it.ID, c.ids[it.ID])
	default:
		c.ids[it.ID] = fmt.Sprintf("%s:%d", file, f["id"].Line)
	}
	it.Skill = str("skill", true, 0)
	c.parsedList = append(c.parsedList, it)
	if it.ID != "" && c.parsed[it.ID] == nil {
		c.parsed[it.ID] = it
	}
	if it.Skill != "" && !slices.Contains(c.skills[comp], it.Skill) {
		c.skills[comp] = append(c.skills[comp], it.Skill)
	}
	if _, ok := f["en"]; ok {
		c.hasEN[comp] = true
	}
	if it.Skill != "" && (len(it.Skill) > MaxSkillLen || !skillPattern.MatchString(it.Skill)) {
		c.add(file, f["skill"].Line, "item %s: skill must be a short slug (a-z, 0-9, '-', %d characters at most)", it.ID, MaxSkillLen)
	}
	if v, ok := f["level"]; !ok {
		c.add(file, n.Line, "item %s: missing `level` (1 to 8)", it.ID)
	} else if l, err := strconv.Atoi(v.Value); err != nil || l < engine.MinLevel || l > engine.MaxLevel {
		c.add(file, v.Line, "item %s: level %q must be a whole number from 1 to 8", it.ID, v.Value)
	} else {
		it.Level = l
	}
	it.Type = Type(str("type", true, 0))
	it.Prompt = str("prompt", true, MaxPrompt)
	it.Tip = str("tip", true, MaxTip)
	it.Image = str("image", false, 0)
	it.Alt = str("alt", false, MaxAlt)
	it.Why = str("why", false, MaxWhy)
	it.Source = str("source", false, MaxLink)
	if v, ok := f["pilot"]; ok {
		b, err := strconv.ParseBool(v.Value)
		if err != nil {
			c.add(file, v.Line, "item %s: pilot must be true or false", it.ID)
		}
		it.Pilot = b
	}
	it.Checked = str("checked", false, 0)
	if it.Checked != "" && !datePattern.MatchString(it.Checked) {
		c.add(file, f["checked"].Line, "item %s: checked must be a date written YYYY-MM-DD", it.ID)
	}

	switch it.Type {
	case Single, Multiple:
		c.choices(file, it, f["choices"], n.Line)
		for _, k := range []string{"answers", "answer", "typo"} {
			if v, ok := f[k]; ok {
				c.add(file, v.Line, "item %s: `%s` is for other types; a %s item marks `correct: true` on its choices", it.ID, k, it.Type)
			}
		}
	case Text:
		it.Answers = c.strList(file, it, f["answers"], "answers", n.Line, 0)
		for _, a := range it.Answers {
			if Fold(a) == "" {
				c.add(file, f["answers"].Line, "item %s: accepted answer %q is empty once folded", it.ID, a)
			}
		}
		if v, ok := f["typo"]; ok {
			b, err := strconv.ParseBool(v.Value)
			if err != nil {
				c.add(file, v.Line, "item %s: typo must be true or false", it.ID)
			}
			it.Typo = b
		}
		if v, ok := f["choices"]; ok {
			c.add(file, v.Line, "item %s: a text item has `answers`, not `choices`", it.ID)
		}
	case TrueFalse:
		v, ok := f["answer"]
		truth, err := strconv.ParseBool(strings.ToLower(valueOf(v)))
		switch {
		case !ok:
			c.add(file, n.Line, "item %s: a truefalse item needs `answer: true` or `answer: false`", it.ID)
		case err != nil:
			c.add(file, v.Line, "item %s: answer must be true or false", it.ID)
		}
		it.Choices = []Choice{{Text: "Vrai", Correct: truth}, {Text: "Faux", Correct: !truth}}
		if v, ok := f["choices"]; ok {
			c.add(file, v.Line, "item %s: a truefalse item gets Vrai/Faux buttons; remove `choices`", it.ID)
		}
	case "":
	default:
		c.add(file, f["type"].Line, "item %s: unknown type %q: use single, multiple, text or truefalse", it.ID, it.Type)
	}

	it.A, it.B = engine.DefaultA, engine.DefaultB(max(it.Level, 1))
	for _, k := range []string{"a", "b"} {
		v, ok := f[k]
		if !ok {
			continue
		}
		x, err := strconv.ParseFloat(v.Value, 64)
		if err != nil {
			c.add(file, v.Line, "item %s: %s must be a number", it.ID, k)
			continue
		}
		if k == "a" {
			it.A = x
		} else {
			it.B = x
		}
	}
	if it.ID != "" && it.Level > 0 {
		if err := it.Engine().Validate(); err != nil {
			c.add(file, n.Line, "%v", err)
		}
	}
	if v, ok := f["en"]; ok {
		c.english(file, it, v)
	}
	c.picture(file, it, f)
	c.size(file, it)
	if c.opts.ButtonData != nil && len(c.problems) == before {
		for _, d := range c.opts.ButtonData(it) {
			if len(d) > MaxButtonData {
				c.add(file, n.Line, "item %s: button data %q is %d bytes, Telegram allows %d: shorten the id", it.ID, d, len(d), MaxButtonData)
				break
			}
		}
	}
	if len(c.problems) > before {
		return nil
	}
	return it
}

func valueOf(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

func (c *checker) choices(file string, it *Item, n *yaml.Node, itemLine int) {
	if n == nil || n.Kind != yaml.SequenceNode {
		c.add(file, itemLine, "item %s: a %s item needs a `choices:` list", it.ID, it.Type)
		return
	}
	if len(n.Content) < MinChoices || len(n.Content) > MaxChoices {
		c.add(file, n.Line, "item %s: %d choices; give %d to %d", it.ID, len(n.Content), MinChoices, MaxChoices)
	}
	seen := map[string]bool{}
	correct := 0
	for i, cn := range n.Content {
		var ch Choice
		switch cn.Kind {
		case yaml.MappingNode:
			cf := fields(c, file, cn, "text", "correct")
			ch.Text = strings.TrimSpace(valueOf(cf["text"]))
			if v, ok := cf["correct"]; ok {
				b, err := strconv.ParseBool(v.Value)
				if err != nil {
					c.add(file, v.Line, "item %s: choice %d: correct must be true or false", it.ID, i+1)
				}
				ch.Correct = b
			}
		case yaml.ScalarNode:
			ch.Text = strings.TrimSpace(cn.Value)
		default:
			c.add(file, cn.Line, "item %s: choice %d must be `- text: …` (with `correct: true` on right ones)", it.ID, i+1)
			continue
		}
		switch n := utf8.RuneCountInString(ch.Text); {
		case n == 0:
			c.add(file, cn.Line, "item %s: choice %d has no text", it.ID, i+1)
		case n > MaxChoice:
			c.add(file, cn.Line, "item %s: choice %d is %d characters; keep it to %d so the button reads on a phone", it.ID, i+1, n, MaxChoice)
		}
		if seen[Fold(ch.Text)] {
			c.add(file, cn.Line, "item %s: choice %d repeats another choice", it.ID, i+1)
		}
		if strings.EqualFold(Fold(ch.Text), "je ne sais pas") {
			c.add(file, cn.Line, "item %s: remove the \"Je ne sais pas\" choice: diagbot adds it to every question", it.ID)
		}
		seen[Fold(ch.Text)] = true
		if ch.Correct {
			correct++
		}
		it.Choices = append(it.Choices, ch)
	}
	switch {
	case it.Type == Single && correct != 1:
		c.add(file, n.Line, "item %s: a single-choice item needs exactly one `correct: true` choice, it has %d", it.ID, correct)
	case it.Type == Multiple && correct == 0:
		c.add(file, n.Line, "item %s: a multiple-choice item needs at least one `correct: true` choice", it.ID)
	}
}

func (c *checker) strList(file string, it *Item, n *yaml.Node, key string, itemLine, limit int) []string {
	if n == nil {
		c.add(file, itemLine, "item %s: missing `%s` list", it.ID, key)
		return nil
	}
	var vals []*yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		vals = []*yaml.Node{n}
	case yaml.SequenceNode:
		vals = n.Content
	default:
		c.add(file, n.Line, "item %s: `%s` must be a list of texts", it.ID, key)
		return nil
	}
	if len(vals) == 0 {
		c.add(file, n.Line, "item %s: `%s` is empty", it.ID, key)
	}
	var out []string
	for _, v := range vals {
		if v.Kind != yaml.ScalarNode {
			c.add(file, v.Line, "item %s: `%s` must be a list of texts", it.ID, key)
			continue
		}
		s := strings.TrimSpace(v.Value)
		if limit > 0 && utf8.RuneCountInString(s) > limit {
			c.add(file, v.Line, "item %s: %s entry is %d characters; keep it to %d", it.ID, key, utf8.RuneCountInString(s), limit)
		}
		out = append(out, s)
	}
	return out
}

func (c *checker) english(file string, it *Item, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		c.add(file, n.Line, "item %s: `en` must be a mapping (prompt, choices, answers, tip, alt)", it.ID)
		return
	}
	f := fields(c, file, n, "prompt", "choices", "answers", "tip", "alt", "why")
	en := &Translation{}
	text := func(k string, limit int) string {
		v, ok := f[k]
		if !ok {
			return ""
		}
		s := strings.TrimSpace(v.Value)
		if utf8.RuneCountInString(s) > limit {
			c.add(file, v.Line, "item %s: en.%s is %d characters; keep it to %d", it.ID, k, utf8.RuneCountInString(s), limit)
		}
		return s
	}
	en.Prompt = text("prompt", MaxPrompt)
	en.Tip = text("tip", MaxTip)
	en.Alt = text("alt", MaxAlt)
	en.Why = text("why", MaxWhy)
	if v, ok := f["choices"]; ok {
		en.Choices = c.strList(file, it, v, "en.choices", n.Line, MaxChoice)
		if it.Type == TrueFalse {
			c.add(file, v.Line, "item %s: a truefalse item gets True/False buttons; remove en.choices", it.ID)
		} else if len(en.Choices) != len(it.Choices) {
			c.add(file, v.Line, "item %s: en.choices has %d entries for %d French choices; keep the same order and number", it.ID, len(en.Choices), len(it.Choices))
		}
	}
	if v, ok := f["answers"]; ok {
		en.Answers = c.strList(file, it, v, "en.answers", n.Line, 0)
	}
	it.EN = en
}

// size checks the rendered question fits a Telegram message (or a caption
// when sent with its image), in both languages.
func (c *checker) size(file string, it *Item) {
	for _, lang := range []string{"fr", "en"} {
		l := it.In(lang)
		n := utf8.RuneCountInString(l.Prompt) + messageOverhead
		for _, ch := range l.Choices {
			n += utf8.RuneCountInString(ch) + 6
		}
		limit, what := MaxMessage, "message"
		if it.Image != "" {
			limit, what = MaxCaption, "photo caption"
		}
		if n > limit {
			c.add(file, it.Line, "item %s: the question in %s would be about %d characters, over Telegram's %d-character %s", it.ID, lang, n, limit, what)
		}
	}
}
