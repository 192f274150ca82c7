package storage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/bbolt"
)

func TestOpenCreatesDirectoryFileAndBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "diagbot.db")
	db := openAt(t, path)
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != fileMode {
		t.Errorf("file mode %v, want %v: the file holds personal data", fi.Mode().Perm(), os.FileMode(fileMode))
	}
	st, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Schema != SchemaVersion {
		t.Errorf("schema %d, want %d", st.Schema, SchemaVersion)
	}
	for _, b := range allBuckets {
		if _, ok := st.Buckets[string(b)]; !ok {
			t.Errorf("bucket %q missing", b)
		}
	}
}

func TestOpenRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("not a bolt file "), 1024), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		opts    []Option
		wantErr error
		wantMsg string
	}{
		{name: "empty path", path: "", wantErr: ErrInvalid},
		{name: "not a database", path: garbage, wantMsg: garbage},
		{name: "broken migration list", path: filepath.Join(dir, "x.db"), opts: []Option{withMigrations([]migration{{version: 2, name: "skip", fn: createBuckets}})}, wantMsg: "bug in diagbot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(tt.path, tt.opts...)
			if err == nil {
				_ = db.Close()
				t.Fatal("Open succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %q, should mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestOpenLockedInSameProcess(t *testing.T) {
	db := openTest(t)
	start := time.Now()
	second, err := Open(db.Path(), WithTimeout(100*time.Millisecond))
	if err == nil {
		_ = second.Close()
		t.Fatal("second Open of a held file succeeded")
	}
	assertLocked(t, err, db.Path())
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Open waited %s, the timeout was 100ms", d)
	}
	// Once released, it opens.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again := openAt(t, db.Path())
	_ = again.Close()
}

func assertLocked(t *testing.T, err error, path string) {
	t.Helper()
	if !errors.Is(err, ErrLocked) {
		t.Errorf("err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "another diagbot") {
		t.Errorf("err = %q, should name %s and say another diagbot is running", err, path)
	}
}

// TestHelperProcess is not a test: TestOpenLockedByAnotherProcess runs the test
// binary again with this test only, to hold the file from another process.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("DIAGBOT_STORAGE_HELPER_DB")
	if path == "" {
		t.Skip("helper process for TestOpenLockedByAnotherProcess")
	}
	db, err := Open(path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin) // hold the file until the parent closes stdin
	_ = db.Close()
	os.Exit(0)
}

func TestOpenLockedByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "DIAGBOT_STORAGE_HELPER_DB="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper process: %v", err)
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper process said %q, %v", line, err)
	}
	db, err := Open(path, WithTimeout(200*time.Millisecond))
	if err == nil {
		_ = db.Close()
		t.Fatal("Open of a file held by another process succeeded")
	}
	assertLocked(t, err, path)
}

func TestMigrations(t *testing.T) {
	// A fake next version, after the real ones: it records that it ran.
	cur := len(migrations)
	var runs atomic.Int32
	v2 := migration{version: cur + 1, name: "fake next", fn: func(tx *bbolt.Tx) error {
		runs.Add(1)
		b, err := tx.CreateBucketIfNotExists([]byte("v2_things"))
		if err != nil {
			return err
		}
		return b.Put([]byte("ran"), []byte("yes"))
	}}
	failing := migration{version: cur + 1, name: "broken next", fn: func(tx *bbolt.Tx) error {
		if _, err := tx.CreateBucket([]byte("half_done")); err != nil {
			return err
		}
		return errors.New("disk says no")
	}}
	v1 := migrations
	withV2 := append(append([]migration{}, v1...), v2)
	withFailing := append(append([]migration{}, v1...), failing)

	tests := []struct {
		name       string
		first      []migration // opens a fresh file with this list (nil: skip)
		then       []migration // then reopens with this one
		wantErr    error
		wantMsg    []string
		wantSchema int
		wantRuns   int32
	}{
		{name: "fresh file runs every migration", then: withV2, wantSchema: cur + 1, wantRuns: 1},
		{name: "old file runs only the missing one", first: v1, then: withV2, wantSchema: cur + 1, wantRuns: 1},
		{name: "current file runs nothing", first: withV2, then: withV2, wantSchema: cur + 1, wantRuns: 1},
		{name: "newer file is refused", first: withV2, then: v1, wantErr: ErrNewerSchema,
			wantMsg: []string{fmt.Sprintf("schema version %d", cur+1), fmt.Sprintf("up to %d", cur), "newer diagbot"}, wantSchema: cur + 1, wantRuns: 1},
		{name: "failed migration leaves the old version", first: v1, then: withFailing,
			wantMsg: []string{fmt.Sprintf("migration %d (broken next)", cur+1), "disk says no", fmt.Sprintf("left at version %d", cur)}, wantSchema: cur},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs.Store(0)
			path := filepath.Join(t.TempDir(), "m.db")
			if tt.first != nil {
				db, err := Open(path, withMigrations(tt.first))
				if err != nil {
					t.Fatal(err)
				}
				_ = db.Close()
			}
			db, err := Open(path, withMigrations(tt.then))
			if tt.wantErr != nil || tt.wantMsg != nil {
				if err == nil {
					_ = db.Close()
					t.Fatal("Open succeeded")
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				for _, m := range append(tt.wantMsg, path) {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("err = %q, should contain %q", err, m)
					}
				}
			} else if err != nil {
				t.Fatal(err)
			} else {
				_ = db.Close()
			}
			if got := runs.Load(); got != tt.wantRuns {
				t.Errorf("v2 ran %d times, want %d", got, tt.wantRuns)
			}
			// Look at the file as bbolt sees it.
			raw, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			_ = raw.View(func(tx *bbolt.Tx) error {
				if got := schemaOf(tx); got != tt.wantSchema {
					t.Errorf("stored schema %d, want %d", got, tt.wantSchema)
				}
				if tx.Bucket([]byte("half_done")) != nil {
					t.Error("a failed migration left a bucket behind")
				}
				return nil
			})
		})
	}
}

