package screen

import (
	"errors"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func parseText(t testing.TB, src string) (*Spec, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("test YAML: %v", err)
	}
	return Parse(doc.Content[0])
}

// TestParseErrors: every mistake is reported at its line, with what to do.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"not a mapping", "- a\n", "line 1: screen must be a mapping"},
		{"no app", "blocks:\n  - text: a\n", "line 1: screen: missing `app:`"},
		{"no blocks", "app: A\n", "line 1: screen: missing `blocks:`"},
		{"unknown key", "app: A\ntitle: B\nblocks: [{text: a}]\n", "line 2: unknown key \"title\" in screen"},
		{"twice", "app: A\napp: B\nblocks: [{text: a}]\n", "line 2: key \"app\" given twice"},
		{"empty blocks", "app: A\nblocks: []\n", "line 2: `blocks` has 0 entries; give 1 to 14"},
		{"too many blocks", "app: A\nblocks:\n" + strings.Repeat("  - divider: true\n", 15), "line 3: `blocks` has 15 entries"},
		{"block not a mapping", "app: A\nblocks:\n  - hello\n", "line 3: a block must be a mapping"},
		{"no kind", "app: A\nblocks:\n  - style: bold\n", "line 3: a block needs one kind key"},
		{"two kinds", "app: A\nblocks:\n  - text: a\n    button: b\n", "line 4: a block has one kind; \"text\" and \"button\" are two"},
		{"foreign option", "app: A\nblocks:\n  - text: a\n    on: true\n", "line 4: unknown key \"on\" in text block: allowed are text, style"},
		{"bad enum", "app: A\nblocks:\n  - bubble: a\n    from: you\n", "line 4: `from` must be one of \"them\", \"me\""},
		{"bad bool", "app: A\nblocks:\n  - toggle: a\n    on: oui\n", "line 4: `on` must be true or false"},
		{"bad number", "app: A\nblocks:\n  - progress: a\n    value: 120\n", "line 4: `value` must be a whole number from 0 to 100"},
		{"empty text", "app: A\nblocks:\n  - text: \"\"\n", "line 3: `text` is empty"},
		{"long text", "app: A\nblocks:\n  - button: " + strings.Repeat("x", 61) + "\n", "line 3: `button` is 61 characters; keep it to 60"},
		{"list wanted", "app: A\nblocks:\n  - menu: Copier\n", "line 3: `menu` must be a list of texts"},
		{"divider false", "app: A\nblocks:\n  - divider: false\n", "line 3: write `divider: true`"},
		{"bad url", "app: A\nurl: www.exemple.fr\nblocks: [{text: a}]\n", "line 2: `url` must start with https://"},
		{"bad time", "app: A\nstatus:\n  time: 9h\nblocks: [{text: a}]\n", "line 3: `time` must be written HH:MM"},
		{"bad network", "app: A\nstatus: {network: 6G}\nblocks: [{text: a}]\n", "line 2: `network` must be one of"},
		{"bad signal", "app: A\nstatus:\n  signal: 5\nblocks: [{text: a}]\n", "line 3: `signal` must be a whole number from 0 to 4"},
		{"status key", "app: A\nstatus:\n  wi-fi: true\nblocks: [{text: a}]\n", "line 3: unknown key \"wi-fi\" in status"},
		{"table ragged", "app: A\nblocks:\n  - table:\n      - [a, b]\n      - [c]\n", "line 5: table row 2 has 1 cells, the first row 2"},
		{"table not rows", "app: A\nblocks:\n  - table: [a, b]\n", "line 3: table row 1 must be a list of cells"},
		{"table wide", "app: A\nblocks:\n  - table:\n      - [a, b, c, d, e, f]\n", "line 4: table row 1 has 6 cells; give 1 to 5"},
		{"selected without letters", "app: A\nblocks:\n  - table: [[a, b]]\n    selected: B1\n", "line 3: `selected` needs `letters: true`"},
		{"selected outside", "app: A\nblocks:\n  - table: [[a, b]]\n    letters: true\n    selected: C1\n", "line 3: `selected` cell C1 is outside the table"},
		{"selected malformed", "app: A\nblocks:\n  - table: [[a, b]]\n    letters: true\n    selected: b1\n", "line 3: `selected` must name a cell"},
		{"dialog no buttons", "app: A\nblocks: [{text: a}]\ndialog:\n  title: T\n", "line 4: dialog: missing `buttons:`"},
		{"dialog many buttons", "app: A\nblocks: [{text: a}]\ndialog:\n  title: T\n  buttons: [a, b, c, d]\n", "line 5: `buttons` has 4 entries; give 1 to 3"},
		{"qr too long", "app: A\nblocks:\n  - qr: " + strings.Repeat("é", 200) + "\n", "line 3: `qr` is 400 bytes; keep it to 300"},
		{"apps too many", "app: A\nblocks:\n  - apps: [" + strings.Repeat("a, ", 16) + "a]\n", "line 3: `apps` has 17 entries; give 1 to 16"},
		{"file kind", "app: A\nblocks:\n  - file: a\n    kind: exe\n", "line 4: `kind` must be one of \"folder\""},
		{"picture size", "app: A\nblocks:\n  - picture: a\n    size: huge\n", "line 4: `size` must be one of \"small\", \"medium\", \"large\""},
		{"mapping as text", "app: {a: b}\nblocks: [{text: a}]\n", "line 1: `app` must be a text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseText(t, tt.src)
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.src)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant %q", err, tt.want)
			}
		})
	}
}

