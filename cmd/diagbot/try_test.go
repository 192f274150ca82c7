package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.etcd.io/bbolt"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/storage"
)

// TestTryWeakReader: a learner who writes in SMS style ("ouais" to the
// privacy notice, "le 2", "c koi un navigateur", "jsp" every other answer)
// finishes, never reads "❌", gets an explanation of the word asked (the
// bank's glossary, once it has one; until then a kind word) and a first
// results message under 600 characters.
func TestTryWeakReader(t *testing.T) {
	db := filepath.Join(t.TempDir(), "weak.db")
	script := []string{"ouais", "le 2", "c koi un navigateur"}
	for i := 0; i < 31; i++ {
		if i%2 == 0 {
			script = append(script, "jsp")
		} else {
			script = append(script, "le 2")
		}
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"try", "--db", db, "--learner", "kevin", "--seed", "3"}, strings.NewReader(strings.Join(script, "\n")+"\n"), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := out.String()
	if strings.Contains(got, "❌") {
		t.Errorf("a weak reader read ❌:\n%s", got)
	}
	if !strings.Contains(got, "Bravo, c'est terminé") || !strings.Contains(got, "Question 2 ·") {
		t.Fatalf("the SMS-style learner did not finish:\n%s", got)
	}
	bk, _, err := loadEngine()
	if err != nil {
		t.Fatal(err)
	}
	if bot.BankGlossary(bk) != nil {
		if !strings.Contains(got, "📖") {
			t.Errorf("no definition for « c koi un navigateur »:\n%s", got)
		}
	} else if !strings.Contains(got, "Je ne connais pas le mot « navigateur »") {
		t.Errorf("no word for « c koi un navigateur »:\n%s", got)
	}
	start := strings.Index(got, "Votre niveau :")
	end := strings.Index(got, "Appuyez sur un domaine pour voir le détail.")
	if start < 0 || end < start {
		t.Fatalf("no first results message:\n%s", got)
	}
	first := got[start : end+len("Appuyez sur un domaine pour voir le détail.")]
	if n := utf8.RuneCountInString(first); n > 600 {
		t.Errorf("first results message of %d characters:\n%s", n, first)
	}
	t.Logf("first results message (%d characters):\n%s", utf8.RuneCountInString(first), first)
}

// TestTryWholeDiagnostic scripts a whole diagnostic through the console
// channel, from /start to the review, then quits and comes back.
func TestTryWholeDiagnostic(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	var script []string
	script = append(script, "1") // consent
	for i := 0; i < 32; i++ {    // typed answers: a number picks a choice, "je ne sais pas" skips
		script = append(script, "je ne sais pas")
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"try", "--db", db, "--learner", "marie"}, strings.NewReader(strings.Join(script, "\n")+"\n"), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"Avant de commencer", "Question 1 ·", "Question 32 ·", "Bravo, c'est terminé", "Vos résultats", "Votre niveau", "revoir les questions manquées"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(got, "Question 33") || errOut.Len() > 0 {
		t.Errorf("more than 32 questions or errors: %s", errOut.String())
	}
	// Come back: review, results, language, data, erase.
	out.Reset()
	more := "1\n1\n/resultats\n/langue en\n/mesdonnees\n/supprimer\n1\n"
	if code := run(context.Background(), []string{"try", "--db", db, "--learner", "marie"}, strings.NewReader(more), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got = out.String()
	for _, want := range []string{"À revoir (1/32)", "À revoir (2/32)", "💡", "Vos résultats", "I will speak English", `"learner"`, "everything is erased"} {
		if !strings.Contains(got, want) {
			t.Errorf("second run lacks %q:\n%s", want, got)
		}
	}
	// Nothing of the learner is left in the file: not their id, not their
	// name, in no bucket, "seen" (the replay guard) included.
	for _, trace := range fileTraces(t, db, "console:marie", "marie") {
		t.Errorf("after /supprimer the file still holds %s", trace)
	}
}

// fileTraces opens the bbolt file read-only and returns every place (bucket
// path, key or value) where one of needles occurs, nested buckets included.
func fileTraces(t *testing.T, path string, needles ...string) []string {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	var found []string
	check := func(where string, b []byte) {
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found = append(found, fmt.Sprintf("%q in %s", n, where))
				return
			}
		}
	}
	var walk func(name string, b *bbolt.Bucket) error
	walk = func(name string, b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			check("a key of bucket "+name+": "+strconv.Quote(string(k)), k)
			if v == nil { // a nested bucket
				return walk(name+"/"+string(k), b.Bucket(k))
			}
			check("the value of "+name+"/"+strconv.Quote(string(k)), v)
			return nil
		})
	}
	buckets := 0
	err = bdb.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			buckets++
			check("a bucket name", name)
			return walk(string(name), b)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if buckets == 0 {
		t.Fatalf("%s has no bucket: nothing was checked", path)
	}
	return found
}

func TestTryResumesAfterQuit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	var out, errOut bytes.Buffer
	// A fixed seed: questions 1 and 2 are single choices, which "2" answers
	// (a multiple choice would take it as a tick), at every run.
	run(context.Background(), []string{"try", "--db", db, "--seed", "1"}, strings.NewReader("1\n2\n2\n"), &out, &errOut)
	first := out.String()
	i := strings.LastIndex(first, "── Question 3")
	if i < 0 {
		t.Fatalf("no third question:\n%s", first)
	}
	q3 := first[i:]
	out.Reset()
	run(context.Background(), []string{"try", "--db", db}, strings.NewReader(""), &out, &errOut)
	if !strings.Contains(out.String(), q3) {
		t.Errorf("after a restart, want the same question 3:\n%s\ngot:\n%s", q3, out.String())
	}
}

func TestSimulateStdio(t *testing.T) {
	in := `{"op":"start","id":"L1","competences":["1.1","4.1"],"max_questions":4,"seed":1}
not json
{"op":"answer","id":"L9","item":"x","correct":true}
`
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"simulate", "--stdio"}, strings.NewReader(in), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"item"`) || !strings.Contains(lines[1], `"error"`) || !strings.Contains(lines[2], `"error"`) {
		t.Fatalf("stdio out:\n%s", out.String())
	}
}

func TestContentCheckEmbedded(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"content", "check"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "no problem found") || !strings.Contains(out.String(), "5.2") {
		t.Errorf("output:\n%s", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"content", "check", "../../engine/bank/testdata/bad"}, nil, &out, &errOut); code != 1 {
		t.Errorf("a bad bank exits %d, want 1", code)
	}
	if !strings.Contains(out.String(), "1.1.yaml:13:") {
		t.Errorf("bad bank output lacks file:line:\n%s", out.String())
	}
}

// TestTryStopsOnSignal: a cancelled context (SIGINT, SIGTERM) ends try with
// exit 0 even while it waits for the learner to type.
func TestTryStopsOnSignal(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"try", "--db", db}, pr, &out, &errOut) }()
	pw.Write([]byte("1\n"))
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d: %s", c, errOut.String())
	}
	// The file is closed: another open succeeds at once.
	st, err := storage.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}
