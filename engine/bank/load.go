package bank

import (
	"bytes"
	"errors"
	"fmt"
	_ "image/jpeg" // images in the bank may be JPEG
	_ "image/png"  // or PNG
	"io"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/diagbot/diagbot/engine"
)

// Limits that keep a question readable on a phone and within Telegram's limits.
const (
	MaxIDLen      = 32
	MaxSkillLen   = 32
	MaxPrompt     = 400  // characters: a phone screen without scrolling
	MaxChoice     = 60   // characters: a button label of two short lines at most
	MaxTip        = 300  // one or two sentences
	MaxAlt        = 300  // text alternative of an image
	MaxWhy        = 300  // why the key is right: one sentence
	MinChoices    = 2    //
	MaxChoices    = 6    // more does not fit as buttons
	MaxMessage    = 4096 // Telegram message text
	MaxCaption    = 1024 // Telegram photo caption
	MaxButtonData = 64   // Telegram callback_data bytes
	// messageOverhead is room for the progress line, numbering and the
	// "Je ne sais pas" line around a rendered question.
	messageOverhead = 160
)

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	skillPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	datePattern  = regexp.MustCompile(`^20[0-9]{2}-[01][0-9]-[0-3][0-9]$`)
)

// Problem is one thing to fix in the bank, located by file and line.
type Problem struct {
	File string
	Line int
	Msg  string
	// Coverage marks a problem of the bank as a whole (a competence or level
	// with too few items), not of one file's content.
	Coverage bool
}

