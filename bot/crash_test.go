package bot

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// nopSender accepts every message.
type nopSender struct{}

func (nopSender) Send(context.Context, storage.Message) (string, error) { return "ok", nil }

// TestCrashHelperProcess is the bot run as a separate process by
// TestCrashRecovery: it reads updates as JSON lines on stdin and prints
// "ack KEY" once Receive has stored each one.
func TestCrashHelperProcess(t *testing.T) {
	path := os.Getenv("DIAGBOT_CRASH_DB")
	if path == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	db, err := storage.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	bk, eng := loadTestEngine(t)
	b, err := New(Config{DB: db, Bank: bk, Engine: eng, Log: zerolog.Nop(), Shards: 4,
		Senders: map[string]Sender{"test": nopSender{}}})
	if err != nil {
		os.Exit(3)
	}
	go b.Run(context.Background())
	sc := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for sc.Scan() {
		var u storage.Update
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil {
			os.Exit(4)
		}
		if err := b.Receive(u); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(5)
		}
		fmt.Fprintln(out, "ack", u.Key)
		out.Flush()
	}
	// stdin closed: wait until everything is handled, then exit.
	for {
		if p, _ := db.Inbox(1); len(p) == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	db.Close()
	os.Exit(0)
}

// TestCrashRecovery streams answers of many learners into a real bot process
// and kills it with SIGKILL at 20 random moments. After each restart every
// acknowledged update is handled exactly once, no learner skips or repeats a
// question, and the conversations go on; replays change nothing.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a subprocess 20 times")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(42, 1))

	const learners, answersEach = 24, 20
	type upd struct {
		u        storage.Update
		isAnswer bool
	}
	// Per learner: /start, "oui", then typed answers (always one answer each).
	perLearner := make([][]upd, learners)
	for l := 0; l < learners; l++ {
		id := fmt.Sprintf("test:%d", 1000+l)
		add := func(in dialog.Input, isAnswer bool) {
			p, _ := json.Marshal(in)
			k := fmt.Sprintf("test:%d:%d", l, len(perLearner[l]))
			perLearner[l] = append(perLearner[l], upd{storage.Update{Key: k, Channel: "test", LearnerID: id, Payload: p}, isAnswer})
		}
		add(dialog.ParseText("/start"), false)
		add(dialog.ParseText("oui"), false)
		// Every one of these answers any kind of question at once. A typed
		// "1" only ticks a box of a multiple-choice question (the answer is
		// "Valider"), and the bank now asks such questions from level 1: a
		// stream written in advance cannot know which question comes.
		for a := 0; a < answersEach; a++ {
			add(dialog.ParseText([]string{"je ne sais pas", "jsp", "chai pas"}[rng.IntN(3)]), true)
		}
	}
	// Interleave learners, keeping each learner's order.
	var stream []upd
	next := make([]int, learners)
	for len(stream) < learners*(answersEach+2) {
		l := rng.IntN(learners)
		if next[l] < len(perLearner[l]) {
			stream = append(stream, perLearner[l][next[l]])
			next[l]++
		}
	}

	acked := map[string]bool{}
	pos := 0 // stream[:pos] all acknowledged
	runOnce := func(killAtAck int) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$")
		cmd.Env = append(os.Environ(), "DIAGBOT_CRASH_DB="+path)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		done := make(chan struct{})
		kill := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(stdout)
			n := 0
			for sc.Scan() {
				if k, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
					mu.Lock()
					acked[k] = true
					mu.Unlock()
					if n++; n == killAtAck {
						close(kill)
					}
				}
			}
		}()
		// Resend from the first unacknowledged update (earlier acknowledged
		// ones are replayed too, now and then: they must change nothing).
		start := pos
		if start > 0 && rng.IntN(2) == 0 {
			start = max(0, start-rng.IntN(8)-1)
		}
		go func() {
			w := bufio.NewWriter(stdin)
			for _, s := range stream[start:] {
				b, _ := json.Marshal(s.u)
				w.Write(append(b, '\n'))
			}
			w.Flush()
			if killAtAck == 0 {
				stdin.Close()
			}
		}()
		if killAtAck > 0 {
			select { // after some acknowledgements, or a little later: mid-turn either way
			case <-kill:
				if rng.IntN(2) == 0 {
					time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
				}
			case <-time.After(5 * time.Second):
			}
			cmd.Process.Signal(syscall.SIGKILL)
		}
		cmd.Wait()
		<-done
		if killAtAck == 0 && cmd.ProcessState.ExitCode() != 0 {
			t.Fatalf("final run exited %d: %s", cmd.ProcessState.ExitCode(), stderr.String())
		}
		mu.Lock()
		for pos < len(stream) && acked[stream[pos].u.Key] {
			pos++
		}
		mu.Unlock()
	}
	// After each kill (and at the end, kill 0): every acknowledged answer is in
	// the log exactly once or still waiting in the inbox, never both, never
	// lost; no answer is in the log twice; each session agrees with the log
	// (as many responses, the same items, the next question numbered after
	// them).
	verify := func(kill int) {
		t.Helper()
		db, err := storage.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		pending := map[string]bool{}
		in, _ := db.Inbox(0)
		for _, u := range in {
			pending[u.Key] = true
		}
		for l := 0; l < learners; l++ {
			id := fmt.Sprintf("test:%d", 1000+l)
			answers, err := db.Answers(id)
			if err != nil {
				t.Fatal(err)
			}
			byKey := map[string]int{}
			for _, a := range answers {
				byKey[a.UpdateKey]++
			}
			for _, u := range perLearner[l] {
				k := u.u.Key
				switch n := byKey[k]; {
				case n > 1:
					t.Errorf("kill %d: %s: answer update %s is in the log %d times", kill, id, k, n)
				case n == 1 && pending[k]:
					t.Errorf("kill %d: %s: update %s is both handled and still in the inbox", kill, id, k)
				case u.isAnswer && acked[k] && n == 0 && !pending[k]:
					t.Errorf("kill %d: %s: acknowledged answer %s is neither in the log nor in the inbox: lost", kill, id, k)
				}
			}
			raw, found, _ := db.Session(id)
			if !found {
				continue
			}
			var s dialog.Session
			json.Unmarshal(raw, &s)
			if s.Engine == nil {
				continue
			}
			if len(s.Engine.Responses) != len(answers) || s.State == dialog.StateQuestion && s.Question != len(answers)+1 {
				t.Errorf("kill %d: %s: session at question %d with %d responses, log has %d answers", kill, id, s.Question, len(s.Engine.Responses), len(answers))
			}
			for i, r := range s.Engine.Responses {
				if i < len(answers) && answers[i].Item != r.Item {
					t.Errorf("kill %d: %s: log and session disagree at answer %d", kill, id, i)
				}
			}
		}
	}
	for i := 0; i < 20; i++ {
		runOnce(1 + rng.IntN(20))
		verify(i + 1)
	}
	t.Logf("after 20 kills: %d of %d updates acknowledged", pos, len(stream))
	if pos == len(stream) {
		t.Fatal("every update was acknowledged before the last kill: the kills tested nothing")
	}
	runOnce(0) // the rest, to the end
	// At the end every update is acknowledged and none waits: verify's
	// "once in the log, or still in the inbox" becomes "once in the log".
	if pos != len(stream) {
		t.Fatalf("after the last run %d of %d updates acknowledged", pos, len(stream))
	}
	verify(0)

	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if dl, _ := db.DeadLetters(); len(dl) > 0 {
		t.Fatalf("%d dead letters, first: %s", len(dl), dl[0].Reason)
	}
	if in, _ := db.Inbox(0); len(in) > 0 {
		t.Fatalf("%d updates left in the inbox after the last run", len(in))
	}
	for l := 0; l < learners; l++ {
		id := fmt.Sprintf("test:%d", 1000+l)
		answers, err := db.Answers(id)
		if err != nil {
			t.Fatal(err)
		}
		items := map[string]bool{}
		for _, a := range answers {
			if items[a.Item] {
				t.Errorf("%s: item %s answered twice", id, a.Item)
			}
			items[a.Item] = true
		}
		raw, _, _ := db.Session(id)
		var s dialog.Session
		json.Unmarshal(raw, &s)
		if s.Engine == nil || len(s.Engine.Responses) != answersEach || s.Question != answersEach+1 || s.State != dialog.StateQuestion {
			t.Errorf("%s: state %s, question %d, %d responses; want question %d after %d answers", id, s.State, s.Question, len(s.Engine.Responses), answersEach+1, answersEach)
		}
	}
}
