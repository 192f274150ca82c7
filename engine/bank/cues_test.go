package bank

import (
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"
)

// cueBank is testdata/cues/clean with the files of testdata/cues/<name> laid
// over it.
func cueBank(t *testing.T, name string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, dir := range []string{"clean", name} {
		if dir == "" {
			continue
		}
		root := path.Join("testdata/cues", dir)
		err := fs.WalkDir(os.DirFS(root), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path.Join(root, p))
			fsys[p] = &fstest.MapFile{Data: data}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return fsys
}

// TestCues: each fixture of testdata/cues shows one cue, and the check names
// it with its file and line; the clean fixture has none. Load (the bot's
// start) accepts them all: cues are the content check's business.
func TestCues(t *testing.T) {
	tests := []struct {
		fixture string
		want    []string
	}{
		{"", nil},
		{"comment", []string{"2.1.yaml:10: the text of `text` is cut at « # »: YAML reads « Le signe »"}},
		{"colon", []string{"2.1.yaml:10: « Attention : » ends with a colon"}},
		{"longest", []string{
			"2.1.yaml: the right choice is strictly the longest in 2 of 2 (100 %) single-choice items; keep it to 30 %: lines 4 (c21-wifi-1), 16 (c21-wifi-2)",
			"the right choice is strictly the longest in 2 of 4 (50 %) single-choice items of the bank",
		}},
		{"truefalse", []string{"vrai/faux items keyed Vrai: 3 of 4 (75 %); keep it between 40 and 60 %"}},
		{"absolute", []string{
			"2.1.yaml: 4 of 4 (100 %) vrai/faux items with an absolute word (toujours, jamais, tous, seulement …) are Faux",
			"lines 4 (c21-abs-1), 12 (c21-abs-2), 20 (c21-abs-3), 28 (c21-abs-4)",
		}},
		{"leak", []string{"2.1.yaml:4: item c21-annonce-1: its prompt contains « vendeur lyon », the answer of item c11-motscles-1 (1.1.yaml:5)"}},
		{"neardup", []string{"2.1.yaml:4: item c21-securite-1 looks like item c11-cadenas-1 (1.1.yaml:29)"}},
		{"skillone", []string{"2.1.yaml:4: item c21-seul-1: skill seul has 1 item; write a second one of level 2"}},
		{"skilllevels", []string{"2.1.yaml:16: item c21-niveau-2: level 4, but item c21-niveau-1 of the same skill niveau is level 2"}},
		{"nowhy", []string{"2.1.yaml:4: item c21-pourquoi-1: missing `why`"}},
		{"narrow", []string{"2.1.yaml:14: item c21-photo-1: image images/narrow.png is 1 px wide; give at least 360 px"}},
		{"lessonleak", []string{"lessons/1.1.yaml:4: lesson motscles: its text contains « vendeur lyon », the answer of item c11-motscles-1 (1.1.yaml:5) of its skill"}},
		{"lessonloose", []string{"lessons/1.1.yaml:18: lesson calcul: missing `can` (the skill as an action: « repérer un SMS d'arnaque ») and `priority`"}},
	}
	for _, tt := range tests {
		name := tt.fixture
		if name == "" {
			name = "clean"
		}
		t.Run(name, func(t *testing.T) {
			fsys := cueBank(t, tt.fixture)
			_, problems := Check(fsys, CheckOptions{Partial: true, Cues: true})
			var all []string
			for _, p := range problems {
				all = append(all, p.String())
			}
			got := strings.Join(all, "\n")
			if tt.want == nil && len(problems) > 0 {
				t.Errorf("the clean fixture has problems:\n%s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("want a problem %q, got:\n%s", w, got)
				}
			}
			if tt.fixture != "comment" && tt.fixture != "colon" && tt.fixture != "narrow" {
				if _, err := Load(fsys); err != nil {
					t.Errorf("Load refuses a bank with a cue: %v", err)
				}
			}
		})
	}
}

// A quantity ("15 h", "environ 7", "6 mois") is no answer to look for in
// other items: another question may use it for its own reasons.
func TestLeakAnswersSkipQuantities(t *testing.T) {
	for _, tt := range []struct {
		answer string
		want   bool
	}{{"15 h", false}, {"environ 7", false}, {"6 mois", false}, {"12,50 euros", false},
		{"le site de la CAF", true}, {"Amis proches", true}, {"vider le cache", true}} {
		it := &Item{Type: Single, Choices: []Choice{{Text: tt.answer, Correct: true}, {Text: "autre chose"}}}
		if got := len(leakAnswers(it)) > 0; got != tt.want {
			t.Errorf("%q looked for elsewhere: %v, want %v", tt.answer, got, tt.want)
		}
	}
}
