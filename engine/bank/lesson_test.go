package bank

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/diagbot/diagbot/engine"
)

func TestLessons(t *testing.T) {
	b, err := Load(os.DirFS("testdata/good"))
	if err != nil {
		t.Fatal(err)
	}
	l, ok := b.Lesson("1.1", "a")
	if !ok {
		t.Fatal("no lesson for skill a")
	}
	want := Lesson{
		Competence: "1.1", Skill: "a",
		LessonText: LessonText{
			Title: "Chercher avec les bons mots",
			Text:  "Un moteur de recherche cherche des mots. Tapez le métier et la ville.",
			Try:   "Essayez maintenant : tapez « vendeur » et votre ville.",
		},
		Link: "https://www.francetravail.fr", Check: "c11-a-1", File: "lessons/1.1.yaml", Line: 3, Priority: 2,
	}
	got := *l
	got.EN = nil
	if got != want {
		t.Errorf("lesson a =\n%+v, want\n%+v", got, want)
	}
	if l.EN == nil || l.In("en").Title != "Searching with the right words" || l.In("en").Try != `Try it now: type "sales" and your town.` {
		t.Errorf("English: %+v", l.EN)
	}
	for _, lang := range []string{"fr", "", "de"} {
		if l.In(lang) != want.LessonText {
			t.Errorf("In(%q) = %+v, want French", lang, l.In(lang))
		}
	}
	noEN := &Lesson{LessonText: LessonText{Title: "t"}}
	if noEN.In("en").Title != "t" {
		t.Error("a lesson without English falls back to French")
	}
	if _, ok := b.Lesson("1.1", "zz"); ok {
		t.Error("lesson of an unknown skill")
	}
	if _, ok := b.Lesson("1.2", "a"); ok {
		t.Error("lesson found under the wrong competence")
	}
	var skills []string
	for _, l := range b.Lessons() {
		skills = append(skills, l.Skill)
	}
	if strings.Join(skills, " ") != "a b c d" {
		t.Errorf("Lessons() skills %v, want file order a b c d", skills)
	}
	b.Lessons()[0] = nil // a copy: the bank is not changed
	if b.Lessons()[0] == nil {
		t.Error("Lessons returns the bank's own slice")
	}
	if its := b.SkillItems("1.1", "b"); len(its) != 1 || its[0].ID != "c11-b-1" {
		t.Errorf("SkillItems(1.1, b) = %v", its)
	}
	if its := b.SkillItems("1.1", "zz"); len(its) != 0 {
		t.Errorf("SkillItems of an unknown skill = %v", its)
	}
}

