package storage

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
)

// benchTurns commits turns from `writers` goroutines (b.RunParallel with
// SetParallelism; a plain loop for one writer), each its own learner, as the
// bot's per-learner workers do. A turn is what handling one answer writes: the
// update leaves the inbox, a 3 KB session, one answer, two outgoing messages.
func benchTurns(b *testing.B, db *DB, writers int) {
	session := fakeSession(rand.New(rand.NewPCG(1, 1)), 10, 3000)
	var next atomic.Uint64
	turn := func(learner string) {
		n := next.Add(1)
		_, err := db.CommitTurn(Turn{
			Update:    &Update{Key: fmt.Sprintf("telegram:%d", n), LearnerID: learner},
			LearnerID: learner,
			Session:   session,
			Answers:   []Answer{{Item: "c1.1-n2-q07", Correct: true, Response: "2"}},
			Outbox:    []Message{msg("telegram", learner, "text"), msg("telegram", learner, "question")},
		})
		if err != nil {
			b.Error(err)
		}
	}
	b.ResetTimer()
	if writers == 1 {
		for b.Loop() {
			turn("telegram:1")
		}
	} else {
		var worker atomic.Int64
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((writers + procs - 1) / procs)
		b.RunParallel(func(pb *testing.PB) {
			learner := fmt.Sprintf("telegram:%d", worker.Add(1))
			for pb.Next() {
				turn(learner)
			}
		})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
}

// BenchmarkCommitTurn measures turns per second with fsync on (the real
// setting) and the default options, for 1, 8 and 64 concurrent workers.
func BenchmarkCommitTurn(b *testing.B) {
	for _, writers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			benchTurns(b, openAt(b, filepath.Join(b.TempDir(), "bench.db")), writers)
		})
	}
}

// BenchmarkFootprint reports the file cost per finished learner (see
// TestFootprintPerLearner) as a metric, for tracking over time.
func BenchmarkFootprint(b *testing.B) {
	for b.Loop() {
		f := simulateLearners(b, 2000, 32, 40, 3000)
		b.ReportMetric(f.inUse, "bytes/learner")
		b.ReportMetric(f.highWater, "highwater-bytes/learner")
	}
}
