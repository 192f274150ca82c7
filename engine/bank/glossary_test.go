package bank

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// TestDefine: a learner's own words find the term, in either language.
func TestDefine(t *testing.T) {
	b, err := Load(os.DirFS("testdata/good"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Glossary()) != 5 {
		t.Fatalf("%d terms", len(b.Glossary()))
	}
	tests := []struct {
		lang, query, term string
	}{
		{"fr", "navigateur", "navigateur"},
		{"fr", "c koi un navigateur", "navigateur"},
		{"fr", "C'est quoi un NAVIGATEUR ?", "navigateur"},
		{"fr", "les navigateurs", "navigateur"}, // a trailing s
		{"fr", "navigateur web ?", "navigateur"},
		{"fr", "ça veut dire quoi pièce jointe", "pièce jointe"},
		{"fr", "les pieces jointes", "pièce jointe"}, // accents, plural on each word
		{"fr", "une PJ", "pièce jointe"},
		{"fr", "c'est quoi le cloud ?", "cloud"},
		{"fr", "l'cloud", "cloud"},
		{"fr", "du nuage", "cloud"},
		{"fr", "des nuages", "cloud"},
		{"fr", "mot de passe", "mot de passe"}, // the longest form wins over "passe"
		{"fr", "passe", "passe"},
		{"fr", "mdp ?", "mot de passe"},
		{"en", "what is a browser?", "browser"},
		{"en", "web browsers", "browser"},
		{"en", "the attachment", "attachment"},
		{"en", "navigateur", "browser"}, // a French word, answered in English
		{"fr", "password", "mot de passe"},
		{"de", "cloud", "cloud"}, // any other language is French
		{"fr", "bonjour", ""},
		{"fr", "", ""},
		{"fr", "le la les ?", ""},
		{"fr", "navigat", ""},
	}
	for _, tt := range tests {
		term, text, ok := b.Define(tt.lang, tt.query)
		if term != tt.term || ok != (tt.term != "") || ok && text == "" {
			t.Errorf("Define(%q, %q) = %q, %q, %v; want %q", tt.lang, tt.query, term, text, ok, tt.term)
		}
	}
	if _, text, _ := b.Define("en", "navigateur"); !strings.HasPrefix(text, "The app you use") {
		t.Errorf("English definition: %q", text)
	}
}

// TestNoGlossary: a bank without glossary.yaml loads, and Define finds nothing;
// the full check asks for one.
func TestNoGlossary(t *testing.T) {
	items, _ := os.ReadFile("testdata/good/1.1.yaml")
	pixel, _ := os.ReadFile("testdata/good/images/pixel.png")
	png, _ := os.ReadFile("testdata/good/images/c11-a-2.png")
	fsys := fstest.MapFS{"1.1.yaml": {Data: items}, "images/pixel.png": {Data: pixel}, "images/c11-a-2.png": {Data: png}}
	b, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := b.Define("fr", "navigateur"); ok || b.Glossary() != nil {
		t.Error("a bank without glossary defines words")
	}
	_, problems := Check(fsys, CheckOptions{})
	if !hasProblem(problems, "glossary.yaml: no glossary: write glossary.yaml") {
		t.Errorf("the full check does not ask for a glossary: %v", problems)
	}
}

// TestGlossaryProblems: each mistake of the bad glossary is named with its
// line; the glossary is never read as a competence file.
func TestGlossaryProblems(t *testing.T) {
	b, problems := Check(os.DirFS("testdata/badglossary"), CheckOptions{Partial: true})
	want := []string{
		"glossary.yaml:8: term \"Navigateur\": \"Navigateur\" is already a form at line 2",
		"glossary.yaml:11: term \"Browsers\": en.\"Browsers\" is already a form at line 6",
		"glossary.yaml:14: term \"wifi\": text is 243 characters; keep it to 200",
		"glossary.yaml:21: term \"cloud\": missing `en:`",
		"glossary.yaml:27: term \"link\": en.also must be a list",
		"glossary.yaml:30: unknown field \"txt\"",
		"glossary.yaml:29: term \"spam\": missing `text`",
		"glossary.yaml:32: term: `term` is empty",
	}
	for _, w := range want {
		if !hasProblem(problems, w) {
			t.Errorf("missing problem %q", w)
		}
	}
	for _, p := range problems {
		if strings.Contains(p.Msg, "competence") {
			t.Errorf("the glossary was read as a competence file: %s", p)
		}
	}
	if len(b.Items) != 5 {
		t.Errorf("%d items", len(b.Items))
	}
	// The valid terms are kept, each once.
	if got := len(b.Glossary()); got != 1 {
		t.Errorf("%d valid terms, want 1 (navigateur)", got)
	}
	_, problems = Check(os.DirFS("testdata/good"), CheckOptions{})
	if !hasProblem(problems, "glossary.yaml: the glossary has 5 valid terms; a complete bank has at least 150") {
		t.Errorf("the full check does not count terms: %v", problems)
	}
}

func hasProblem(problems []Problem, want string) bool {
	for _, p := range problems {
		if strings.Contains(p.String(), want) {
			return true
		}
	}
	return false
}

// FuzzDefine: any words, in any language, never panic, and a found term has
// a definition.
func FuzzDefine(f *testing.F) {
	b, err := Load(os.DirFS("testdata/good"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("fr", "c koi un navigateur")
	f.Add("en", "l' d' s")
	f.Add("fr", "mot de passe mot de passe")
	f.Fuzz(func(t *testing.T, lang, query string) {
		term, text, ok := b.Define(lang, query)
		if ok && (term == "" || text == "") {
			t.Fatalf("Define(%q, %q) found %q without a text", lang, query, term)
		}
	})
}

// FuzzGlossary: no glossary file makes the check panic, and every term it
// accepts has both languages and can be found by its own word.
func FuzzGlossary(f *testing.F) {
	good, _ := os.ReadFile("testdata/good/glossary.yaml")
	bad, _ := os.ReadFile("testdata/badglossary/glossary.yaml")
	f.Add(good)
	f.Add(bad)
	items, _ := os.ReadFile("testdata/cues/clean/1.1.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		b, _ := Check(fstest.MapFS{"1.1.yaml": {Data: items}, "glossary.yaml": {Data: data}}, CheckOptions{})
		for _, term := range b.Glossary() {
			if term.EN == nil || term.Text == "" || term.EN.Text == "" {
				t.Fatalf("accepted term %+v", term)
			}
			if _, _, ok := b.Define("fr", term.Term); !ok {
				t.Fatalf("term %q is not found by its own word", term.Term)
			}
		}
	})
}
