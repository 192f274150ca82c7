package bot

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// reportNow is the fixed "now" of the report tests: a Thursday afternoon in
// Paris (UTC+1 in March).
var reportNow = time.Date(2026, 3, 12, 14, 0, 0, 0, time.UTC)

// learnerSpec is a learner to store: answers questions by rule, until the
// diagnostic ends (answers < 0) or after answers questions.
type learnerSpec struct {
	id, ext, name string
	campaign      storage.Campaign
	answers       int // -1: to the end
	right         func(engine.Item) bool
	started       time.Time
	updated       time.Time // last activity; finished learners end then
	consentOnly   bool      // joined, never started
}

// storeLearner plays the diagnostic with the engine and stores the learner
// and their session the way the bot does, in one CommitTurn.
func storeLearner(t testing.TB, db *storage.DB, eng *engine.Engine, sp learnerSpec) *dialog.Session {
	t.Helper()
	c := sp.campaign
	s := &dialog.Session{State: dialog.StateConsent, Lang: "fr", FirstName: sp.name, ExternalID: sp.ext, UpdatedAt: sp.updated,
		Campaign: &dialog.Campaign{Code: c.Code, Name: c.Name, Competences: c.Competences, MaxQuestions: c.MaxQuestions}}
	if !sp.consentOnly {
		st, err := eng.Start(engine.Config{Competences: c.Competences, MaxQuestions: c.MaxQuestions, Seed: uint64(len(sp.id)*7919 + int(sp.id[len(sp.id)-1]))})
		if err != nil {
			t.Fatal(err)
		}
		s.State, s.Engine, s.StartedAt = dialog.StateQuestion, st, sp.started
		for n := 0; sp.answers < 0 || n < sp.answers; n++ {
			it, done, err := eng.Next(st)
			if err != nil {
				t.Fatal(err)
			}
			if done {
				s.State, s.FinishedAt = dialog.StateResults, sp.updated
				break
			}
			if err := eng.Answer(st, it.ID, sp.right(it), false); err != nil {
				t.Fatal(err)
			}
			s.Given = append(s.Given, dialog.Given{Item: it.ID, Correct: sp.right(it)})
		}
		if sp.answers < 0 && s.FinishedAt.IsZero() {
			t.Fatalf("learner %s: the diagnostic did not end", sp.id)
		}
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	l := &storage.Learner{ID: sp.id, Channel: "telegram", ChatID: strings.TrimPrefix(sp.id, "telegram:"), FirstName: sp.name,
		Lang: "fr", Campaign: c.Code, ExternalID: sp.ext, CreatedAt: sp.started.Add(-time.Minute), UpdatedAt: sp.updated}
	if _, err := db.CommitTurn(storage.Turn{Learner: l, Session: raw}); err != nil {
		t.Fatal(err)
	}
	return s
}

func upTo(level int) func(engine.Item) bool {
	return func(it engine.Item) bool { return it.Level <= level }
}

// campaignFixture is a campaign of 6 learners (3 finished, 1 in progress, 1
// stuck, 1 who never started) and one learner of another campaign.
type campaignFixture struct {
	db       *storage.DB
	eng      *engine.Engine
	campaign storage.Campaign
	sessions map[string]*dialog.Session
}

const oddExternalID = "Dupont; \"Jo\"\nB"

func newCampaignFixture(t testing.TB) *campaignFixture {
	t.Helper()
	_, eng := loadTestEngine(t)
	db, err := storage.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := storage.Campaign{Code: "QWERTY789", Name: "Atelier mardi", Competences: []string{"4.1", "1.1", "2.1"}, CreatedAt: reportNow.Add(-72 * time.Hour)}
	other := storage.Campaign{Code: "ZZZZZZ222", Name: "Autre", CreatedAt: reportNow.Add(-72 * time.Hour)}
	for _, x := range []storage.Campaign{c, other} {
		if err := db.PutCampaign(x); err != nil {
			t.Fatal(err)
		}
	}
	f := &campaignFixture{db: db, eng: eng, campaign: c, sessions: map[string]*dialog.Session{}}
	h := time.Hour
	for _, sp := range []learnerSpec{
		{id: "telegram:1001", ext: "12345AB", name: "Léa", answers: -1, right: upTo(2), started: reportNow.Add(-5 * h), updated: reportNow.Add(-5*h + 20*time.Minute)},
		{id: "telegram:1002", ext: oddExternalID, name: "Jo", answers: -1, right: upTo(5), started: reportNow.Add(-4 * h), updated: reportNow.Add(-4*h + 10*time.Minute)},
		{id: "telegram:1003", ext: "=HYPERLINK(\"http://x\")", name: "Sam", answers: -1, right: upTo(0), started: reportNow.Add(-3 * h), updated: reportNow.Add(-3*h + 30*time.Minute)},
		{id: "telegram:1004", name: "Max", answers: 5, right: upTo(3), started: reportNow.Add(-2 * h), updated: reportNow.Add(-h)},
		{id: "telegram:1005", ext: "77777ZZ", name: "Noé", answers: 3, right: upTo(3), started: reportNow.Add(-80 * h), updated: reportNow.Add(-72 * h)},
		{id: "telegram:1006", name: "Ali", consentOnly: true, started: reportNow.Add(-h), updated: reportNow.Add(-h)},
	} {
		sp.campaign = c
		f.sessions[sp.id] = storeLearner(t, db, eng, sp)
	}
	storeLearner(t, db, eng, learnerSpec{id: "telegram:2001", ext: "12345AB", campaign: other, answers: -1, right: upTo(4),
		started: reportNow.Add(-50 * h), updated: reportNow.Add(-49 * h)})
	return f
}

func TestStats(t *testing.T) {
	f := newCampaignFixture(t)
	st, err := Stats(f.db, f.eng, "qwerty789", reportNow)
	if err != nil {
		t.Fatal(err)
	}
	got := [5]int{st.Learners, st.Started, st.Finished, st.InProgress, st.Stuck}
	if got != [5]int{6, 5, 3, 1, 1} {
		t.Errorf("learners, started, finished, in progress, stuck = %v, want [6 5 3 1 1]", got)
	}
	// The means, computed here from the stored sessions by another road.
	var ids []string
	for _, l := range st.Levels {
		ids = append(ids, l.ID)
	}
	if strings.Join(ids, " ") != "1.1 2.1 4.1" {
		t.Fatalf("levels of %v, want the campaign's competences in framework order", ids)
	}
	sum := map[string]float64{}
	questions, spent := 0, time.Duration(0)
	for _, id := range []string{"telegram:1001", "telegram:1002", "telegram:1003"} {
		s := f.sessions[id]
		res, err := f.eng.Result(s.Engine)
		if err != nil {
			t.Fatal(err)
		}
		for _, cr := range res.Competences {
			sum[cr.Competence] += float64(cr.Level)
		}
		questions += res.Questions
		spent += s.FinishedAt.Sub(s.StartedAt)
	}
	for _, l := range st.Levels {
		if l.N != 3 || math.Abs(l.Mean-sum[l.ID]/3) > 1e-12 {
			t.Errorf("%s: mean %g over %d, want %g over 3", l.ID, l.Mean, l.N, sum[l.ID]/3)
		}
		if l.Name == "" || l.Short == "" {
			t.Errorf("%s has no name", l.ID)
		}
	}
	if math.Abs(st.MeanQuestions-float64(questions)/3) > 1e-12 || st.MeanDuration != 20*time.Minute {
		t.Errorf("mean questions %g (want %g), duration %s (want 20m)", st.MeanQuestions, float64(questions)/3, st.MeanDuration)
	}
	// Who did better shows: all right up to level 5 beats up to 2 beats none.
	if lo, hi := f.levelOf(t, "telegram:1003", "4.1"), f.levelOf(t, "telegram:1002", "4.1"); lo >= hi {
		t.Errorf("level 4.1 of the weakest %d ≥ of the strongest %d", lo, hi)
	}

	text := st.Text()
	for _, want := range []string{"« Atelier mardi » (QWERTY789)", "6 apprenants inscrits, 5 ont commencé.", "3 terminés, 1 en cours, 1 bloqué (rien depuis 48 h).", "20 min", "1.1 Recherche et veille : "} {
		if !strings.Contains(text, want) {
			t.Errorf("Text lacks %q:\n%s", want, text)
		}
	}
	for _, name := range []string{"Léa", "Jo", "Sam", "Max", "Noé", "Ali"} {
		if strings.Contains(text, name) {
			t.Errorf("Text names a learner (%s):\n%s", name, text)
		}
	}

	// Two days later the learner in progress is stuck too.
	later, err := Stats(f.db, f.eng, "QWERTY789", reportNow.Add(StuckAfter))
	if err != nil {
		t.Fatal(err)
	}
	if later.InProgress != 0 || later.Stuck != 2 {
		t.Errorf("48 h later: %d in progress, %d stuck; want 0 and 2", later.InProgress, later.Stuck)
	}

	for _, lang := range []string{"fr", "en"} {
		img, err := st.Chart(lang)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil || cfg.Width != 800 || cfg.Height != 800 {
			t.Errorf("chart %s: %v, %dx%d", lang, err, cfg.Width, cfg.Height)
		}
	}
}

func (f *campaignFixture) levelOf(t *testing.T, id, comp string) int {
	res, err := f.eng.Result(f.sessions[id].Engine)
	if err != nil {
		t.Fatal(err)
	}
	for _, cr := range res.Competences {
		if cr.Competence == comp {
			return cr.Level
		}
	}
	t.Fatalf("no %s in the result of %s", comp, id)
	return 0
}

func TestStatsEmptyAndUnknown(t *testing.T) {
	_, eng := loadTestEngine(t)
	db, err := storage.Open(filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Stats(db, eng, "QWERTY789", reportNow); !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "campaign list") {
		t.Errorf("unknown campaign: %v", err)
	}
	if err := db.PutCampaign(storage.Campaign{Code: "ABCDEF234", Name: "Vide"}); err != nil {
		t.Fatal(err)
	}
	st, err := Stats(db, eng, "ABCDEF234", reportNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Levels) != 16 || st.Learners != 0 || st.MeanQuestions != 0 {
		t.Errorf("empty campaign: %d levels, %d learners, %g questions", len(st.Levels), st.Learners, st.MeanQuestions)
	}
	if !strings.Contains(st.Text(), "Personne n'a encore rejoint") {
		t.Errorf("Text: %s", st.Text())
	}
	if _, err := json.Marshal(st); err != nil {
		t.Errorf("stats of an empty campaign do not encode: %v", err)
	}
	if img, err := st.Chart("fr"); err != nil || !bytes.HasPrefix(img, []byte("\x89PNG")) {
		t.Errorf("chart of an empty campaign: %v", err)
	}
	var buf bytes.Buffer
	if _, err := ExportCSV(db, eng, nil, "NOPE", &buf); !errors.Is(err, storage.ErrNotFound) || buf.Len() != 0 {
		t.Errorf("export of an unknown campaign: %v, %d bytes written", err, buf.Len())
	}
}

func TestExportCSV(t *testing.T) {
	f := newCampaignFixture(t)
	var buf bytes.Buffer
	rows, err := ExportCSVAt(f.db, f.eng, nil, "QWERTY789", reportNow, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 6 {
		t.Errorf("%d rows, want 6", rows)
	}
	data := buf.Bytes()
	const header = "\ufeffidentifiant_externe;apprenant;debut;fin;statut;questions;niveau 1.1;niveau 2.1;niveau 4.1;pix;palier;a_travailler\r\n"
	if !bytes.HasPrefix(data, []byte(header)) {
		t.Fatalf("the file does not start with the BOM and header:\n%q", data[:min(len(data), 200)])
	}
	// encoding/csv quotes the odd external id: its ";", quote and newline
	// stay inside the field.
	if !bytes.Contains(data, []byte("\"Dupont; \"\"Jo\"\"\r\nB\";")) {
		t.Errorf("the odd external id is not quoted as expected:\n%s", data)
	}
	for _, name := range []string{"Léa", "Jo;", "Sam", "Max", "Noé", "Ali"} {
		if bytes.Contains(data, []byte(name)) {
			t.Errorf("the CSV holds a first name (%s)", name)
		}
	}
	r := csv.NewReader(bytes.NewReader(data[len("\ufeff"):]))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v", err)
	}
	if len(recs) != 7 {
		t.Fatalf("%d records, want header + 6", len(recs))
	}
	byRef := map[string][]string{}
	var order []string
	for _, rec := range recs[1:] {
		if len(rec) != 12 {
			t.Fatalf("record of %d fields: %q", len(rec), rec)
		}
		byRef[rec[1]] = rec
		order = append(order, rec[1])
	}
	ref := dialog.LearnerRef
	wantOrder := []string{ref("telegram:1005"), ref("telegram:1001"), ref("telegram:1002"), ref("telegram:1003"), ref("telegram:1004"), ref("telegram:1006")}
	if strings.Join(order, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("rows in order %v, want by start time %v", order, wantOrder)
	}

	lea := byRef[ref("telegram:1001")]
	res, _ := f.eng.Result(f.sessions["telegram:1001"].Engine)
	want := []string{"12345AB", ref("telegram:1001"), "2026-03-12T10:00:00+01:00", "2026-03-12T10:20:00+01:00", "terminé", strconv.Itoa(res.Questions)}
	for _, cr := range res.Competences {
		want = append(want, strconv.Itoa(cr.Level))
	}
	want = append(want, strconv.Itoa(res.Pix), fixturePalier(f, res), strings.Join(trainPhrases(nil, res.Train), ", "))
	if strings.Join(lea, "|") != strings.Join(want, "|") {
		t.Errorf("finished learner row\n got %q\nwant %q", lea, want)
	}
	if !strings.Contains(lea[11], "4.1 ") && !strings.Contains(lea[11], "1.1 ") && !strings.Contains(lea[11], "2.1 ") {
		t.Errorf("a_travailler %q names no campaign competence", lea[11])
	}
	if jo := byRef[ref("telegram:1002")]; jo[0] != oddExternalID {
		t.Errorf("the odd external id reads back as %q", jo[0])
	}
	if sam := byRef[ref("telegram:1003")]; sam[0] != "'=HYPERLINK(\"http://x\")" {
		t.Errorf("a formula-like external id must be defused with a leading apostrophe: %q", sam[0])
	}
	for id, want := range map[string]string{"telegram:1004": "en cours|5", "telegram:1005": "bloqué|3", "telegram:1006": "non commencé|0"} {
		rec := byRef[ref(id)]
		if got := rec[4] + "|" + rec[5]; got != want {
			t.Errorf("%s: status|questions %q, want %q", id, got, want)
		}
		if strings.Join(rec[6:], "") != "" {
			t.Errorf("%s has levels before finishing: %q", id, rec[6:])
		}
	}
	if nobody := byRef[ref("telegram:1006")]; nobody[2] != "" || nobody[3] != "" {
		t.Errorf("a learner who never started has dates: %q", nobody)
	}
}

func TestFindLearnerAndReport(t *testing.T) {
	f := newCampaignFixture(t)
	ref := dialog.LearnerRef("telegram:1001")
	for _, q := range []string{"telegram:1001", "TELEGRAM:1001", ref, strings.ToLower(ref), "  " + ref + " ", "77777zz"} {
		l, ok, err := FindLearner(f.db, q)
		if err != nil || !ok {
			t.Errorf("FindLearner(%q): %v %v", q, ok, err)
			continue
		}
		if want := map[bool]string{true: "telegram:1005", false: "telegram:1001"}[q == "77777zz"]; l.ID != want {
			t.Errorf("FindLearner(%q) = %s, want %s", q, l.ID, want)
		}
	}
	// 12345AB is the external id of two learners (in two campaigns): the one
	// active last wins.
	if l, ok, _ := FindLearner(f.db, "12345ab"); !ok || l.ID != "telegram:1001" {
		t.Errorf("a shared external id gives %s, want the learner active last", l.ID)
	}
	for _, q := range []string{"", "  ", "A-ZZZZZZ", "nobody"} {
		if _, ok, err := FindLearner(f.db, q); ok || err != nil {
			t.Errorf("FindLearner(%q) found someone (%v)", q, err)
		}
	}

	rep, err := Report(f.db, f.eng, nil, "telegram:1001")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ref != ref || rep.ExternalID != "12345AB" || rep.Campaign != "QWERTY789" || rep.Result == nil || rep.FinishedAt.IsZero() || rep.Questions != rep.Result.Questions {
		t.Errorf("report %+v", rep)
	}
	text := rep.Text()
	for _, want := range []string{"Apprenant " + ref + " · identifiant 12345AB · Léa", "Campagne QWERTY789", "Terminé le 12/03/2026 à 10:20", "en 20 min", "Niveau global", "4.1 Sécurité : niveau ", "À travailler : "} {
		if !strings.Contains(text, want) {
			t.Errorf("Text lacks %q:\n%s", want, text)
		}
	}

	rep, err = Report(f.db, f.eng, nil, "telegram:1004")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result == nil || !rep.FinishedAt.IsZero() || rep.Questions != 5 {
		t.Errorf("in progress: %+v", rep)
	}
	if text := rep.Text(); !strings.Contains(text, "En cours : 5 réponses") || !strings.Contains(text, "Niveaux provisoires") || strings.Contains(text, "À travailler") {
		t.Errorf("in progress text:\n%s", text)
	}

	rep, err = Report(f.db, f.eng, nil, "telegram:1006")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result != nil || !strings.Contains(rep.Text(), "Diagnostic pas commencé (n'a pas encore donné son accord)") {
		t.Errorf("not started:\n%s", rep.Text())
	}
	if _, err := Report(f.db, f.eng, nil, "telegram:9"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown learner: %v", err)
	}
}

func TestListCampaigns(t *testing.T) {
	f := newCampaignFixture(t)
	cs, err := ListCampaigns(f.db, "@diagbot_bot")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Code != "QWERTY789" || cs[0].Learners != 6 || cs[1].Learners != 1 || cs[0].Link != "https://t.me/diagbot_bot?start=QWERTY789" {
		t.Errorf("campaigns %+v", cs)
	}
	raw, _ := json.Marshal(cs[0])
	if !bytes.Contains(raw, []byte(`"code":"QWERTY789"`)) || !bytes.Contains(raw, []byte(`"learners":6`)) {
		t.Errorf("a listed campaign encodes as %s: the campaign fields must be flat", raw)
	}
}

// benchCampaign stores n finished learners of one 16-competence campaign
// (one real finished session, copied), in a file without fsync.
func benchCampaign(b *testing.B, n int) (*storage.DB, *engine.Engine) {
	b.Helper()
	_, eng := loadTestEngine(b)
	db, err := storage.Open(filepath.Join(b.TempDir(), "bench.db"), storage.WithNoSync(true))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	c := storage.Campaign{Code: "QWERTY789", Name: "Bench"}
	if err := db.PutCampaign(c); err != nil {
		b.Fatal(err)
	}
	s := storeLearner(b, db, eng, learnerSpec{id: "telegram:0", campaign: c, answers: -1, right: upTo(3),
		started: reportNow.Add(-time.Hour), updated: reportNow.Add(-30 * time.Minute)})
	raw, _ := json.Marshal(s)
	for i := 1; i < n; i++ {
		id := "telegram:" + strconv.Itoa(i)
		l := &storage.Learner{ID: id, Channel: "telegram", Campaign: c.Code, ExternalID: "X" + strconv.Itoa(i), UpdatedAt: reportNow}
		if _, err := db.CommitTurn(storage.Turn{Learner: l, Session: raw}); err != nil {
			b.Fatal(err)
		}
	}
	return db, eng
}

// BenchmarkStats: a campaign of 1,000 finished learners (each result is a
// full EAP over 16 competences).
func BenchmarkStats(b *testing.B) {
	db, eng := benchCampaign(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Stats(db, eng, "QWERTY789", reportNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportCSV: the same campaign as a CSV file.
func BenchmarkExportCSV(b *testing.B) {
	db, eng := benchCampaign(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := ExportCSV(db, eng, nil, "QWERTY789", io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindLearner: a look-up by external id reads every learner.
func BenchmarkFindLearner(b *testing.B) {
	db, _ := benchCampaign(b, 20000)
	b.ResetTimer()
	for b.Loop() {
		if _, ok, err := FindLearner(db, "x19999"); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// TestEveryStateHasALabel: a learner report never shows a bare state name.
func TestEveryStateHasALabel(t *testing.T) {
	for _, s := range dialog.States {
		if stateLabel[s] == "" {
			t.Errorf("state %q has no French label in the learner report", s)
		}
	}
}

func TestSkillPhrase(t *testing.T) {
	fsys := fstest.MapFS{
		"4.1.yaml": {Data: []byte(`competence: "4.1"
items:
  - {id: c41-sms-1, skill: sms, level: 2, type: truefalse, prompt: "Un SMS demande de payer un colis.", answer: false, tip: "C'est une arnaque."}
  - {id: c41-mdp-1, skill: mdp, level: 1, type: truefalse, prompt: "123456 est un bon mot de passe.", answer: false, tip: "Trop simple."}
`)},
		"lessons/4.1.yaml": {Data: []byte(`competence: "4.1"
lessons:
  - skill: sms
    can: reconnaître un SMS d'arnaque
    title: Les SMS d'arnaque
    text: Un SMS qui demande de payer est souvent une arnaque.
    try: "Essayez maintenant : ouvrez vos SMS."
    check: c41-sms-1
  - skill: mdp
    title: Écrire un mot de passe solide
    text: Un mot de passe long est plus sûr.
    try: "Essayez maintenant : changez-le."
    check: c41-mdp-1
`)},
	}
	bk, err := bank.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		bk                *bank.Bank
		competence, skill string
		want              string
	}{
		{bk, "4.1", "sms", "reconnaître un SMS d'arnaque (4.1)"},
		{bk, "4.1", "mdp", "« Écrire un mot de passe solide » (4.1)"}, // no `can`: the lesson's title
		{bk, "4.1", "inconnu", "4.1 inconnu"},
		{nil, "4.1", "sms", "4.1 sms"},
	} {
		if got := SkillPhrase(tt.bk, tt.competence, tt.skill); got != tt.want {
			t.Errorf("SkillPhrase(%s %s) = %q, want %q", tt.competence, tt.skill, got, tt.want)
		}
	}
}

// fixturePalier is the palier a fixture learner's result reaches in QWERTY789.
func fixturePalier(f *campaignFixture, res engine.Result) string {
	c, _, _ := f.db.Campaign("QWERTY789")
	_, p := PalierOf(c, res)
	return p.Title
}
