package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
)

// runCLI runs one command line and returns the exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

// playLearner stores a learner of the campaign who answered n questions
// (n < 0: to the end) right up to level `level`, the way the bot stores them.
func playLearner(t *testing.T, db *storage.DB, eng *engine.Engine, c storage.Campaign, id, ext string, n, level int, started, last time.Time) {
	t.Helper()
	st, err := eng.Start(engine.Config{Competences: c.Competences, Seed: uint64(len(id) + level)})
	if err != nil {
		t.Fatal(err)
	}
	s := dialog.Session{State: dialog.StateQuestion, Lang: "fr", FirstName: "Prénom", ExternalID: ext, Engine: st, StartedAt: started, UpdatedAt: last,
		Campaign: &dialog.Campaign{Code: c.Code, Name: c.Name, Competences: c.Competences}}
	for i := 0; n < 0 || i < n; i++ {
		it, done, err := eng.Next(st)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			s.State, s.FinishedAt = dialog.StateResults, last
			break
		}
		if err := eng.Answer(st, it.ID, it.Level <= level, false); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := json.Marshal(s)
	l := &storage.Learner{ID: id, Channel: "telegram", FirstName: "Prénom", Lang: "fr", Campaign: c.Code, ExternalID: ext, UpdatedAt: last}
	if _, err := db.CommitTurn(storage.Turn{Learner: l, Session: raw}); err != nil {
		t.Fatal(err)
	}
}

