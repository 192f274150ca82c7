package bank

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/diagbot/diagbot/engine"
)

func TestFoldAndMatch(t *testing.T) {
	tests := []struct {
		typed    string
		accepted []string
		typo     bool
		want     bool
	}{
		{"Historique", []string{"historique"}, true, true},
		{"  HISTORIQUE. ", []string{"historique"}, true, true},
		{"historiqeu", []string{"historique"}, true, true}, // 2 edits on 10 letters
		{"histoire", []string{"historique"}, true, false},
		{"historiqeu", []string{"historique"}, false, false},
		{"Télétravail", []string{"teletravail"}, false, true},
		{"e\u0301te\u0301", []string{"été"}, false, true}, // combining accents
		{"12", []string{"12", "douze"}, true, true},
		{"12,0", []string{"12"}, true, true},
		{"1 200 €", []string{"1200"}, true, true},
		{"13", []string{"12"}, true, false}, // numbers never "typo"
		{"douz", []string{"12", "douze"}, true, true},
		{"@", []string{"@"}, false, true},
		{"", []string{"x"}, true, false},
		{"pdf", []string{"pdf"}, false, true},
		{"pfd", []string{"pdf"}, true, false}, // 3 letters: no typo allowed
		{strings.Repeat("a", 2000), []string{"a"}, true, false},
	}
	for _, tt := range tests {
		if got := MatchText(tt.typed, tt.accepted, tt.typo); got != tt.want {
			t.Errorf("MatchText(%q, %q, %v) = %v, want %v", tt.typed, tt.accepted, tt.typo, got, tt.want)
		}
	}
}

func TestCorrect(t *testing.T) {
	b, err := Load(os.DirFS("testdata/good"))
	if err != nil {
		t.Fatal(err)
	}
	single, _ := b.Item("c11-a-1")
	text, _ := b.Item("c11-b-1")
	tf, _ := b.Item("c11-c-1")
	multi, _ := b.Item("c11-d-1")
	tests := []struct {
		it   *Item
		r    Response
		want bool
	}{
		{single, Response{Choices: []int{0}}, true},
		{single, Response{Choices: []int{1}}, false},
		{single, Response{Choices: []int{0}, Skip: true}, false},
		{single, Response{Choices: []int{7}}, false},
		{single, Response{}, false},
		{text, Response{Text: "Douze"}, true},
		{text, Response{Text: "12.0"}, true},
		{tf, Response{Choices: []int{1}}, true}, // Faux
		{tf, Response{Choices: []int{0}}, false},
		{multi, Response{Choices: []int{1, 0}}, true},
		{multi, Response{Choices: []int{0}}, false},
		{multi, Response{Choices: []int{0, 1, 2}}, false},
	}
	for i, tt := range tests {
		if got := tt.it.Correct(tt.r); got != tt.want {
			t.Errorf("%d: %s Correct(%+v) = %v", i, tt.it.ID, tt.r, got)
		}
	}
	if l := tf.In("en"); l.Choices[0] != "True" {
		t.Errorf("English true/false choices %v", l.Choices)
	}
	if l := single.In("en"); l.Prompt != "What do you type?" || l.Tip != single.Tip || l.Choices[0] != "sales job Lyon" {
		t.Errorf("English falls back to French where missing: %+v", l)
	}
	if single.Image != "images/pixel.png" || single.A != engine.DefaultA || single.B != engine.DefaultB(1) {
		t.Errorf("defaults: %+v", single)
	}
}

// TestCheckNamesFileAndLine: every problem of a broken bank is reported with
// its file and line and says what to do.
func TestCheckNamesFileAndLine(t *testing.T) {
	_, problems := Check(os.DirFS("testdata/bad"), CheckOptions{Partial: true,
		ButtonData: func(it *Item) []string { return []string{strings.Repeat("x", 65)} }})
	want := []string{
		"1.1.yaml:13: item c11-ok-1: id already used at 1.1.yaml:3",
		"1.1.yaml:19: item c11-ok-1: a single-choice item needs exactly one `correct: true` choice, it has 2",
		"1.1.yaml:24: item C11 Bad: id must be lower case",
		"1.1.yaml:26: item C11 Bad: level \"9\" must be a whole number from 1 to 8",
		"1.1.yaml:27: item C11 Bad: unknown type \"essay\"",
		"1.1.yaml:29: unknown field \"tipp\"",
		"1.1.yaml:36: item c11-long-1: choice 1 is 83 characters; keep it to 60",
		"1.1.yaml:38: item c11-long-1: remove the \"Je ne sais pas\" choice",
		"1.1.yaml:45: item c11-img-1: answer must be true or false",
		"1.1.yaml:46: item c11-img-1: an image needs `alt:`",
		"1.1.yaml:46: item c11-img-1: image images/absente.png not found",
		"1.1.yaml:48: item c11-text-1: missing `answers` list",
		"1.1.yaml:55: item c11-text-1: en.choices has 2 entries for 0 French choices",
		"2.1.yaml:5: not valid YAML",
		"1.1.yaml:3: item c11-ok-1: button data",
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("missing problem %q in:\n%s", w, all)
		}
	}
	if _, err := Load(os.DirFS("testdata/bad")); err == nil || !strings.Contains(err.Error(), "content check") {
		t.Errorf("Load of a bad bank = %v", err)
	}
}

