package storage

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// Group commit.
//
// Every write that many goroutines make at once (a turn, an update stored, a
// message marked sent, a reference) goes to one committer goroutine. It runs
// the first call at once, and every call that arrived while a commit was on
// its way to the disk goes into the next transaction together, so they share
// its two fsyncs. Unlike bbolt's DB.Batch there is no timer: a lone writer
// does not wait for company, and under load the batch is exactly what piled
// up during the previous commit. With DB.Batch, calls arriving during a slow
// fsync formed many 1-ms batches queueing for the writer lock, each paying
// its own fsyncs (BenchmarkTurns: 2,500–3,000 answers/s; see the README).
//
// As with DB.Batch, a function may run more than once: when one call of a
// batch fails, the transaction is rolled back, that call is run alone (its
// error is its own) and the others are run again together. So functions
// touch nothing but the transaction and decide everything from it.

// slowCommit is the time past which a commit counts as slow: every write
// waiting on it (and every one arriving meanwhile) waits at least as long.
// Nearly always the disk's fdatasync is what takes that long.
const slowCommit = 20 * time.Millisecond

// errClosed is what a write gets after Close.
var errClosed = errors.New("the database is closed")

type groupCall struct {
	fn   func(*bbolt.Tx) error
	done chan error
}

type committer struct {
	bolt    *bbolt.DB
	max     int
	reqs    chan groupCall
	commits atomic.Int64 // transactions run so far
	calls   atomic.Int64 // calls they carried
	busy    atomic.Int64 // nanoseconds spent committing
	slow    atomic.Int64 // commits that took longer than slowCommit
	release func()       // every releaseEveryCommits commits (db.go)
	fault   func() error // WithWriteFault

	mu     sync.RWMutex // held for reading while sending to reqs
	closed bool
	exited chan struct{}
}

func newCommitter(b *bbolt.DB, max int, release func(), fault func() error) *committer {
	c := &committer{bolt: b, max: max, reqs: make(chan groupCall, max), exited: make(chan struct{}), release: release, fault: fault}
	go c.run()
	return c
}

// do runs fn in a write transaction shared with the other calls waiting.
func (c *committer) do(fn func(*bbolt.Tx) error) error {
	call := groupCall{fn: fn, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	c.reqs <- call
	c.mu.RUnlock()
	return <-call.done
}

// close lets the calls already queued commit, then stops the committer.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.exited
}

func (c *committer) run() {
	defer close(c.exited)
	batch := make([]groupCall, 0, c.max)
	for first := range c.reqs {
		batch = append(batch[:0], first)
	gather:
		for len(batch) < c.max {
			select {
			case call, ok := <-c.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, call)
			default:
				break gather
			}
		}
		c.commit(batch)
		if c.commits.Load()%releaseEveryCommits == 0 {
			c.release()
		}
	}
}

// commit runs the batch in one transaction. A call that fails is taken out
// and run alone, and the rest are tried again. The counters of WriteStats
// are updated before any caller hears back, so a caller reads its own
// commit in them.
func (c *committer) commit(batch []groupCall) {
	start := time.Now()
	type outcome struct {
		call groupCall
		err  error
	}
	var outcomes []outcome
	defer func() {
		took := time.Since(start)
		c.busy.Add(int64(took))
		if took > slowCommit {
			c.slow.Add(1)
		}
		c.calls.Add(int64(len(outcomes)))
		c.commits.Add(1)
		for _, o := range outcomes {
			o.call.done <- o.err
		}
	}()
	if c.fault != nil {
		if err := c.fault(); err != nil {
			for _, call := range batch {
				outcomes = append(outcomes, outcome{call, err})
			}
			return
		}
	}
	for len(batch) > 0 {
		failed := -1
		err := c.bolt.Update(func(tx *bbolt.Tx) error {
			for i, call := range batch {
				if err := safely(call.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		// Committed, or the commit itself failed: the same for all. A call
		// alone that failed has its own error already.
		if failed < 0 || len(batch) == 1 {
			for _, call := range batch {
				outcomes = append(outcomes, outcome{call, err})
			}
			return
		}
		bad := batch[failed]
		outcomes = append(outcomes, outcome{bad, c.bolt.Update(func(tx *bbolt.Tx) error { return safely(bad.fn, tx) })})
		batch = append(batch[:failed], batch[failed+1:]...)
	}
}

// safely turns a panic of fn into an error, so one bad call cannot take the
// committer (and every writer waiting on it) down.
func safely(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in a write: %v", p)
		}
	}()
	return fn(tx)
}
