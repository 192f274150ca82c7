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
		return engine.CompetenceIndex(c.items[i].Competence) < engine.CompetenceIndex(c.items[j].Competence)
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
