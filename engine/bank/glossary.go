package bank

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// GlossaryFile is the glossary's file at the root of the bank. It is not a
// competence file.
const GlossaryFile = "glossary.yaml"

// Glossary limits.
const (
	MaxDefinition = 200 // characters: one or two short sentences
	MaxTerm       = 40  // characters of a term or an `also` form
	// MinGlossaryTerms is what the full check asks of a complete bank.
	MinGlossaryTerms = 150
)

// Term is one glossary entry: a word a learner may not know, and its short
// definition, in French and English.
type Term struct {
	Term string    `json:"term"`
	Also []string  `json:"also,omitempty"`
	Text string    `json:"text"`
	EN   *TermText `json:"en,omitempty"`
	File string    `json:"-"`
	Line int       `json:"-"`
}

// TermText is a term in one language.
type TermText struct {
	Term string   `json:"term"`
	Also []string `json:"also,omitempty"`
	Text string   `json:"text"`
}

// In returns the term in lang ("fr" or "en"; English falls back to French).
func (t *Term) In(lang string) TermText {
	if lang == "en" && t.EN != nil {
		return *t.EN
	}
	return TermText{Term: t.Term, Also: t.Also, Text: t.Text}
}

// glossary finds terms from a learner's words.
type glossary struct {
	terms []*Term
	forms map[string]map[string]*Term // lang -> form key -> term
	most  int                         // the most words in a form
}

func newGlossary(terms []*Term) *glossary {
	g := &glossary{terms: terms, forms: map[string]map[string]*Term{"fr": {}, "en": {}}}
	for _, t := range terms {
		for _, lang := range []string{"fr", "en"} {
			if lang == "en" && t.EN == nil {
				continue
			}
			tt := t.In(lang)
			for _, f := range append([]string{tt.Term}, tt.Also...) {
				words := termWords(f)
				if len(words) == 0 {
					continue
				}
				k := formKey(words)
				if _, dup := g.forms[lang][k]; !dup {
					g.forms[lang][k] = t
				}
				g.most = max(g.most, len(words))
			}
		}
	}
	return g
}

// Glossary returns the glossary's terms in file order (none when the bank
// has no glossary.yaml).
func (b *Bank) Glossary() []*Term {
	if b.gloss == nil {
		return nil
	}
	return b.gloss.terms
}

// Define finds the glossary term a learner asks about in their own words
// ("c koi un navigateur", "c'est quoi le cloud ?", "pièce jointe") and
// returns it and its definition in lang. Case, accents and punctuation are
// ignored, and so are a trailing "s" and articles (un, une, le, la, l', les,
// des, du, d'). When several terms appear, the one of the most words wins
// ("mot de passe" over "passe"), then the first. The words of lang are
// searched first, then those of the other language, so an English speaker
// typing "navigateur" is answered too. The caller decides when a message is
// a question about a word.
func (b *Bank) Define(lang, query string) (term, text string, ok bool) {
	if b.gloss == nil {
		return "", "", false
	}
	if lang != "en" {
		lang = "fr"
	}
	words := termWords(query)
	for _, l := range []string{lang, other(lang)} {
		if t := b.gloss.find(l, words); t != nil {
			tt := t.In(lang)
			return tt.Term, tt.Text, true
		}
	}
	return "", "", false
}

func other(lang string) string {
	if lang == "en" {
		return "fr"
	}
	return "en"
}

// find returns the term whose form covers the most consecutive words.
func (g *glossary) find(lang string, words []string) *Term {
	for n := min(g.most, len(words)); n > 0; n-- {
		for i := 0; i+n <= len(words); i++ {
			if t, ok := g.forms[lang][formKey(words[i:i+n])]; ok {
				return t
			}
		}
	}
	return nil
}

// articles are dropped from a learner's words and from forms.
var articles = map[string]bool{"un": true, "une": true, "le": true, "la": true, "l": true,
	"les": true, "des": true, "du": true, "d": true, "an": true, "the": true}

// termWords folds s (case, accents) and splits it into words, dropping
// punctuation and articles: "L'appli ?" -> ["appli"].
func termWords(s string) []string {
	fields := words(s)
	out := fields[:0]
	for _, w := range fields {
		if !articles[w] {
			out = append(out, w)
		}
	}
	return out
}

// words folds s (case, accents) and splits it into words of letters and
// digits: "L'appli ?" -> ["l", "appli"].
func words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// formKey is how forms are compared: words without a trailing "s".
func formKey(words []string) string {
	k := make([]string, len(words))
	for i, w := range words {
		if len(w) > 2 {
			w = strings.TrimSuffix(w, "s")
		}
		k[i] = w
	}
	return strings.Join(k, " ")
}