// TestLessonProblems: each rule of the lesson files, with the file and line
// the author must fix.
func TestLessonProblems(t *testing.T) {
	b, problems := Check(os.DirFS("testdata/badlessons"), CheckOptions{})
	tests := []struct {
		where, what string
		coverage    bool
	}{
		{"lessons/1.1.yaml:9:", `lesson mots: skill "mots" already has a lesson at lessons/1.1.yaml:3`, false},
		{"lessons/1.1.yaml:15:", `lesson inconnu: no item of 1.1.yaml has skill "inconnu"; use one of mots, site, pub, oubli, manque`, false},
		{"lessons/1.1.yaml:22:", `unknown field "titre"`, false},
		{"lessons/1.1.yaml:23:", "lesson site: title is 71 characters; keep it to 60", false},
		{"lessons/1.1.yaml:25:", `lesson site: try must start with "Essayez maintenant"`, false},
		{"lessons/1.1.yaml:26:", `link "http://www.service-public.fr" must start with https://`, false},
		{"lessons/1.1.yaml:27:", `check "c11-mots-1" has skill "mots", not "site"; the check question must test what the lesson teaches (for example c11-site-1)`, false},
		{"lessons/1.1.yaml:31:", `lesson site: en.try must start with "Try it now"`, false},
		{"lessons/1.1.yaml:32:", `unknown field "link": allowed here are can, title, text, try`, false},
		{"lessons/1.1.yaml:33:", "lesson pub: missing `en:`", false},
		{"lessons/1.1.yaml:33:", "lesson pub: the French lesson is 785 characters (title, text, try and link); keep it to 700", false},
		{"lessons/1.1.yaml:38:", `link "https://localhost/pub" has no site name`, false},
		{"lessons/1.1.yaml:39:", `check "c12-dossier-1" is an item of competence 1.2; pick an item of 1.1.yaml with skill pub (for example c11-pub-1)`, false},
		{"lessons/1.1.yaml:42:", "lesson oubli: `text` must be text", false},
		{"lessons/1.1.yaml:44:", `link "https://www.exemple .fr" contains a space`, false},
		{"lessons/1.1.yaml:45:", `check "c11-absent-1" is not the id of any item; give the id of an item of 1.1.yaml with skill oubli (for example c11-oubli-1)`, false},
		{"lessons/1.1.yaml:47:", `skill "pub" already has a lesson at lessons/1.1.yaml:33`, false},
		{"lessons/1.1.yaml:51:", "link is 230 characters; keep it to 200", false},
		{"lessons/1.1.yaml:54:", "lesson: missing `skill`", false},
		{"lessons/1.1.yaml:58:", "each lesson must be a mapping starting with `- skill: …`", false},
		{"lessons/1.2.yaml:1:", `competence "1.3" does not match the file name: write competence: "1.2"`, false},
		{"lessons/1.3.yaml:3:", "lesson tableur: competence 1.3 has no items", false},
		{"lessons/7.1.yaml:", `"7.1" is not a competence`, false},
		{"lessons/1.1.yaml:", "skill manque of 1.1.yaml has no micro-lesson: add `- skill: manque` to lessons/1.1.yaml", true},
		{"lessons/2.1.yaml:", "no lesson file for competence 2.1: create it with one lesson per skill of 2.1.yaml (mail)", true},
	}
	for _, tt := range tests {
		found := false
		for _, p := range problems {
			if strings.HasPrefix(p.String(), tt.where) && strings.Contains(p.Msg, tt.what) {
				found = true
				if p.Coverage != tt.coverage {
					t.Errorf("%s: Coverage = %v, want %v", p, p.Coverage, tt.coverage)
				}
			}
		}
		if !found {
			t.Errorf("missing problem %s %s", tt.where, tt.what)
		}
	}
	for _, p := range problems {
		switch {
		case strings.Contains(p.Msg, "skill oubli") && strings.Contains(p.Msg, "no micro-lesson"):
			t.Errorf("a skill whose lesson has problems is reported missing too: %s", p)
		case strings.HasPrefix(p.String(), "lessons/1.1.yaml:19:"):
			t.Errorf("an unknown skill also reports its check question: %s", p)
		case strings.HasPrefix(p.File, "lessons/1.2.yaml") && strings.Contains(p.Msg, "en:"):
			t.Errorf("1.2 has no English items, its lessons need none: %s", p)
		}
	}
	// Only the lessons without problems are kept.
	var kept []string
	for _, l := range b.Lessons() {
		kept = append(kept, l.Competence+"/"+l.Skill)
	}
	if strings.Join(kept, " ") != "1.1/mots 1.2/dossier" {
		t.Errorf("kept lessons %v", kept)
	}
	if l, _ := b.Lesson("1.2", "dossier"); l == nil || l.EN != nil {
		t.Errorf("lesson without English: %+v", l)
	}
	if _, err := Load(os.DirFS("testdata/badlessons")); err == nil {
		t.Error("Load accepts bad lessons")
	}
}

