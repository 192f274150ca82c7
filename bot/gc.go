package bot

import (
	"os"
	"runtime/debug"
)

// Garbage collector settings for a bot process. The live heap of a bot is
// small (about 10 MB: nothing is held per stored learner), but every turn
// allocates (JSON, the engine's posterior, bbolt's nodes). With Go's default
// (GOGC=100) the collector ran dozens of times a second under load, and its
// assists and pauses showed in every latency: at 3,000 answers/s offered
// (BenchmarkAnswerLatency) a learner waited 300–420 ms at the median for the
// next question with the default, 11 ms with GCPercent. The soft memory
// limit bounds the heap should the live heap grow (a big export).
const (
	GCPercent   = 400
	MemoryLimit = 192 << 20 // bytes
)

// TuneGC applies GCPercent and MemoryLimit to the process, unless the
// operator set GOGC or GOMEMLIMIT. diagbot run calls it; so do the
// benchmarks, to measure the bot as it runs.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}