// glossaryFile reads glossary.yaml when the bank has one.
func (c *checker) glossaryFile() {
	if _, err := fs.Stat(c.fsys, GlossaryFile); err != nil {
		if !c.opts.Partial {
			c.problems = append(c.problems, Problem{File: GlossaryFile, Coverage: true,
				Msg: "no glossary: write glossary.yaml with at least 150 terms (see README.md, The glossary)"})
		}
		return
	}
	root := c.parse(GlossaryFile)
	if root == nil {
		return
	}
	c.roots = append(c.roots, fileRoot{GlossaryFile, root})
	if root.Kind != yaml.MappingNode {
		c.add(GlossaryFile, root.Line, "the glossary must be a mapping with `terms:`")
		return
	}
	f := fields(c, GlossaryFile, root, "terms")
	list, ok := f["terms"]
	if !ok || list.Kind != yaml.SequenceNode {
		c.add(GlossaryFile, root.Line, "missing `terms:` list (each entry starts with `- term: …`)")
		return
	}
	seen := map[string]map[string]formAt{"fr": {}, "en": {}}
	var terms []*Term
	for _, n := range list.Content {
		if t := c.term(n, seen); t != nil {
			terms = append(terms, t)
		}
	}
	if !c.opts.Partial && len(terms) < MinGlossaryTerms {
		c.problems = append(c.problems, Problem{File: GlossaryFile, Coverage: true,
			Msg: fmt.Sprintf("the glossary has %d valid terms; a complete bank has at least %d", len(terms), MinGlossaryTerms)})
	}
	c.gloss = newGlossary(terms)
}

// formAt is where a form was first given: its line and its term's line.
type formAt struct{ line, term int }

func (c *checker) term(n *yaml.Node, seen map[string]map[string]formAt) *Term {
	if n.Kind != yaml.MappingNode {
		c.add(GlossaryFile, n.Line, "each term must be a mapping starting with `- term: …`")
		return nil
	}
	before := len(c.problems)
	f := fields(c, GlossaryFile, n, "term", "also", "text", "en")
	t := &Term{File: GlossaryFile, Line: n.Line}
	fr := c.termText(n, f, "", seen["fr"])
	t.Term, t.Also, t.Text = fr.Term, fr.Also, fr.Text
	if v, ok := f["en"]; !ok {
		c.add(GlossaryFile, n.Line, "term %q: missing `en:` (term, text, and also if useful)", t.Term)
	} else if v.Kind != yaml.MappingNode {
		c.add(GlossaryFile, v.Line, "term %q: `en` must be a mapping with term, text and also", t.Term)
	} else {
		ef := fields(c, GlossaryFile, v, "term", "also", "text")
		en := c.termText(v, ef, "en.", seen["en"])
		t.EN = &en
	}
	if len(c.problems) > before {
		return nil
	}
	return t
}

// termText reads term, also and text of one language, and reports a form
// already used (per language, plurals and articles ignored).
func (c *checker) termText(n *yaml.Node, f map[string]*yaml.Node, prefix string, seen map[string]formAt) TermText {
	who := "term"
	var tt TermText
	tt.Term = c.scalar(GlossaryFile, who, f, "term", n.Line, true)
	if tt.Term != "" {
		who = "term " + strconv.Quote(tt.Term)
	}
	tt.Text = c.scalar(GlossaryFile, who, f, "text", n.Line, true)
	if l := utf8.RuneCountInString(tt.Text); l > MaxDefinition {
		c.add(GlossaryFile, f["text"].Line, "%s: %stext is %d characters; keep it to %d (one or two short sentences)", who, prefix, l, MaxDefinition)
	}
	if v, ok := f["also"]; ok {
		switch v.Kind {
		case yaml.SequenceNode:
			for _, a := range v.Content {
				if a.Kind != yaml.ScalarNode || strings.TrimSpace(a.Value) == "" {
					c.add(GlossaryFile, a.Line, "%s: %salso must be a list of words", who, prefix)
					continue
				}
				tt.Also = append(tt.Also, strings.TrimSpace(a.Value))
			}
		default:
			c.add(GlossaryFile, v.Line, "%s: %salso must be a list, e.g. [navigateurs, navigateur web]", who, prefix)
		}
	}
	for i, form := range append([]string{tt.Term}, tt.Also...) {
		if form == "" {
			continue
		}
		line := n.Line
		if v, ok := f["term"]; ok && i == 0 {
			line = v.Line
		} else if v, ok := f["also"]; ok {
			line = v.Line
		}
		words := termWords(form)
		switch {
		case utf8.RuneCountInString(form) > MaxTerm:
			c.add(GlossaryFile, line, "%s: %q is %d characters; a term is a word or a few (%d at most)", who, form, utf8.RuneCountInString(form), MaxTerm)
		case len(words) == 0:
			c.add(GlossaryFile, line, "%s: %q has no word a learner could type", who, form)
		default:
			k := formKey(words)
			at, dup := seen[k]
			switch {
			case !dup:
				seen[k] = formAt{line, n.Line}
			case at.term != n.Line:
				c.add(GlossaryFile, line, "%s: %s%q is already a form at line %d (plurals, case, accents and articles are ignored): keep it once", who, prefix, form, at.line)
			}
		}
	}
	return tt
}
