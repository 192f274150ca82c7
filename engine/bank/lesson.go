package bank

import (
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/diagbot/diagbot/engine"
)

// Micro-lessons: one per skill of the bank, in lessons/<competence>.yaml
// beside the item files. A learner gets a few of them after the diagnostic,
// one a day, each followed by a check question of the same skill.
const (
	// LessonsDir is the folder of the bank that holds the lesson files.
	LessonsDir = "lessons"
	// MaxLessonTitle keeps a title on one line of a phone.
	MaxLessonTitle = 60
	// MaxLesson bounds title + text + try + link in one language: what a
	// learner reads in one go without scrolling much (aim for 300–550).
	MaxLesson = 700
	// MaxLink is the longest link accepted; a long address is often a
	// tracking or deep link that breaks.
	MaxLink = 200
	// MaxCan bounds a skill said as an action ("reconnaître un SMS d'arnaque"),
	// which the results and the advisor's reports put in a sentence.
	MaxCan = 60
	// TryFR and TryEN start every `try`, so the learner knows this line is
	// the thing to do now.
	TryFR = "Essayez maintenant"
	TryEN = "Try it now"
)

// LessonText is a lesson in one language.
type LessonText struct{ Title, Text, Try, Can string }

// Lesson is the micro-lesson of one skill.
type Lesson struct {
	Competence string
	Skill      string
	LessonText             // French
	EN         *LessonText // nil when the file has no English
	Link       string      // "" when none
	Check      string      // item id of the check question
	// Priority orders the skills to work for someone looking for a job:
	// 1 (most useful: scams, e-mail, online procedures) to 3 (least). 2 when unset.
	Priority int
	File     string
	Line     int
}

// In returns the lesson in lang: English when lang is "en" and the lesson
// has English, French otherwise.
func (l *Lesson) In(lang string) LessonText {
	if lang == "en" && l.EN != nil {
		return *l.EN
	}
	return l.LessonText
}

// Lesson returns the lesson of a skill of a competence.
func (b *Bank) Lesson(competence, skill string) (*Lesson, bool) {
	l, ok := b.lessonBy[skillKey(competence, skill)]
	return l, ok
}

// Lessons returns every lesson, in framework order, then file order.
func (b *Bank) Lessons() []*Lesson {
	return append([]*Lesson(nil), b.lessons...)
}

// SkillItems returns the bank's items of one skill, by level then id.
func (b *Bank) SkillItems(competence, skill string) []*Item {
	return append([]*Item(nil), b.bySkill[skillKey(competence, skill)]...)
}

func skillKey(competence, skill string) string { return competence + "/" + skill }

// index fills the bank's lookup tables.
func (b *Bank) index(lessons []*Lesson) {
	b.byID = make(map[string]*Item, len(b.Items))
	b.bySkill = map[string][]*Item{}
	for _, it := range b.Items {
		b.byID[it.ID] = it
		k := skillKey(it.Competence, it.Skill)
		b.bySkill[k] = append(b.bySkill[k], it)
	}
	for _, items := range b.bySkill {
		sort.Slice(items, func(i, j int) bool {
			if items[i].Level != items[j].Level {
				return items[i].Level < items[j].Level
			}
			return items[i].ID < items[j].ID
		})
	}
	sort.SliceStable(lessons, func(i, j int) bool {
		return engine.CompetenceIndex(lessons[i].Competence) < engine.CompetenceIndex(lessons[j].Competence)
	})
	b.lessons = lessons
	b.lessonBy = make(map[string]*Lesson, len(lessons))
	for _, l := range lessons {
		b.lessonBy[skillKey(l.Competence, l.Skill)] = l
	}
}

// lessonState is what the checker keeps while reading lesson files.
type lessonState struct {
	lessons    []*Lesson
	at         map[string]string // competence/skill -> "file:line" of its lesson
	files      map[string]bool   // competences that have a lesson file
	unreadable map[string]bool   // competences whose lesson file could not be read at all
	loose      []looseLesson     // lessons without `can` or `priority`
}