// lessonBank is a one-competence bank: two items of skill s (one with
// English), one of skill t, and the given lesson file.
func lessonBank(lessons string) fstest.MapFS {
	items := `competence: "1.1"
items:
  - {id: c11-s-2, skill: s, level: 2, type: truefalse, prompt: P, answer: true, tip: T, en: {prompt: P}}
  - {id: c11-s-1, skill: s, level: 1, type: truefalse, prompt: P, answer: true, tip: T}
  - {id: c11-t-1, skill: t, level: 3, type: truefalse, prompt: P, answer: true, tip: T}
`
	fsys := fstest.MapFS{"1.1.yaml": {Data: []byte(items)}}
	if lessons != "" {
		fsys["lessons/1.1.yaml"] = &fstest.MapFile{Data: []byte(lessons)}
	}
	return fsys
}

// lesson writes a lessons file with one lesson of skill s, with fields
// replaced or added by the given lines.
func lesson(fields ...string) string {
	base := map[string]string{
		"skill": "skill: s",
		"title": "title: Titre",
		"text":  "text: Texte.",
		"try":   `try: "Essayez maintenant : faites-le."`,
		"check": "check: c11-s-1",
		"en":    `en: {title: Title, text: Text., try: "Try it now: do it."}`,
	}
	order := []string{"skill", "title", "text", "try", "check", "en"}
	for _, f := range fields {
		k, _, _ := strings.Cut(f, ":")
		if _, ok := base[k]; !ok {
			order = append(order, k)
		}
		base[k] = f
	}
	var b strings.Builder
	b.WriteString("competence: \"1.1\"\nlessons:\n")
	for i, k := range order {
		if strings.HasSuffix(base[k], ": -") { // drop the field
			continue
		}
		if i == 0 {
			b.WriteString("  - ")
		} else {
			b.WriteString("    ")
		}
		b.WriteString(base[k] + "\n")
	}
	b.WriteString("  - {skill: t, title: T, text: T., try: \"Essayez maintenant : x.\", check: c11-t-1, en: {title: T, text: T., try: \"Try it now: x.\"}}\n")
	return b.String()
}