func TestCampaignReportsCommand(t *testing.T) {
	t.Setenv(envAdminURL, "")
	t.Setenv(envAdminToken, "")
	t.Setenv(envBotUsername, "")
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "c.db")

	code, out, errOut := runCLI(t, "campaign", "create", "Atelier", "jeudi", "--db", dbPath, "--competences", "4.1,1.1")
	m := regexp.MustCompile(`code ([A-Z]{6}[2-9]{3})`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("create (flags after the name): exit %d %s %s", code, out, errOut)
	}
	camp := m[1]

	// Three learners: finished, in progress, stuck.
	_, eng, err := loadEngine()
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := db.Campaign(camp)
	now := time.Now()
	playLearner(t, db, eng, c, "telegram:1", "12345AB", -1, 3, now.Add(-2*time.Hour), now.Add(-90*time.Minute))
	playLearner(t, db, eng, c, "telegram:2", "", 4, 3, now.Add(-time.Hour), now.Add(-time.Minute))
	playLearner(t, db, eng, c, "telegram:3", "99999ZZ", 2, 3, now.Add(-100*time.Hour), now.Add(-99*time.Hour))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ref := dialog.LearnerRef("telegram:1")

	// On the file, the bot stopped.
	chartPath := filepath.Join(dir, "chart.png")
	code, fileStats, errOut := runCLI(t, "campaign", "stats", strings.ToLower(camp), "--db", dbPath, "--chart", chartPath, "--lang", "en")
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"« Atelier jeudi » (" + camp + ")", "3 apprenants inscrits, 3 ont commencé.", "1 terminé, 1 en cours, 1 bloqué", "1.1 Recherche et veille : ", "4.1 Sécurité : ", "graphique : " + chartPath} {
		if !strings.Contains(fileStats, want) {
			t.Errorf("stats lacks %q:\n%s", want, fileStats)
		}
	}
	if f, err := os.Open(chartPath); err != nil {
		t.Errorf("no chart: %v", err)
	} else {
		if _, err := png.Decode(f); err != nil {
			t.Errorf("the chart is not a PNG: %v", err)
		}
		f.Close()
	}

	code, fileCSV, errOut := runCLI(t, "campaign", "export", camp, "--db", dbPath)
	if code != 0 || !strings.HasPrefix(fileCSV, "\ufeffidentifiant_externe;apprenant;debut;fin;statut;questions;niveau 1.1;niveau 4.1;pix;palier;a_travailler\r\n") ||
		strings.Count(fileCSV, "\r\n") != 4 || !strings.Contains(fileCSV, "12345AB;"+ref+";") || strings.Contains(fileCSV, "Prénom") {
		t.Errorf("export to stdout: exit %d %s\n%s", code, errOut, fileCSV)
	}
	csvPath := filepath.Join(dir, "out.csv")
	code, out, errOut = runCLI(t, "campaign", "export", "--out", csvPath, "--db", dbPath, camp)
	if data, _ := os.ReadFile(csvPath); code != 0 || string(data) != fileCSV || !strings.Contains(out, "3 apprenants exportés dans "+csvPath) {
		t.Errorf("export --out: exit %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(csvPath + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("the temporary file stayed: %v", err)
	}

	code, fileLearner, errOut := runCLI(t, "campaign", "apprenant", strings.ToLower(ref), "--db", dbPath)
	if code != 0 || !strings.Contains(fileLearner, "Apprenant "+ref+" · identifiant 12345AB") || !strings.Contains(fileLearner, "Terminé le") {
		t.Errorf("learner: exit %d %s\n%s", code, errOut, fileLearner)
	}
	if code, _, errOut := runCLI(t, "campaign", "learner", "A-ZZZZZZ", "--db", dbPath); code != 1 || !strings.Contains(errOut, "pseudonym") {
		t.Errorf("unknown learner: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "campaign", "stats", "ABCDEF234", "--db", dbPath); code != 1 || !strings.Contains(errOut, "no campaign with code ABCDEF234") {
		t.Errorf("unknown campaign: exit %d %s", code, errOut)
	}

	// The bot runs and holds the file: a clear way out.
	db, err = storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Setenv(envAdminAddr, ":9090")
	code, _, errOut = runCLI(t, "campaign", "stats", camp, "--db", dbPath)
	if want := "the bot is running and holds " + dbPath + ": pass --admin http://127.0.0.1:9090 (DIAGBOT_ADMIN_URL) and DIAGBOT_ADMIN_TOKEN"; code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("file held: exit %d\n%s\nwant %q", code, errOut, want)
	}

	// Through the admin address of the running bot.
	bk, eng, _ := loadEngine()
	srv := httptest.NewServer(bot.NewAdminHandler(bot.AdminConfig{DB: db, Engine: eng, Bank: bk, Token: "s3cret", BotName: "diagbot_bot"}))
	defer srv.Close()
	if code, _, errOut := runCLI(t, "campaign", "list", "--admin", srv.URL); code != 1 || !strings.Contains(errOut, "DIAGBOT_ADMIN_TOKEN") {
		t.Errorf("--admin without a token: exit %d %s", code, errOut)
	}
	t.Setenv(envAdminToken, "wrong")
	if code, _, errOut := runCLI(t, "campaign", "list", "--admin", srv.URL); code != 1 || !strings.Contains(errOut, "401") || !strings.Contains(errOut, "wrong admin token") {
		t.Errorf("wrong token: exit %d %s", code, errOut)
	}
	t.Setenv(envAdminToken, "s3cret")

	admin := "--admin=" + srv.URL + "/"
	code, out, errOut = runCLI(t, "campaign", "stats", camp, admin, "--chart", filepath.Join(dir, "chart2.png"))
	if code != 0 || strings.ReplaceAll(out, "chart2", "chart") != fileStats {
		t.Errorf("stats through the admin address: exit %d %s\n%s\nwant\n%s", code, errOut, out, fileStats)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "chart2.png")); err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("chart through the admin address: %v", err)
	}
	if code, out, errOut := runCLI(t, "campaign", "export", camp, admin); code != 0 || out != fileCSV {
		t.Errorf("export through the admin address: exit %d %s\n%q\nwant\n%q", code, errOut, out, fileCSV)
	}
	csv2 := filepath.Join(dir, "out2.csv")
	if code, out, errOut := runCLI(t, "campaign", "export", camp, admin, "--out", csv2); code != 0 || !strings.Contains(out, "3 apprenants exportés") {
		t.Errorf("export --out through the admin address: exit %d %s %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "campaign", "learner", ref, admin); code != 0 || out != fileLearner {
		t.Errorf("learner through the admin address: exit %d %s\n%s", code, errOut, out)
	}
	// The environment variable works as the flag does.
	t.Setenv(envAdminURL, srv.URL)
	code, out, errOut = runCLI(t, "campaign", "create", "Atelier", "vendredi", "--competences", "2.1", "--qr", filepath.Join(dir, "qr.png"))
	m = regexp.MustCompile(`code ([A-Z]{6}[2-9]{3})`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "lien : https://t.me/diagbot_bot?start="+m[1]) || !strings.Contains(out, "QR code : ") {
		t.Fatalf("create through the admin address: exit %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "campaign", "list")
	if code != 0 || !strings.Contains(out, camp+"  ouverte      3 apprenants  compétences 1.1,4.1  Atelier jeudi") || !strings.Contains(out, m[1]) {
		t.Errorf("list through the admin address: exit %d %s\n%s", code, errOut, out)
	}
	if code, out, errOut := runCLI(t, "campaign", "archive", m[1]); code != 0 || out != "campagne "+m[1]+" archivée\n" {
		t.Errorf("archive through the admin address: exit %d %s %s", code, out, errOut)
	}
	if c, _, _ := db.Campaign(m[1]); c.ArchivedAt == nil {
		t.Error("the campaign is not archived in the bot's file")
	}
	if code, _, errOut := runCLI(t, "campaign", "archive", "ABCDEF234"); code != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("archive of an unknown campaign: exit %d %s", code, errOut)
	}
}

func TestCampaignCommandLine(t *testing.T) {
	t.Setenv(envAdminURL, "")
	db := filepath.Join(t.TempDir(), "x.db")
	for _, args := range [][]string{
		{"campaign"},
		{"campaign", "frobnicate"},
		{"campaign", "stats"},
		{"campaign", "stats", "QWERTY789", "ABCDEF234"},
		{"campaign", "export", "QWERTY78"},
		{"campaign", "create"},
		{"campaign", "learner"},
		{"campaign", "stats", "QWERTY789", "--lang", "de"},
		{"campaign", "list", "--nope"},
	} {
		if code, _, errOut := runCLI(t, append(args, "--db", db)...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage): %s", args, code, errOut)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Error("a wrong command line created the database file")
	}
	// "--" ends the flags: what follows is the name, even if it looks like one.
	if code, out, errOut := runCLI(t, "campaign", "create", "--db", db, "--", "--atelier"); code != 0 || !strings.Contains(out, "« --atelier »") {
		t.Errorf("create -- --atelier: exit %d %s %s", code, out, errOut)
	}
}

func TestCampaignCreatePathLength(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "p.db")
	if code, _, errOut := runCLI(t, "campaign", "create", "Court", "--db", dbPath, "--path", "2"); code != 0 {
		t.Fatalf("create --path 2: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "campaign", "create", "Trop", "--db", dbPath, "--path", "31"); code == 0 || !strings.Contains(errOut, "--path 31") {
		t.Errorf("--path 31 accepted: %s", errOut)
	}
	db, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, _ := db.Campaigns()
	if len(cs) != 1 || cs[0].PathLength != 2 {
		t.Errorf("stored: %+v", cs)
	}
}

// campaign create with a webhook, paliers and a call to action: the secret
// is printed once, then hidden from the list.
func TestCampaignCreateWithWebhookAndPaliers(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "c.db")
	paliers := filepath.Join(dir, "paliers.txt")
	os.WriteFile(paliers, []byte("0 ; Découverte ; atelier numérique ; Bravo !\n3 ; Autonome ; atelier CV\n6 ; Expert ; métiers du numérique\n"), 0o644)
	code, out, errOut := runCLI(t, "campaign", "create", "--db", dbPath, "--webhook", "https://crm.example.org/diagbot",
		"--paliers", paliers, "--result-text", "Passez nous voir", "--result-link", "Prendre rendez-vous=https://rdv.example.org", "Atelier", "jeudi")
	if code != 0 || !strings.Contains(out, "secret du webhook") || !strings.Contains(out, "whsec_") {
		t.Fatalf("create: %d\n%s\n%s", code, out, errOut)
	}
	db, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := db.Campaigns()
	db.Close()
	if len(cs) != 1 || len(cs[0].Paliers) != 3 || cs[0].Paliers[1].Title != "Autonome" || cs[0].ResultLink == nil ||
		cs[0].ResultLink.URL != "https://rdv.example.org" || cs[0].ResultText != "Passez nous voir" || cs[0].WebhookURL == "" {
		t.Errorf("stored campaign %+v", cs)
	}
	for _, bad := range [][]string{
		{"--webhook", "http://crm.example.org/h"}, {"--result-link", "no-equals"}, {"--result-link", "RDV=http://x.fr"},
	} {
		args := append([]string{"campaign", "create", "--db", dbPath}, bad...)
		if code, _, _ := runCLI(t, append(args, "Atelier")...); code == 0 {
			t.Errorf("%v accepted", bad)
		}
	}
}

// campaign create --stop-rule --min: a shorter test, its minimum stored; a
// minimum without the rule is refused with what to change.
func TestCampaignCreateStopRule(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "s.db")
	if code, _, errOut := runCLI(t, "campaign", "create", "Court", "--db", dbPath, "--stop-rule", "--min", "20"); code != 0 {
		t.Fatalf("create --stop-rule --min 20: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "campaign", "create", "Min", "--db", dbPath, "--min", "20"); code == 0 || !strings.Contains(errOut, "stop rule") {
		t.Errorf("--min without --stop-rule: %d %s", code, errOut)
	}
	db, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, _ := db.Campaigns()
	if len(cs) != 1 || !cs[0].StopWhenKnown || cs[0].MinQuestions != 20 {
		t.Errorf("stored: %+v", cs)
	}
}