func TestCheckCoverage(t *testing.T) {
	b, problems := Check(os.DirFS("testdata/good"), CheckOptions{})
	if len(b.Items) != 5 {
		t.Fatalf("%d items", len(b.Items))
	}
	cov := 0
	for _, p := range problems {
		if p.Coverage {
			cov++
		}
	}
	// Each of the 16 competences lacks items, levels and pictures; the
	// glossary is short. (The fixture's cues are TestCues' business.)
	if cov != 16*3+1 {
		t.Errorf("%d coverage problems, want %d", cov, 16*3+1)
	}
	if _, problems := Check(fstest.MapFS{}, CheckOptions{Partial: true}); len(problems) != 1 {
		t.Errorf("empty bank: %v", problems)
	}
}

// TestEmbeddedBank is the content check of the shipped bank: it must pass in
// full (every competence, levels 1–6, at least 10 items each).
func TestEmbeddedBank(t *testing.T) {
	b, problems := Check(Embedded(), CheckOptions{})
	for _, p := range problems {
		t.Error(p)
	}
	if len(b.Items) < 160 {
		t.Errorf("%d items in the embedded bank, want at least 160", len(b.Items))
	}
	types := map[Type]int{}
	for _, it := range b.Items {
		types[it.Type]++
		if it.EN == nil || it.EN.Prompt == "" {
			t.Errorf("%s:%d: item %s has no English prompt", it.File, it.Line, it.ID)
		}
	}
	for _, ty := range []Type{Single, Multiple, Text, TrueFalse} {
		if types[ty] == 0 {
			t.Errorf("no %s item in the bank", ty)
		}
	}
}

func FuzzMatchText(f *testing.F) {
	f.Add("12,5 €", "12.5", true)
	f.Add("Historiqeu", "historique", true)
	f.Add("@", "@", false)
	f.Fuzz(func(t *testing.T, typed, accepted string, typo bool) {
		got := MatchText(typed, []string{accepted}, typo)
		if typed == accepted && Fold(typed) != "" && len(typed) <= 1000 && !got {
			if _, isNum := ParseNumber(accepted); !isNum {
				t.Errorf("%q does not match itself", typed)
			}
		}
		Fold(typed)
		ParseNumber(typed)
	})
}

func FuzzCheck(f *testing.F) {
	good, _ := os.ReadFile("testdata/good/1.1.yaml")
	bad, _ := os.ReadFile("testdata/bad/1.1.yaml")
	f.Add(good)
	f.Add(bad)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, _ := Check(fstest.MapFS{"x.yaml": {Data: data}}, CheckOptions{})
		for _, it := range b.Items { // whatever is accepted is usable
			if it.Type != Text && len(it.Choices) < 2 {
				t.Fatalf("accepted item %s with %d choices", it.ID, len(it.Choices))
			}
			it.Correct(Response{Choices: []int{0}, Text: "x"})
		}
	})
}

// An item marked pilot reaches the engine as a pilot; a bad value is named.
func TestPilotField(t *testing.T) {
	item := func(pilot string) fstest.MapFS {
		return fstest.MapFS{"1.1.yaml": {Data: []byte("competence: \"1.1\"\nitems:\n  - {id: c11-a-1, skill: a, level: 1, type: truefalse, prompt: \"Un moteur de recherche trouve des pages.\", answer: true, tip: \"Oui.\", pilot: " + pilot + "}\n")}}
	}
	b, err := Load(item("true"))
	if err != nil {
		t.Fatal(err)
	}
	if it, _ := b.Item("c11-a-1"); !it.Pilot || !it.Engine().Pilot {
		t.Errorf("pilot not carried: %+v", it)
	}
	if _, err := Load(item("peut-etre")); err == nil || !strings.Contains(err.Error(), "pilot must be true or false") {
		t.Errorf("a bad pilot value: %v", err)
	}
}