// looseLesson is a lesson that lacks `can`, `priority` or both.
type looseLesson struct {
	*Lesson
	noCan, noPriority bool
}

// lessonFiles reads every lessons/*.yaml file of the bank.
func (c *checker) lessonFiles() {
	c.ls.at = map[string]string{}
	c.ls.unreadable = map[string]bool{}
	c.ls.files = map[string]bool{}
	names, _ := fs.Glob(c.fsys, LessonsDir+"/*.yaml")
	more, _ := fs.Glob(c.fsys, LessonsDir+"/*.yml")
	names = append(names, more...)
	sort.Strings(names)
	for _, name := range names {
		c.lessonFile(name)
	}
}

func (c *checker) lessonFile(name string) {
	want := strings.TrimSuffix(path.Base(name), path.Ext(name))
	if _, ok := engine.CompetenceByID(want); !ok {
		c.add(name, 0, "%q is not a competence: name each lesson file for its competence, from lessons/1.1.yaml to lessons/5.2.yaml", want)
		return
	}
	c.ls.files[want] = true
	root := c.parse(name)
	if root == nil {
		c.ls.unreadable[want] = true
		return
	}
	c.roots = append(c.roots, fileRoot{name, root})
	if root.Kind != yaml.MappingNode {
		c.add(name, root.Line, "the file must be a mapping with `competence:` and `lessons:`")
		c.ls.unreadable[want] = true
		return
	}
	f := fields(c, name, root, "competence", "lessons")
	compNode, ok := f["competence"]
	switch {
	case !ok:
		c.add(name, root.Line, "missing `competence: %q` at the top of the file", want)
	case compNode.Value != want:
		c.add(name, compNode.Line, "competence %q does not match the file name: write competence: %q, or move the lessons to lessons/%s.yaml", compNode.Value, want, compNode.Value)
	}
	list, ok := f["lessons"]
	if !ok || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		c.add(name, root.Line, "missing or empty `lessons:` list (each entry starts with `- skill: …`)")
		c.ls.unreadable[want] = true
		return
	}
	for _, n := range list.Content {
		if l := c.lesson(name, want, n); l != nil {
			c.ls.lessons = append(c.ls.lessons, l)
		}
	}
}

var lessonFields = []string{"skill", "can", "priority", "title", "text", "try", "link", "check", "en"}

