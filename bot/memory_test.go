package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// finishedSession plays a whole diagnostic through dialog.Step and returns
// the stored session and its answers, as a real finished learner has them.
func finishedSession(tb testing.TB) (json.RawMessage, []dialog.AnswerLog) {
	bk, eng := loadTestEngine(tb)
	var s dialog.Session
	var answers []dialog.AnswerLog
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i, text := range append([]string{"/start", "oui"}, strings.Split(strings.Repeat("2,je ne sais pas,", 40), ",")...) {
		if text == "" || s.State == dialog.StateResults {
			break
		}
		turn, err := dialog.Step(s, dialog.ParseText(text), dialog.Env{Now: now.Add(time.Duration(i) * time.Minute), Engine: eng, Bank: bk, Random: 99})
		if err != nil {
			tb.Fatal(err)
		}
		s = turn.Session
		answers = append(answers, turn.Answers...)
	}
	raw, _ := json.Marshal(s)
	return raw, answers
}

// TestMemoryHelperProcess runs the bot over a big file and prints its RSS.
func TestMemoryHelperProcess(t *testing.T) {
	path := os.Getenv("DIAGBOT_MEM_DB")
	if path == "" {
		t.Skip("helper process for BenchmarkMemory")
	}
	TuneGC()
	db, err := storage.Open(path)
	if err != nil {
		os.Exit(3)
	}
	bk, eng := loadTestEngine(t)
	b, _ := New(Config{DB: db, Bank: bk, Engine: eng, Log: zerolog.Nop(), Senders: map[string]Sender{"test": nopSender{}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	n, _ := strconv.Atoi(os.Getenv("DIAGBOT_MEM_N"))
	// What the running bot holds before any turn: the file's pages it has
	// touched so far (the turns then touch the pages of the learners they read).
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "RssFile") {
			fmt.Println("Start" + line)
		}
	}
	for i := 0; i < 2000; i++ { // learners coming back for their results, all over the file
		l := (i * 7919) % n
		p, _ := json.Marshal(dialog.ParseText("/resultats"))
		b.Receive(storage.Update{Key: fmt.Sprintf("m:%d", i), Channel: "test", LearnerID: fmt.Sprintf("test:%d", l), Payload: p})
	}
	for in, _ := db.Inbox(1); len(in) > 0; in, _ = db.Inbox(1) {
		time.Sleep(5 * time.Millisecond)
	}
	status, _ = os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Vm") || strings.HasPrefix(line, "Rss") {
			fmt.Println(line)
		}
	}
	cancel()
	<-done
	db.Close()
	os.Exit(0)
}

// BenchmarkMemory stores 100,000 finished learners, then runs the bot over
// the file in a fresh process handling 2,000 turns spread over it, and
// reports the process's peak RSS and the file size per learner.
func BenchmarkMemory(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "mem.db")
	db, err := storage.Open(path, storage.WithNoSync(true))
	if err != nil {
		b.Fatal(err)
	}
	sess, logs := finishedSession(b)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("test:%d", i)
		var answers []storage.Answer
		for _, a := range logs {
			answers = append(answers, storage.Answer{LearnerID: id, Item: a.Item, Correct: a.Correct, Skipped: a.Skipped, Response: a.Response, At: time.Now()})
		}
		l := storage.Learner{ID: id, Channel: "test", ChatID: strconv.Itoa(i), Lang: "fr", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if _, err := db.CommitTurn(storage.Turn{Learner: &l, LearnerID: id, Session: sess, Answers: answers}); err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	st, _ := os.Stat(path)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryHelperProcess$")
		cmd.Env = append(os.Environ(), "DIAGBOT_MEM_DB="+path, "DIAGBOT_MEM_N="+strconv.Itoa(n))
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 {
				continue
			}
			kb, _ := strconv.Atoi(f[1])
			switch f[0] {
			case "VmHWM:":
				b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
			case "RssAnon:": // the Go heap and stacks
				b.ReportMetric(float64(kb)/1024, "anon-RSS-MB")
			case "RssFile:": // pages of the mmapped file, reclaimable by the kernel
				b.ReportMetric(float64(kb)/1024, "file-RSS-MB")
			case "StartRssFile:": // the same, before any turn
				b.ReportMetric(float64(kb)/1024, "start-file-RSS-MB")
			}
		}
	}
	b.ReportMetric(float64(st.Size())/n, "file-bytes/learner")
	b.ReportMetric(float64(len(sess)), "session-bytes")
}
