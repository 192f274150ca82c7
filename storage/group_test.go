package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// TestGroupCommitSharesTransactions: writers waiting while a commit runs go
// into the next transaction together, and each gets its own outcome.
func TestGroupCommitSharesTransactions(t *testing.T) {
	db := openTest(t)
	const writers, each = 32, 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		txs  = map[int]int{} // transaction id → calls it carried
		errs = map[string]error{}
	)
	bad := errors.New("refused")
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("w%d-%d", w, i)
				err := db.group.do(func(tx *bbolt.Tx) error {
					mu.Lock()
					txs[tx.ID()]++
					mu.Unlock()
					switch {
					case w == 0 && i%5 == 0:
						return bad
					case w == 1 && i%7 == 0:
						panic("a bug in one write")
					}
					return tx.Bucket(bucketMeta).Put([]byte(key), []byte("v"))
				})
				mu.Lock()
				errs[key] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(txs) >= writers*each {
		t.Errorf("%d transactions for %d writes: nothing was shared", len(txs), writers*each)
	}
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		for key, err := range errs {
			var w, i int
			fmt.Sscanf(key, "w%d-%d", &w, &i)
			stored := tx.Bucket(bucketMeta).Get([]byte(key)) != nil
			switch {
			case w == 0 && i%5 == 0:
				if !errors.Is(err, bad) || stored {
					t.Errorf("%s: err %v, stored %v; want its own error and nothing stored", key, err, stored)
				}
			case w == 1 && i%7 == 0:
				if err == nil || !strings.Contains(err.Error(), "a bug in one write") || stored {
					t.Errorf("%s: err %v, stored %v; want the panic as an error and nothing stored", key, err, stored)
				}
			default:
				if err != nil || !stored {
					t.Errorf("%s: err %v, stored %v; want it committed", key, err, stored)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommitAfterClose: a write after Close is refused, naming the file;
// writes queued before Close are committed.
func TestGroupCommitAfterClose(t *testing.T) {
	db := openTest(t)
	var wg sync.WaitGroup
	results := make([]error, 50)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = db.CommitTurn(Turn{LearnerID: "telegram:" + strconv.Itoa(i), Session: []byte(`{}`)})
		}()
	}
	wg.Wait()
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for i, err := range results {
		if err != nil {
			t.Errorf("turn %d: %v", i, err)
		}
	}
	_, err := db.CommitTurn(Turn{LearnerID: "telegram:1", Session: []byte(`{}`)})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("commit after Close: %v, should fail naming %s", err, path)
	}
	db = openAt(t, path)
	if _, ok, _ := db.Session("telegram:49"); !ok {
		t.Error("a turn committed before Close is not in the file")
	}
}

// TestReleaseMemory: after reading a big file, releaseMemory gives the
// mapped pages back (the resident size falls), and what is read afterwards
// is the same.
func TestReleaseMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapped pages are released on Linux only")
	}
	db := openTest(t, withReleaseEvery(time.Hour)) // only when asked
	value := []byte(strings.Repeat("x", 3000))
	for batch := range 20 { // 8,000 sessions of 3 KB: about 32 MB of pages
		err := db.bolt.Update(func(tx *bbolt.Tx) error {
			for i := range 400 {
				v := append([]byte(strconv.Itoa(batch*400+i)), value...)
				if err := tx.Bucket(bucketSessions).Put([]byte(fmt.Sprintf("l%05d", batch*400+i)), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	readAll := func() (sum int) {
		err := db.bolt.View(func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
				n, _ := strconv.Atoi(strings.TrimRight(string(v), "x"))
				sum += n + len(v)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	want := readAll()
	before := rssFileKB(t)
	db.releaseMemory()
	after := rssFileKB(t)
	if before-after < 20_000 {
		t.Errorf("resident file pages went from %d kB to %d kB after releaseMemory; want at least 20 MB less", before, after)
	}
	if got := readAll(); got != want {
		t.Errorf("after release the sessions read %d, before %d", got, want)
	}
}

func rssFileKB(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "RssFile:" {
			kb, _ := strconv.Atoi(f[1])
			return kb
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// TestConcurrentClose: closing from several goroutines at once is safe.
func TestConcurrentClose(t *testing.T) {
	db := openTest(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// TestWriteFault: while the fault says so, writes fail and nothing is
// stored; then they work again.
func TestWriteFault(t *testing.T) {
	var broken atomic.Bool
	disk := errors.New("no space left on device")
	db := openTest(t, WithWriteFault(func() error {
		if broken.Load() {
			return disk
		}
		return nil
	}))
	broken.Store(true)
	if _, err := db.CommitTurn(Turn{LearnerID: "telegram:1", Session: []byte(`{}`)}); !errors.Is(err, disk) {
		t.Errorf("commit on a broken disk: %v", err)
	}
	if _, ok, _ := db.Session("telegram:1"); ok {
		t.Error("a failed commit stored the session")
	}
	broken.Store(false)
	if _, err := db.CommitTurn(Turn{LearnerID: "telegram:1", Session: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
}

func TestWriteStats(t *testing.T) {
	db := openTest(t)
	before := db.WriteStats()
	for i := range 3 {
		mustCommit(t, db, Turn{LearnerID: "telegram:1", Session: json.RawMessage(`{}`), Answers: []Answer{answer(fmt.Sprint(i), true)}})
	}
	ws := db.WriteStats()
	if ws.Commits-before.Commits != 3 || ws.Writes-before.Writes != 3 || ws.PagesWritten <= before.PagesWritten || ws.Busy <= before.Busy {
		t.Errorf("three turns one after the other: %+v, before %+v", ws, before)
	}
	// A write that holds its commit past 20 ms makes a slow commit.
	err := db.group.do(func(*bbolt.Tx) error { time.Sleep(slowCommit + 5*time.Millisecond); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if after := db.WriteStats(); after.SlowCommits != ws.SlowCommits+1 || after.Busy-ws.Busy < slowCommit {
		t.Errorf("after a slow commit: %+v, before %+v", after, ws)
	}
}
