package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/channels/telegram"
	"github.com/diagbot/diagbot/channels/telegram/telegramtest"
	"github.com/diagbot/diagbot/storage"
)

// envSignalHelper makes the test binary run diagbot's own main, as the
// process TestRunStopsOnSignal signals.
const envSignalHelper = "DIAGBOT_TEST_SIGNAL_HELPER"

// TestRunSignalHelper is `diagbot run` in a process of its own: main, with its
// signal handling and exit code, configured by the environment.
func TestRunSignalHelper(t *testing.T) {
	if os.Getenv(envSignalHelper) != "1" {
		t.Skip("helper process for TestRunStopsOnSignal")
	}
	os.Args = []string{"diagbot", "run"}
	main() // exits
}

// TestRunStopsOnSignal sends SIGTERM or SIGINT to a `diagbot run` process
// serving a fake Telegram while learners' updates are being handled. It must
// exit 0 within a few seconds, leave a file that opens at once and passes
// bbolt's check, with no stored update left unhandled and the session of
// every learner who was answered; a restart on the file then gives every
// learner their answer exactly once (the updates the bot had not stored are
// still at Telegram, unconfirmed).
func TestRunStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts diagbot run as a process, twice")
	}
	tests := []struct {
		sig syscall.Signal
		// when the signal comes: as soon as Telegram hands the bot the first
		// update of a burst ("fetched"), or once the first of the burst is
		// answered ("answered").
		when string
	}{
		{syscall.SIGTERM, "fetched"},
		{syscall.SIGTERM, "answered"},
		{syscall.SIGINT, "fetched"},
		{syscall.SIGINT, "answered"},
	}
	for _, tt := range tests {
		t.Run(tt.sig.String()+" "+tt.when, func(t *testing.T) { stopOnSignal(t, tt.sig, tt.when) })
	}
}

func stopOnSignal(t *testing.T, sig syscall.Signal, when string) {
	srv := telegramtest.NewServer(t)
	path := filepath.Join(t.TempDir(), "signal.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunSignalHelper$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DIAGBOT_") { // no setting of the machine's own
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, envSignalHelper+"=1", envDB+"="+path, envLogLevel+"=info",
		envTelegramToken+"="+srv.Token(), envTelegramAPI+"="+srv.URL(), envAdminAddr+"=127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	})

	// One learner reaches question 1: the process serves.
	const first = 7001
	q1 := startToQuestion1(t, srv, first, "Inès")

	// Then she answers while 30 others start, and the signal comes while
	// their turns are under way.
	const others = 30
	polls := len(srv.CallsTo("getUpdates"))
	srv.PressButton(first, int64(q1.MessageID), buttons(q1)[0].CallbackData)
	for i := range others {
		srv.SendText(int64(8000+i), "Élève", "/start")
	}
	switch when {
	case "fetched":
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := srv.WaitFor(ctx, func([]telegramtest.Call) bool { return len(srv.CallsTo("getUpdates")) > polls }); err != nil {
			t.Fatal("the bot did not poll")
		}
	case "answered":
		waitMessage(t, srv, 8000, func(m telegramtest.SentMessage) bool { return strings.Contains(m.Text, "Avant de commencer") })
	}
	signalled := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		took := time.Since(signalled)
		if err != nil {
			t.Fatalf("after %v, diagbot run exited with %v:\n%s", sig, err, stderr.String())
		}
		// The bot sends what its last turns queued for up to FlushTimeout
		// (Telegram's per-chat limit can hold a message that long).
		if limit := bot.FlushTimeout + 2*time.Second; took > limit {
			t.Errorf("diagbot run took %v to stop after %v, want %v at most", took, sig, limit)
		}
		t.Logf("exit 0 %v after %v", took.Round(time.Millisecond), sig)
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("diagbot run still running 15 s after %v:\n%s", sig, stderr.String())
	}

	// The file was closed cleanly: bbolt finds nothing wrong, and it opens at
	// once (no lock left behind).
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("after %v the file does not open: %v", sig, err)
	}
	bdb.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("bbolt check: %v", err)
		}
		return nil
	})
	bdb.Close()
	db, err := storage.Open(path, storage.WithTimeout(time.Second))
	if err != nil {
		t.Fatalf("after %v: %v", sig, err)
	}
	// Every stored update had its turn committed before the exit, and every
	// learner who was answered has their session in the file.
	if left, err := db.Inbox(0); err != nil || len(left) > 0 {
		t.Errorf("%d updates stored but not handled (%v)", len(left), err)
	}
	handled := 0
	for _, chat := range append([]int64{first}, chats(8000, others)...) {
		answered := false
		for _, m := range srv.Sent(chat) {
			answered = answered || strings.Contains(m.Text, "Avant de commencer")
		}
		_, found, err := db.Session(telegram.LearnerID(chat))
		if err != nil {
			t.Fatal(err)
		}
		if answered && !found {
			t.Errorf("chat %d was answered but its session is not in the file", chat)
		}
		if found {
			handled++
		}
	}
	t.Logf("%d of %d learners handled before the exit; %d updates left for the next run at Telegram", handled, others+1, len(srv.PendingUpdates()))
	db.Close()

	// A restart finishes the work: each learner gets the consent once, and
	// the first one question 2 once.
	serveAt(t, srv, path)
	for _, chat := range chats(8000, others) {
		waitMessage(t, srv, chat, func(m telegramtest.SentMessage) bool { return strings.Contains(m.Text, "Avant de commencer") })
	}
	waitMessage(t, srv, first, func(m telegramtest.SentMessage) bool { return strings.Contains(m.Text+m.Caption, "Question 2 ·") })
	for _, chat := range append([]int64{first}, chats(8000, others)...) {
		if n := countSent(srv, chat, "Avant de commencer"); n != 1 {
			t.Errorf("chat %d received the consent %d times, want once", chat, n)
		}
	}
	if n := countSent(srv, first, "Question 2 ·"); n != 1 {
		t.Errorf("question 2 was sent %d times, want once", n)
	}
}

func chats(from int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = from + int64(i)
	}
	return out
}