func (c *checker) lesson(file, comp string, n *yaml.Node) *Lesson {
	if n.Kind != yaml.MappingNode {
		c.add(file, n.Line, "each lesson must be a mapping starting with `- skill: …`")
		return nil
	}
	before := len(c.problems)
	f := fields(c, file, n, lessonFields...)
	l := &Lesson{Competence: comp, File: file, Line: n.Line}
	l.Skill = c.scalar(file, "lesson", f, "skill", n.Line, true)
	skills := c.skills[comp]
	known := false
	for _, s := range skills {
		known = known || s == l.Skill
	}
	who := "lesson " + l.Skill
	switch {
	case l.Skill == "":
		who = "lesson"
	case !known && len(skills) == 0:
		c.add(file, f["skill"].Line, "%s: competence %s has no items, so no skill to teach: check %s.yaml", who, comp, comp)
	case !known:
		c.add(file, f["skill"].Line, "%s: no item of %s.yaml has skill %q; use one of %s", who, comp, l.Skill, strings.Join(skills, ", "))
	case c.ls.at[skillKey(comp, l.Skill)] != "":
		c.add(file, f["skill"].Line, "%s: skill %q already has a lesson at %s; write one lesson per skill and remove this one", who, l.Skill, c.ls.at[skillKey(comp, l.Skill)])
	default:
		c.ls.at[skillKey(comp, l.Skill)] = fmt.Sprintf("%s:%d", file, f["skill"].Line)
	}

	l.LessonText = c.lessonText(file, who, "", f, n.Line, TryFR, "Essayez maintenant : tapez…")
	l.Can = c.scalar(file, who, f, "can", n.Line, false)
	if utf8.RuneCountInString(l.Can) > MaxCan {
		c.add(file, f["can"].Line, "%s: `can` is %d characters; keep it to %d (a short action: « reconnaître un SMS d'arnaque »)", who, utf8.RuneCountInString(l.Can), MaxCan)
	}
	l.Priority = 2
	if _, ok := f["priority"]; !ok || l.Can == "" {
		c.ls.loose = append(c.ls.loose, looseLesson{l, l.Can == "", !ok})
	}
	if v, ok := f["priority"]; ok {
		switch v.Value {
		case "1", "2", "3":
			l.Priority = int(v.Value[0] - '0')
		default:
			c.add(file, v.Line, "%s: priority must be 1 (most useful to find a job), 2 or 3", who)
		}
	}
	if v, ok := f["link"]; ok {
		l.Link = c.link(file, who, v)
	}
	l.Check = c.scalar(file, who, f, "check", n.Line, true)
	if l.Check != "" {
		c.checkItem(file, who, comp, l, known, f["check"].Line)
	}
	if v, ok := f["en"]; ok {
		if v.Kind != yaml.MappingNode {
			c.add(file, v.Line, "%s: `en` must be a mapping with title, text and try in English", who)
		} else {
			ef := fields(c, file, v, "can", "title", "text", "try")
			en := c.lessonText(file, who, "en.", ef, v.Line, TryEN, "Try it now: type…")
			en.Can = c.scalar(file, who, ef, "can", v.Line, false)
			l.EN = &en
		}
	} else if c.hasEN[comp] {
		c.add(file, n.Line, "%s: missing `en:` (title, text and try in English); the items of %s.yaml have English, so the lesson needs it too", who, comp)
	}
	for _, lang := range []string{"fr", "en"} {
		if lang == "en" && l.EN == nil {
			continue
		}
		t := l.In(lang)
		size := utf8.RuneCountInString(t.Title) + utf8.RuneCountInString(t.Text) + utf8.RuneCountInString(t.Try) + utf8.RuneCountInString(l.Link)
		if size > MaxLesson {
			c.add(file, n.Line, "%s: the %s lesson is %d characters (title, text, try and link); keep it to %d, ideally 300–550: cut a sentence", who, langName(lang), size, MaxLesson)
		}
	}
	if len(c.problems) > before {
		return nil
	}
	return l
}

func langName(lang string) string {
	if lang == "en" {
		return "English"
	}
	return "French"
}

// scalar reads one text field, trimmed; a missing or empty required field is
// reported.
func (c *checker) scalar(file, who string, f map[string]*yaml.Node, key string, line int, required bool) string {
	v, ok := f[key]
	if !ok {
		if required {
			c.add(file, line, "%s: missing `%s`", who, key)
		}
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		c.add(file, v.Line, "%s: `%s` must be text", who, key)
		return ""
	}
	s := strings.TrimSpace(v.Value)
	if required && s == "" {
		c.add(file, v.Line, "%s: `%s` is empty", who, key)
	}
	return s
}

// lessonText reads title, text and try in one language; prefix is "" or "en."
// for messages.
func (c *checker) lessonText(file, who, prefix string, f map[string]*yaml.Node, line int, try, example string) LessonText {
	var t LessonText
	t.Title = c.scalar(file, who, f, "title", line, true)
	if n := utf8.RuneCountInString(t.Title); n > MaxLessonTitle {
		c.add(file, f["title"].Line, "%s: %stitle is %d characters; keep it to %d so it fits one line", who, prefix, n, MaxLessonTitle)
	} else if strings.ContainsAny(t.Title, "\n\r") {
		c.add(file, f["title"].Line, "%s: %stitle must be one line", who, prefix)
	}
	t.Text = c.scalar(file, who, f, "text", line, true)
	t.Try = c.scalar(file, who, f, "try", line, true)
	if t.Try != "" && !strings.HasPrefix(t.Try, try) {
		c.add(file, f["try"].Line, "%s: %stry must start with %q (e.g. %q)", who, prefix, try, example)
	}
	return t
}