func TestOptions(t *testing.T) {
	var logs bytes.Buffer
	db := openTest(t, WithLogger(zerolog.New(&logs)), WithNoSync(true), WithTimeout(0))
	if !db.bolt.NoSync {
		t.Error("WithNoSync(true) not applied")
	}
	if !strings.Contains(logs.String(), "create buckets") {
		t.Errorf("logger did not see the migration: %q", logs.String())
	}
	if _, err := db.Backup(io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "backup") {
		t.Errorf("logger did not see the backup: %q", logs.String())
	}
}

func TestReopenFindsEverything(t *testing.T) {
	db := openTest(t)
	l := Learner{ID: "telegram:42", Channel: "telegram", ChatID: "42", FirstName: "Inès", Lang: "fr", Campaign: "abc123"}
	if err := db.CreateCampaign(Campaign{Code: "ABC123", Name: "Mission Locale Lille"}); err != nil {
		t.Fatal(err)
	}
	u := mustPut(t, db, update("telegram:u1", l.ID))
	pending := mustPut(t, db, update("telegram:u2", l.ID))
	mustCommit(t, db, Turn{Update: &u, Learner: &l, Session: json.RawMessage(`{"state":"asking"}`),
		Answers: []Answer{answer("q1", true), answer("q2", false)},
		Outbox:  []Message{msg("telegram", l.ID, "question"), msg("slack", "#ml-lille", "notify")}})
	if err := db.DeadLetter(update("telegram:u3", l.ID), "panic: boom", t0); err != nil {
		t.Fatal(err)
	}
	out, _ := db.PendingOutbox("telegram", t0.Add(time.Hour), 0, nil)
	if err := db.MarkSent(out[0]); err != nil {
		t.Fatal(err)
	}

	db = reopen(t, db)

	if got, ok, _ := db.Learner(l.ID); !ok || got.FirstName != "Inès" || got.Campaign != "ABC123" {
		t.Errorf("learner after reopen: %+v %v", got, ok)
	}
	if s, ok, _ := db.Session(l.ID); !ok {
		t.Error("session lost")
	} else {
		jsonEqual(t, s, []byte(`{"state":"asking"}`))
	}
	if a, _ := db.Answers(l.ID); len(a) != 2 || a[0].Item != "q1" || a[1].Item != "q2" {
		t.Errorf("answers after reopen: %+v", a)
	}
	if in, _ := db.Inbox(0); len(in) != 1 || in[0].Key != pending.Key || in[0].Seq != pending.Seq {
		t.Errorf("inbox after reopen: %+v", in)
	}
	if n, _ := db.OutboxDepth("telegram"); n != 0 {
		t.Errorf("telegram outbox after reopen: %d, the message was sent", n)
	}
	if n, _ := db.OutboxDepth("slack"); n != 1 {
		t.Errorf("slack outbox after reopen: %d", n)
	}
	if dl, _ := db.DeadLetters(); len(dl) != 1 {
		t.Errorf("dead letters after reopen: %+v", dl)
	}
	if ids, _ := db.CampaignLearners("abc123"); len(ids) != 1 || ids[0] != l.ID {
		t.Errorf("campaign learners after reopen: %v", ids)
	}
	// Sequences go on after a reopen instead of starting over.
	u4 := mustPut(t, db, update("telegram:u4", l.ID))
	if u4.Seq <= pending.Seq {
		t.Errorf("seq after reopen %d, not after %d", u4.Seq, pending.Seq)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	db := openTest(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var commits atomic.Int64
	session := json.RawMessage(`{"state":"asking","pad":"` + strings.Repeat("x", 2000) + `"}`)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("telegram:%d%06d", w, i)
				_, err := db.CommitTurn(Turn{
					Update:  &Update{Key: fmt.Sprintf("telegram:upd%d-%d", w, i), LearnerID: id},
					Learner: &Learner{ID: id, Channel: "telegram", ChatID: id, Lang: "fr"},
					Session: session, Answers: []Answer{answer("q1", true), answer("q2", true)},
					Outbox: []Message{msg("telegram", id, "text")},
				})
				if err != nil {
					t.Error(err)
					return
				}
				commits.Add(1)
			}
		}()
	}
	// Let the writers get going, then take several backups under load.
	for commits.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	dir := t.TempDir()
	var paths []string
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if err := db.BackupFile(p); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		time.Sleep(5 * time.Millisecond)
	}
	var buf bytes.Buffer
	n, err := db.Backup(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("Backup: %d bytes, buffer %d, %v", n, buf.Len(), err)
	}
	close(stop)
	wg.Wait()

	memCopy := filepath.Join(dir, "from-writer.db")
	if err := os.WriteFile(memCopy, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(paths, memCopy) {
		if _, err := os.Stat(p + ".tmp"); !os.IsNotExist(err) {
			t.Errorf("%s.tmp left behind", p)
		}
		// bbolt's own consistency check, then ours: every learner has its
		// session, two answers, and its message (the turn is all or nothing).
		raw, err := bbolt.Open(p, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatalf("backup %s does not open: %v", p, err)
		}
		err = raw.View(func(tx *bbolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		})
		_ = raw.Close()
		if err != nil {
			t.Fatalf("backup %s: bbolt check: %v", p, err)
		}
		b := openAt(t, p)
		st, err := b.Stats()
		if err != nil {
			t.Fatal(err)
		}
		l := st.Buckets["learners"]
		if l == 0 || st.Buckets["sessions"] != l || st.Buckets["answer_log"] != 2*l || st.Buckets["outbox"] != l || st.Buckets["seen"] != l {
			t.Errorf("backup %s is not consistent: %v", p, st.Buckets)
		}
		_ = b.Close()
	}
	t.Logf("%d commits during the backups", commits.Load())
}

