package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/storage"
)

const sharedLieux = "../../../shared/data/lieux"

func sharedFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedLieux, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("the shared data is not beside the repository: %v", err)
	}
	return p
}

func TestLieuxImportAndNear(t *testing.T) {
	db := filepath.Join(t.TempDir(), "diagbot.db")
	charente := sharedFile(t, "charente-2023-07-11.json")
	steps := []struct {
		args []string
		code int
		want []string // regexps of stdout (code 0) or stderr
	}{
		{[]string{"lieux", "import", charente, "--db", db}, 0, []string{
			`accessibilite → fiche_acces_libre, labels_nationaux → dispositif_programmes_nationaux, courriel → courriels`,
			`charente-2023-07-11.json \(JSON\): 188 places taken, 0 rows refused; stored as source "charente-2023-07-11" \(replacing its 0 earlier places\) in \d+ms`}},
		{[]string{"lieux", "import", charente, "--db", db}, 0, []string{`replacing its 188 earlier places`}},
		{[]string{"lieux", "import", sharedFile(t, "exemple-valide.csv"), "--db", db, "--check"}, 0, []string{`\(CSV\): 1 place taken, 0 rows refused; checked in .*, nothing stored`}},
		{[]string{"lieux", "near", "16000", "--db", db, "--at", "2026-12-08 10:00"}, 0, []string{
			`16000: the mean position of the 15 places with this postcode`,
			`competences to work: 1.1, 2.1, 2.4`,
			`3 lieux gratuits près de 16000`,
			`1\. ASSOCIATION LES RIVES DE LA CHARENTE — 300 m\n5 RUE DU HALAGE, 16000 ANGOULEME\nOuvert maintenant, jusqu'à 12h30\n`,
			`advisor: Lieux proposés près de 16000 pour 1.1, 2.1, 2.4 : `}},
		{[]string{"lieux", "near", "16999", "--competences", "3.1,4.1", "--lang", "en", "--db", db, "--at", "2026-12-08 10:00"}, 0, []string{
			`no place has this postcode; the mean position of the 188 places of department 16`,
			`3 free places near 16999 where someone can help you with: text documents, security\.`}},
		{[]string{"lieux", "near", "75011", "--db", db}, 0, []string{`no place of department 75 is known`, `Je ne connais pas encore de lieu près de 75011`}},
		{[]string{"lieux", "near", "7501", "--db", db}, 2, []string{`"7501" is not a postcode: give its 5 digits`}},
		{[]string{"lieux", "near", "16000", "--competences", "9.9", "--db", db}, 2, []string{`"9.9" is not a competence`}},
		{[]string{"lieux", "near", "16000", "--at", "demain", "--db", db}, 2, []string{`--at "demain": write the time as`}},
		{[]string{"lieux"}, 2, []string{`lieux needs import FILE or near POSTCODE`}},
		{[]string{"lieux", "import", filepath.Join(t.TempDir(), "none.csv"), "--db", db}, 1, []string{`cannot open the file of places`}},
	}
	for _, s := range steps {
		code, out, errOut := runCLI(t, s.args...)
		text := out
		if s.code != 0 {
			text = errOut
		}
		if code != s.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", s.args, code, s.code, out, errOut)
			continue
		}
		for _, w := range s.want {
			if !regexp.MustCompile(w).MatchString(text) {
				t.Errorf("%v: output lacks /%s/:\n%s", s.args, w, text)
			}
		}
	}
}

func TestLieuxImportRefused(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "diagbot.db")
	header := "id,pivot,nom,commune,code_postal,adresse,date_maj,telephone,horaires\n"
	file := filepath.Join(dir, "lieux.csv")
	rows := header +
		"a,12345678901234,A,Angoulême,16000,1 rue,2024-01-01,+33545000000,Mo-Fr 09:00-12:00\n" +
		"b,12345678901234,B,Angoulême,1600,1 rue,2024-01-01,05 45 00 00 00,\n" +
		"c,12345678901234,C,Angoulême,16000,2 rue,2024-01-01,,le matin\n"
	if err := os.WriteFile(file, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "lieux", "import", file, "--db", db, "--source", "test")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{
		`lieux.csv: refused line 3 (id "b"): code_postal "1600": write the 5 digits of the postcode, e.g. 16000; telephone "05 45 00 00 00": write it in international form without spaces: +33545000000`,
		`lieux.csv: note line 4 (id "c"): horaires "le matin" kept as written, not read`,
		`lieux.csv (CSV): 2 places taken, 1 row refused; stored as source "test"`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	// A file whose every row is refused leaves the source as it was.
	if err := os.WriteFile(file, []byte(header+"b,1,B,A,1600,1 rue,2024-01-01,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "lieux", "import", file, "--db", db, "--source", "test")
	if code != 1 || !strings.Contains(errOut, `0 places taken, 1 row refused: nothing stored, the places of source "test" were left as they were`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestContentCheckPlaceServices(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../engine/bank/items")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "lieux", "services.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), "      - Loisirs et créations numériques\n", "      - Loisirs\n", 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "content", "check", dir)
	if code != 1 || !regexp.MustCompile(`lieux/services.yaml:\d+: competence 3.2: "Loisirs" is not a service of the schema`).MatchString(out) ||
		!strings.Contains(errOut, "lieux/services.yaml has problems to fix") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestLieuxImportThroughAdmin: with the bot running (its file held), the
// places go through its admin address; the command says how to when it
// meets the held file.
func TestLieuxImportThroughAdmin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "diagbot.db")
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	charente := sharedFile(t, "charente-2023-07-11.json")
	if code, _, errOut := runCLI(t, "lieux", "import", charente, "--db", path); code != 1 || !strings.Contains(errOut, "pass --admin") {
		t.Errorf("the held file: exit %d %s", code, errOut)
	}
	srv := httptest.NewServer(bot.NewAdminHandler(bot.AdminConfig{DB: db, Token: "s3cret"}))
	defer srv.Close()
	t.Setenv(envAdminToken, "s3cret")
	for _, want := range []string{"replacing its 0 earlier places", "replacing its 188 earlier places"} {
		code, out, errOut := runCLI(t, "lieux", "import", charente, "--admin", srv.URL)
		if code != 0 || !strings.Contains(out, `188 places taken, 0 rows refused; stored as source "charente-2023-07-11" (`+want) {
			t.Errorf("through the admin address: exit %d %s %s", code, out, errOut)
		}
	}
	if places, _, err := db.Places(); err != nil || len(places) != 188 {
		t.Errorf("%d places stored (%v)", len(places), err)
	}
	t.Setenv(envAdminToken, "wrong")
	if code, _, errOut := runCLI(t, "lieux", "import", charente, "--admin", srv.URL); code != 1 || !strings.Contains(errOut, "wrong admin token") {
		t.Errorf("a wrong token: exit %d %s", code, errOut)
	}
}