// link checks an optional link: a public https address a learner can open.
func (c *checker) link(file, who string, v *yaml.Node) string {
	if v.Kind != yaml.ScalarNode {
		c.add(file, v.Line, "%s: `link` must be one address (https://…)", who)
		return ""
	}
	s := strings.TrimSpace(v.Value)
	u, err := url.Parse(s)
	switch {
	case s == "":
		c.add(file, v.Line, "%s: `link` is empty; remove the line if there is no link", who)
	case len(s) > MaxLink:
		c.add(file, v.Line, "%s: link is %d characters; keep it to %d (prefer the home page of the site)", who, len(s), MaxLink)
	case strings.ContainsAny(s, " \t\n\r"):
		c.add(file, v.Line, "%s: link %q contains a space; copy the address exactly", who, s)
	case err != nil:
		c.add(file, v.Line, "%s: link %q is not a valid address: %v", who, s, err)
	case u.Scheme != "https":
		c.add(file, v.Line, "%s: link %q must start with https://", who, s)
	case !strings.Contains(u.Hostname(), ".") || strings.HasPrefix(u.Hostname(), ".") || strings.HasSuffix(u.Hostname(), "."):
		c.add(file, v.Line, "%s: link %q has no site name (like https://www.service-public.fr)", who, s)
	case u.User != nil:
		c.add(file, v.Line, "%s: link %q must not contain a user name or password", who, s)
	}
	return s
}

// checkItem checks that the lesson's check question is an item of the same
// competence and skill, and names a better one when it is not.
func (c *checker) checkItem(file, who, comp string, l *Lesson, knownSkill bool, line int) {
	it, ok := c.parsed[l.Check]
	suggest := ""
	if first := c.firstOfSkill(comp, l.Skill); first != "" {
		suggest = fmt.Sprintf(" (for example %s)", first)
	}
	switch {
	case !ok:
		c.add(file, line, "%s: check %q is not the id of any item; give the id of an item of %s.yaml with skill %s%s", who, l.Check, comp, l.Skill, suggest)
	case it.Competence != comp:
		c.add(file, line, "%s: check %q is an item of competence %s; pick an item of %s.yaml with skill %s%s", who, l.Check, it.Competence, comp, l.Skill, suggest)
	case knownSkill && it.Skill != l.Skill:
		c.add(file, line, "%s: check %q has skill %q, not %q; the check question must test what the lesson teaches%s", who, l.Check, it.Skill, l.Skill, suggest)
	}
}

// firstOfSkill returns the id of the lowest-level item of a skill.
func (c *checker) firstOfSkill(comp, skill string) string {
	var best *Item
	for _, it := range c.parsedList {
		if it.Competence != comp || it.Skill != skill || it.ID == "" {
			continue
		}
		if best == nil || it.Level < best.Level || (it.Level == best.Level && it.ID < best.ID) {
			best = it
		}
	}
	if best == nil {
		return ""
	}
	return best.ID
}

// lessonCoverage reports every skill of the bank without a lesson. It is a
// coverage problem: a bank under construction may lack lessons.
func (c *checker) lessonCoverage() {
	for _, comp := range engine.CompetenceIDs() {
		if c.ls.unreadable[comp] {
			continue // its file's own problem is reported already
		}
		file := LessonsDir + "/" + comp + ".yaml"
		if !c.ls.files[comp] && len(c.skills[comp]) > 0 {
			c.problems = append(c.problems, Problem{File: file, Coverage: true,
				Msg: fmt.Sprintf("no lesson file for competence %s: create it with one lesson per skill of %s.yaml (%s)", comp, comp, strings.Join(c.skills[comp], ", "))})
			continue
		}
		for _, s := range c.skills[comp] {
			if c.ls.at[skillKey(comp, s)] == "" {
				c.problems = append(c.problems, Problem{File: file, Coverage: true,
					Msg: fmt.Sprintf("skill %s of %s.yaml has no micro-lesson: add `- skill: %s` to %s", s, comp, s, file)})
			}
		}
	}
}