func (p Problem) String() string {
	switch {
	case p.File == "":
		return p.Msg
	case p.Line == 0:
		return p.File + ": " + p.Msg
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// ProblemsError is returned by Load when the bank has content errors.
type ProblemsError []Problem

func (e ProblemsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the question bank has %d problem(s); run `diagbot content check` for the full list", len(e))
	for i, p := range e {
		if i == 5 {
			b.WriteString("\n  …")
			break
		}
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// Bank is a loaded, checked set of items and their micro-lessons.
type Bank struct {
	Items    []*Item // in framework order, then file order
	byID     map[string]*Item
	bySkill  map[string][]*Item // competence/skill -> items, by level then id
	lessons  []*Lesson
	lessonBy map[string]*Lesson // competence/skill -> lesson
	gloss    *glossary          // nil without glossary.yaml
}

// Item returns the item with the given id.
func (b *Bank) Item(id string) (*Item, bool) {
	it, ok := b.byID[id]
	return it, ok
}

// EngineItems returns the measurement view of every item.
func (b *Bank) EngineItems() []engine.Item {
	out := make([]engine.Item, len(b.Items))
	for i, it := range b.Items {
		out[i] = it.Engine()
	}
	return out
}

// Coverage counts items per competence and level (index 1–8).
func (b *Bank) Coverage() map[string][engine.MaxLevel + 1]int {
	cov := make(map[string][engine.MaxLevel + 1]int)
	for _, it := range b.Items {
		c := cov[it.Competence]
		c[it.Level]++
		cov[it.Competence] = c
	}
	return cov
}

// CheckOptions adds checks that depend on how a channel will present items.
type CheckOptions struct {
	// ButtonData, when set, returns the callback payloads a channel will
	// attach to the item's buttons; each must fit in MaxButtonData bytes.
	ButtonData func(it *Item) []string
	// Partial skips the coverage checks (every competence and level 1–6
	// present, MinItemsPerCompetence each): for a bank under construction.
	Partial bool
	// NoDrawnPictures accepts an item with `screen:` whose picture file is
	// not drawn yet: for the command that draws them.
	NoDrawnPictures bool
	// Cues runs the checks of a question's quality (cues that give the
	// answer away, duplicates, a skill with one item, a missing `why` …)
	// on a partial bank too; the full check always runs them.
	Cues bool
}

// Load reads every *.yaml file at the root of fsys and the lessons in
// lessons/*.yaml, and returns the bank, or a ProblemsError naming every
// content error. Coverage (of levels, and of skills by lessons) is not
// required.
func Load(fsys fs.FS) (*Bank, error) {
	b, problems := Check(fsys, CheckOptions{Partial: true})
	if len(problems) > 0 {
		return nil, ProblemsError(problems)
	}
	return b, nil
}

// Check reads and validates the bank in fsys and returns every problem found,
// sorted by file and line. The bank is returned even when there are problems
// (with the items that could be read), so a report can still be printed.
func Check(fsys fs.FS, opts CheckOptions) (*Bank, []Problem) {
	c := &checker{fsys: fsys, opts: opts, ids: map[string]string{},
		parsed: map[string]*Item{}, skills: map[string][]string{}, hasEN: map[string]bool{}}
	names, err := competenceFiles(fsys)
	if err != nil {
		b := &Bank{}
		b.index(nil)
		return b, []Problem{{Msg: "cannot list the bank: " + err.Error()}}
	}
	if len(names) == 0 {
		c.add("", 0, "no .yaml file found: the bank is one YAML file per competence (1.1.yaml …)")
	}
	for _, name := range names {
		c.file(name)
	}
	c.lessonFiles()
	c.glossaryFile()
	if !opts.Partial {
		c.coverage()
		c.lessonCoverage()
	}
	if !opts.Partial || opts.Cues {
		c.cues()
	}
	sort.SliceStable(c.items, func(i, j int) bool {
		return compIndex(c.items[i].Competence) < compIndex(c.items[j].Competence)
	})
	bank := &Bank{Items: c.items, gloss: c.gloss}
	bank.index(c.ls.lessons)
	sort.SliceStable(c.problems, func(i, j int) bool {
		pi, pj := c.problems[i], c.problems[j]
		if pi.File != pj.File {
			return pi.File < pj.File
		}
		return pi.Line < pj.Line
	})
	return bank, c.problems
}

// competenceFiles lists the YAML files at the root of the bank, which are
// competence files, except the glossary.
func competenceFiles(fsys fs.FS) ([]string, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	more, _ := fs.Glob(fsys, "*.yml")
	names = slices.DeleteFunc(append(names, more...), func(n string) bool {
		return n == GlossaryFile || n == "glossary.yml"
	})
	sort.Strings(names)
	return names, nil
}

func compIndex(id string) int {
	for i, c := range engine.CompetenceIDs() {
		if c == id {
			return i
		}
	}
	return 99
}

type checker struct {
	fsys     fs.FS
	opts     CheckOptions
	items    []*Item
	ids      map[string]string // id -> "file:line" of first use
	problems []Problem

	// Every item read, valid or not, so lessons are checked against what
	// the author wrote rather than cascading the items' own problems.
	parsed     map[string]*Item    // id -> first item with that id
	parsedList []*Item             // file order
	skills     map[string][]string // competence -> skills, in order of first appearance
	hasEN      map[string]bool     // competence -> some item has `en:`
	ls         lessonState
	gloss      *glossary
	roots      []fileRoot // every file read, for the checks of the YAML text
}

// fileRoot is the top node of one file of the bank.
type fileRoot struct {
	name string
	root *yaml.Node
}

func (c *checker) add(file string, line int, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// parse reads a YAML file and returns its top node, or nil after reporting
// why it cannot be read.
func (c *checker) parse(name string) *yaml.Node {
	data, err := fs.ReadFile(c.fsys, name)
	if err != nil {
		c.add(name, 0, "cannot read: %v", err)
		return nil
	}
	if !utf8.Valid(data) {
		c.add(name, 0, "not valid UTF-8: save the file as UTF-8")
		return nil
	}
	var doc yaml.Node
	err = yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	if errors.Is(err, io.EOF) || (err == nil && len(doc.Content) == 0) {
		c.add(name, 1, "the file is empty")
		return nil
	}
	if err != nil {
		line := 0
		msg := err.Error()
		if m := lineNumber.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		c.add(name, line, "not valid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return nil
	}
	return doc.Content[0]
}

var lineNumber = regexp.MustCompile(`line (\d+)`)

func (c *checker) file(name string) {
	top := c.parse(name)
	if top == nil {
		return
	}
	c.roots = append(c.roots, fileRoot{name, top})
	if top.Kind != yaml.MappingNode {
		c.add(name, 1, "the file must be a mapping with `competence:` and `items:`")
		return
	}
	root := fields(c, name, top, "competence", "items")
	compNode, ok := root["competence"]
	if !ok {
		c.add(name, top.Line, "missing `competence:` (e.g. competence: \"1.1\")")
		return
	}
	comp := compNode.Value
	if _, ok := engine.CompetenceByID(comp); !ok {
		c.add(name, compNode.Line, "unknown competence %q: use one of %s", comp, strings.Join(engine.CompetenceIDs(), " "))
		return
	}
	itemsNode, ok := root["items"]
	if !ok || itemsNode.Kind != yaml.SequenceNode || len(itemsNode.Content) == 0 {
		c.add(name, top.Line, "missing or empty `items:` list")
		return
	}
	for _, n := range itemsNode.Content {
		if it := c.item(name, comp, n); it != nil {
			c.items = append(c.items, it)
		}
	}
}

// fields returns the keys of a mapping node and reports unknown ones, so a
// misspelled field ("tipp") is caught instead of silently ignored.
func fields(c *checker, file string, n *yaml.Node, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		known := false
		for _, a := range allowed {
			if k.Value == a {
				known = true
			}
		}
		if !known {
			c.add(file, k.Line, "unknown field %q: allowed here are %s", k.Value, strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			c.add(file, k.Line, "field %q given twice", k.Value)
		}
		out[k.Value] = v
	}
	return out
}

var itemFields = []string{"id", "skill", "level", "type", "prompt", "choices", "answers", "answer", "typo", "tip", "a", "b", "image", "alt", "screen", "why", "source", "checked", "en"}

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