func TestBackupFileErrorsNameTheFile(t *testing.T) {
	db := openTest(t)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(blocker, "sub", "backup.db") // a file where a directory should be
	err := db.BackupFile(target)
	if err == nil || !strings.Contains(err.Error(), target) {
		t.Fatalf("err = %v, should name %s", err, target)
	}
}

func TestStats(t *testing.T) {
	db := openTest(t)
	l := Learner{ID: "console:local", Channel: "console", Lang: "fr"}
	mustCommit(t, db, Turn{Learner: &l, Session: json.RawMessage(`{}`), Answers: []Answer{answer("q1", true)},
		Outbox: []Message{msg("console", l.ID, "text"), msg("console", l.ID, "text")}})
	st, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"learners": 1, "sessions": 1, "answer_log": 1, "outbox": 2, "outbox_chan": 2, "inbox": 0, "meta": 1}
	for b, n := range want {
		if st.Buckets[b] != n {
			t.Errorf("bucket %s: %d keys, want %d", b, st.Buckets[b], n)
		}
	}
	if st.FileSize <= 0 || st.DataSize <= 0 || st.DataSize > st.FileSize || st.PageSize <= 0 || st.Path != db.Path() {
		t.Errorf("sizes: %+v", st)
	}
}

func TestClosedDatabaseErrorsNameTheFile(t *testing.T) {
	db := openTest(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_, _, err := db.Learner("x")
	if err == nil || !strings.Contains(err.Error(), db.Path()) {
		t.Errorf("read after Close: %v, should name the file", err)
	}
}

// TestSchema2DropsDeliveryRecords: a schema 1 file loses its "sent" bucket
// (records nothing read) and keeps everything else.
func TestSchema2DropsDeliveryRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := Open(path, withMigrations(migrations[:1]))
	if err != nil {
		t.Fatal(err)
	}
	mustCommit(t, db, Turn{Learner: &Learner{ID: "telegram:1", Lang: "fr"}, Session: json.RawMessage(`{"state":"asking"}`)})
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("sent"))
		if err != nil {
			return err
		}
		return b.Put(u64(1), []byte(`{"ref":"777","at":"2025-11-23T09:00:00Z"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := db.Stats(); st.Schema != 1 {
		t.Fatalf("schema %d, want 1 to start with", st.Schema)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openAt(t, path)
	st, err := db.Stats()
	if err != nil || st.Schema != SchemaVersion {
		t.Fatalf("schema %d (%v), want %d", st.Schema, err, SchemaVersion)
	}
	db.bolt.View(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte("sent")) != nil {
			t.Error("the sent bucket is still there")
		}
		return nil
	})
	if _, ok, _ := db.Session("telegram:1"); !ok {
		t.Error("the session was lost in the migration")
	}
}