func TestLessonRules(t *testing.T) {
	long := strings.Repeat("é", 600)
	tests := []struct {
		name    string
		lessons string
		want    string // "" when the bank is fine
	}{
		{"good", lesson(), ""},
		{"check at a higher level of the skill", lesson("check: c11-s-2"), ""},
		{"link", lesson("link: https://www.service-public.fr/particuliers/vosdroits"), ""},
		{"link with a port and query", lesson("link: https://pix.fr:443/?a=1"), ""},
		{"700 characters exactly", lesson("text: " + strings.Repeat("a", 700-5-len("Essayez maintenant : faites-le."))), ""},
		{"701 characters", lesson("text: " + strings.Repeat("a", 701-5-len("Essayez maintenant : faites-le."))), "French lesson is 701 characters"},
		{"runes, not bytes", lesson("text: " + long[:2*600]), ""},
		{"link counts in both languages", lesson("text: "+strings.Repeat("a", 650), "link: https://www.cnil.fr/fr/"), "French lesson is 709 characters"},
		{"English too long", lesson(`en: {title: T, text: ` + strings.Repeat("a", 700) + `, try: "Try it now: x."}`), "English lesson is 715 characters"},
		{"title of 60", lesson("title: " + strings.Repeat("é", 60)), ""},
		{"title of 61", lesson("title: " + strings.Repeat("é", 61)), "title is 61 characters; keep it to 60"},
		{"title on two lines", lesson(`title: "Un\nDeux"`), "title must be one line"},
		{"English title", lesson(`en: {title: ` + strings.Repeat("a", 61) + `, text: T., try: "Try it now: x."}`), "en.title is 61 characters"},
		{"try without the prefix", lesson(`try: "Tapez votre ville."`), `try must start with "Essayez maintenant"`},
		{"English try without the prefix", lesson(`en: {title: T, text: T., try: "Type your town."}`), `en.try must start with "Try it now"`},
		{"missing title", lesson("title: ''"), "`title` is empty"},
		{"missing text", lesson("text: -"), "lesson s: missing `text`"},
		{"missing try", lesson("try: -"), "lesson s: missing `try`"},
		{"missing check", lesson("check: -"), "lesson s: missing `check`"},
		{"missing English text", lesson(`en: {title: T, try: "Try it now: x."}`), "lesson s: missing `text`"},
		{"en not a mapping", lesson("en: hello"), "`en` must be a mapping"},
		{"no English", lesson("en: -"), "missing `en:`"},
		{"unknown field", lesson("resume: x"), `unknown field "resume"`},
		{"duplicate field", lesson("title: A", "skill: s\n    title: B"), `field "title" given twice`},
		{"ftp link", lesson("link: ftp://www.cnil.fr"), "must start with https://"},
		{"link without host", lesson("link: https:///chemin"), "has no site name"},
		{"link host without dot", lesson("link: https://intranet/x"), "has no site name"},
		{"link with a trailing dot host", lesson("link: https://cnil./x"), "has no site name"},
		{"link with a password", lesson("link: https://moi:secret@www.cnil.fr"), "must not contain a user name"},
		{"link that does not parse", lesson("link: https://www.cnil.fr/%zz"), "is not a valid address"},
		{"empty link", lesson("link: ''"), "`link` is empty"},
		{"link list", lesson("link: [https://www.cnil.fr]"), "`link` must be one address"},
		{"check of another skill", lesson("check: c11-t-1"), `check "c11-t-1" has skill "t", not "s"`},
		{"check unknown", lesson("check: c11-x-1"), "is not the id of any item"},
		{"no lessons", "competence: \"1.1\"\nlessons: []\n", "missing or empty `lessons:`"},
		{"no competence", "lessons:\n  - {skill: s}\n", "missing `competence: \"1.1\"`"},
		{"a list at the top", "- a\n- b\n", "must be a mapping with `competence:` and `lessons:`"},
		{"not YAML", "competence: \"1.1\"\nlessons: [\n", "not valid YAML"},
		{"empty file", "", "the file is empty"},
		{"not UTF-8", "competence: \"\xff\"", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "empty file" {
				tt.lessons = " "
			}
			_, problems := Check(lessonBank(tt.lessons), CheckOptions{Partial: true})
			var msgs []string
			for _, p := range problems {
				msgs = append(msgs, p.String())
			}
			all := strings.Join(msgs, "\n")
			switch {
			case tt.want == "" && len(problems) > 0:
				t.Errorf("unexpected problems:\n%s\nin\n%s", all, tt.lessons)
			case tt.want != "" && !strings.Contains(all, tt.want):
				t.Errorf("want a problem with %q, got:\n%s\nin\n%s", tt.want, all, tt.lessons)
			}
			for _, p := range problems {
				if p.File != "lessons/1.1.yaml" || (p.Line == 0 && !strings.Contains(p.Msg, "UTF-8")) {
					t.Errorf("problem without file and line: %s", p)
				}
			}
		})
	}
}

// TestLessonCoverage: a missing lesson is a coverage problem. Load (a bank
// under construction) accepts it; the full check (content check) does not.
func TestLessonCoverage(t *testing.T) {
	half := "competence: \"1.1\"\nlessons:\n  - {skill: s, title: T, text: T., try: \"Essayez maintenant : x.\", check: c11-s-1, en: {title: T, text: T., try: \"Try it now: x.\"}}\n"
	for _, fsys := range []fstest.MapFS{lessonBank(""), lessonBank(half)} {
		if _, err := Load(fsys); err != nil {
			t.Errorf("Load refuses a bank with missing lessons: %v", err)
		}
		_, problems := Check(fsys, CheckOptions{})
		found := false
		for _, p := range problems {
			if strings.Contains(p.Msg, "micro-lesson") || strings.Contains(p.Msg, "no lesson file") {
				found = true
				if !p.Coverage || p.File != "lessons/1.1.yaml" || !strings.Contains(p.Msg, "t") {
					t.Errorf("missing lesson problem: %+v", p)
				}
			}
		}
		if !found {
			t.Error("a missing lesson is not reported by the full check")
		}
	}
	// A lesson file that cannot be read reports its own problem, not every skill.
	_, problems := Check(lessonBank("lessons: [\n"), CheckOptions{})
	for _, p := range problems {
		if strings.Contains(p.Msg, "no micro-lesson") {
			t.Errorf("unreadable file also reports missing lessons: %s", p)
		}
	}
}