// TestParseDefaults: what a description leaves out takes the documented
// defaults, and every option lands in its field.
func TestParseDefaults(t *testing.T) {
	s, err := parseText(t, `app: Messages
blocks:
  - bubble: "Salut"
  - bubble: "Oui ?"
    from: me
    sender: Karim
    time: "09:12"
  - table: [["Nom", "Taux"], ["Julie", "11,88"]]
    letters: true
    selected: B2
  - progress: Stockage
    value: 97
`)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != DefaultStatus || s.Dialog != nil || len(s.Blocks) != 4 {
		t.Errorf("defaults: %+v", s)
	}
	if b := s.Blocks[0]; b.Kind != Bubble || b.From != "them" || b.Line != 3 {
		t.Errorf("bubble: %+v", b)
	}
	if b := s.Blocks[1]; b.From != "me" || b.Sender != "Karim" || b.Time != "09:12" {
		t.Errorf("bubble from me: %+v", b)
	}
	if r, c, ok := s.Blocks[2].SelectedCell(); !ok || r != 1 || c != 1 {
		t.Errorf("selected cell %d,%d %v", r, c, ok)
	}
	if s.Blocks[3].Percent != 97 {
		t.Errorf("progress: %+v", s.Blocks[3])
	}
}

// TestParseSamples: the samples use every kind and option without error.
func TestParseSamples(t *testing.T) {
	_, specs := samples(t)
	seen := map[Kind]bool{}
	for _, s := range specs {
		for _, b := range s.Blocks {
			seen[b.Kind] = true
		}
	}
	for _, k := range kindOrder {
		if !seen[k] {
			t.Errorf("no sample draws a %s block", k)
		}
	}
}

// FuzzScreen: no description makes Parse or Render panic, every error names
// a line, and whatever parses renders (or says it is too tall).
func FuzzScreen(f *testing.F) {
	data, _ := os.ReadFile("testdata/samples.yaml")
	for _, part := range strings.Split(string(data), "\n\n") {
		f.Add(part)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil && len(doc.Content) > 0 {
		top := doc.Content[0]
		for i := 1; i < len(top.Content); i += 2 {
			out, _ := yaml.Marshal(top.Content[i])
			f.Add(string(out))
		}
	}
	f.Add("app: A\nblocks:\n  - table: [[a]]\n    letters: true\n    selected: Z9\n")
	f.Add("app: A\nblocks: [{qr: \"\"}]\n")
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) == 0 {
			return
		}
		s, err := Parse(doc.Content[0])
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v is not a list of lines", err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Msg == "" {
					t.Fatalf("error without a line: %+v", e)
				}
			}
			return
		}
		if _, err := Draw(s); err != nil && !strings.Contains(err.Error(), "px tall") {
			t.Fatalf("a valid description does not draw: %v", err)
		}
	})
}