func TestSkillItemsOrder(t *testing.T) {
	b, err := Load(lessonBank(lesson()))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range b.SkillItems("1.1", "s") {
		ids = append(ids, it.ID)
	}
	if strings.Join(ids, " ") != "c11-s-1 c11-s-2" {
		t.Errorf("SkillItems by level: %v", ids)
	}
	b.SkillItems("1.1", "s")[0] = nil
	if b.SkillItems("1.1", "s")[0] == nil {
		t.Error("SkillItems returns the bank's own slice")
	}
}

// TestEmbeddedLessons: every skill of the shipped bank has a lesson whose
// check question is an item of that skill.
func TestEmbeddedLessons(t *testing.T) {
	b, err := Load(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	skills := map[string]bool{}
	for _, it := range b.Items {
		if skills[it.Competence+"/"+it.Skill] {
			continue
		}
		skills[it.Competence+"/"+it.Skill] = true
		if _, ok := b.Lesson(it.Competence, it.Skill); !ok {
			t.Errorf("%s: skill %s has no lesson", it.Competence, it.Skill)
		}
	}
	if len(b.Lessons()) != len(skills) {
		t.Errorf("%d lessons for %d skills", len(b.Lessons()), len(skills))
	}
	prev := -1
	for _, l := range b.Lessons() {
		it, ok := b.Item(l.Check)
		if !ok || it.Skill != l.Skill || it.Competence != l.Competence {
			t.Errorf("%s:%d: check %s is not an item of skill %s", l.File, l.Line, l.Check, l.Skill)
		}
		if l.EN == nil {
			t.Errorf("%s:%d: lesson %s has no English", l.File, l.Line, l.Skill)
		}
		if i := engine.CompetenceIndex(l.Competence); i < prev {
			t.Errorf("Lessons() not in framework order at %s", l.Competence)
		} else {
			prev = i
		}
	}
}

func FuzzLessons(f *testing.F) {
	good, _ := os.ReadFile("testdata/good/lessons/1.1.yaml")
	bad, _ := os.ReadFile("testdata/badlessons/lessons/1.1.yaml")
	f.Add(good)
	f.Add(bad)
	f.Add([]byte(lesson()))
	f.Add([]byte("competence: \"1.1\"\nlessons:\n  - &a {skill: s}\n  - *a\n"))
	items, _ := os.ReadFile("testdata/good/1.1.yaml")
	img, _ := os.ReadFile("testdata/good/images/pixel.png")
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"1.1.yaml":         {Data: items},
			"images/pixel.png": {Data: img},
			"lessons/1.1.yaml": {Data: data},
			"lessons/x.yaml":   {Data: data},
			"lessons/2.1.yml":  {Data: data},
		}
		b, _ := Check(fsys, CheckOptions{})
		for _, l := range b.Lessons() { // whatever is accepted is usable
			if l.Title == "" || l.Text == "" || !strings.HasPrefix(l.Try, TryFR) {
				t.Fatalf("accepted lesson %+v", l)
			}
			if it, ok := b.Item(l.Check); !ok || it.Skill != l.Skill || it.Competence != l.Competence {
				t.Fatalf("accepted lesson %s with check %s", l.Skill, l.Check)
			}
			if got, ok := b.Lesson(l.Competence, l.Skill); !ok || got != l {
				t.Fatalf("Lesson(%s, %s) does not find it", l.Competence, l.Skill)
			}
			if en := l.In("en"); en.Title == "" || !strings.HasPrefix(en.Try, TryEN) {
				t.Fatalf("accepted lesson without usable English %+v", l)
			}
		}
	})
}
