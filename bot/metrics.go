package bot

import (
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/diagbot/diagbot/storage"
)

// Metrics counts what the bot did, for /metrics and tests.
type Metrics struct {
	Received, Duplicates, Turns, DeadLetters, Sent, SendErrors, RateLimited, Dropped, Scheduled, Attestations Counter
	// SlackRedeliveries counts advisors' actions Slack delivered again (a
	// late acknowledgement) and the inbox recognised; SlackRetries, failed
	// Slack sends to be tried again.
	SlackRedeliveries, SlackRetries Counter
	TurnSeconds                     Histogram
}

// Histogram counts observations in fixed buckets (seconds), Prometheus style.
type Histogram struct {
	mu     sync.Mutex
	counts [len(latencyBuckets) + 1]int64
	sum    float64
	n      int64
}

var latencyBuckets = [...]float64{0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// Observe records one duration.
func (h *Histogram) Observe(d time.Duration) {
	s := d.Seconds()
	h.mu.Lock()
	defer h.mu.Unlock()
	i := 0
	for i < len(latencyBuckets) && s > latencyBuckets[i] {
		i++
	}
	h.counts[i]++
	h.sum += s
	h.n++
}

// reset forgets every observation (benchmarks measure a steady phase).
func (h *Histogram) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts, h.sum, h.n = [len(latencyBuckets) + 1]int64{}, 0, 0
}

// Quantile returns an upper bound of the q-quantile (0–1): the upper edge of
// the bucket it falls in (+Inf beyond the last).
func (h *Histogram) Quantile(q float64) float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		return 0
	}
	need := int64(q*float64(h.n) + 0.999999)
	var cum int64
	for i, c := range h.counts {
		cum += c
		if cum >= need {
			if i < len(latencyBuckets) {
				return latencyBuckets[i]
			}
			break
		}
	}
	return math.Inf(1)
}

// Counter is a concurrency-safe count.
type Counter struct {
	mu sync.Mutex
	n  int64
}

func (c *Counter) Add(n int64) { c.mu.Lock(); c.n += n; c.mu.Unlock() }
func (c *Counter) Load() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// MetricsHandler serves /metrics with Prometheus's client library: the Go
// runtime and process collectors, the bot's counts under their historical
// names, the database's work, and extra collectors from the channels (Slack
// posts not repeated, refused webhook calls…).
func MetricsHandler(db *storage.DB, m *Metrics, extra ...prometheus.Collector) http.Handler {
	if m == nil {
		m = &Metrics{}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&botCollector{db: db, m: m})
	for _, c := range extra {
		reg.MustRegister(c)
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// botCollector reads the bot's counters and the database at each scrape.
type botCollector struct {
	db *storage.DB
	m  *Metrics
}

type counterDesc struct {
	desc *prometheus.Desc
	c    func(*Metrics) *Counter
}

func counterOf(name, help string, c func(*Metrics) *Counter) counterDesc {
	return counterDesc{prometheus.NewDesc(name, help, nil, nil), c}
}

var (
	botCounters = []counterDesc{
		counterOf("diagbot_updates_received_total", "Updates received from channels.", func(m *Metrics) *Counter { return &m.Received }),
		counterOf("diagbot_updates_duplicate_total", "Replayed updates ignored.", func(m *Metrics) *Counter { return &m.Duplicates }),
		counterOf("diagbot_turns_total", "Updates handled.", func(m *Metrics) *Counter { return &m.Turns }),
		counterOf("diagbot_dead_letters_total", "Updates parked after an error.", func(m *Metrics) *Counter { return &m.DeadLetters }),
		counterOf("diagbot_sends_total", "Messages delivered.", func(m *Metrics) *Counter { return &m.Sent }),
		counterOf("diagbot_send_errors_total", "Failed send attempts (retried).", func(m *Metrics) *Counter { return &m.SendErrors }),
		counterOf("diagbot_rate_limited_total", "Sends refused with 429 / retry_after.", func(m *Metrics) *Counter { return &m.RateLimited }),
		counterOf("diagbot_dropped_total", "Messages dropped (unreachable or too many failures).", func(m *Metrics) *Counter { return &m.Dropped }),
		counterOf("diagbot_followups_due_total", "Follow-ups the scheduler moved to the inbox (lessons, reminders).", func(m *Metrics) *Counter { return &m.Scheduled }),
		counterOf("diagbot_slack_redeliveries_total", "Advisors' actions Slack delivered again and handled once.", func(m *Metrics) *Counter { return &m.SlackRedeliveries }),
		counterOf("diagbot_attestations_issued_total", "Attestations issued (signed and stored).", func(m *Metrics) *Counter { return &m.Attestations }),
		counterOf("diagbot_slack_retries_total", "Failed Slack sends, tried again with backoff.", func(m *Metrics) *Counter { return &m.SlackRetries }),
	}
	descOutbox     = prometheus.NewDesc("diagbot_outbox_depth", "Messages waiting to be sent.", []string{"channel"}, nil)
	descHelpOpen   = prometheus.NewDesc("diagbot_help_requests_open", "Help requests no advisor has closed yet.", nil, nil)
	descCommits    = prometheus.NewDesc("diagbot_db_commits_total", "Transactions of the group commit (two fsyncs each).", nil, nil)
	descWrites     = prometheus.NewDesc("diagbot_db_writes_total", "Writes they carried (turns, updates stored, messages marked sent).", nil, nil)
	descPages      = prometheus.NewDesc("diagbot_db_pages_written_total", "Pages the commits wrote: the disk's work.", nil, nil)
	descSlow       = prometheus.NewDesc("diagbot_db_slow_commits_total", "Commits that took over 20 ms (nearly always the disk's fsync): every turn waiting waited as long.", nil, nil)
	descCommitTime = prometheus.NewDesc("diagbot_db_commit_seconds_total", "Time spent committing: near the elapsed time, the disk is the limit.", nil, nil)
	descTurn       = prometheus.NewDesc("diagbot_turn_seconds", "Time to handle one update.", nil, nil)
)

func (c *botCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c *botCollector) Collect(ch chan<- prometheus.Metric) {
	for _, d := range botCounters {
		ch <- prometheus.MustNewConstMetric(d.desc, prometheus.CounterValue, float64(d.c(c.m).Load()))
	}
	for _, name := range []string{"telegram", "console", NotifyChannel, WebhookChannel} {
		n, err := c.db.OutboxDepth(name)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(descOutbox, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(n), name)
	}
	if n, err := c.db.OpenHelpCount(); err != nil {
		ch <- prometheus.NewInvalidMetric(descHelpOpen, err)
	} else {
		ch <- prometheus.MustNewConstMetric(descHelpOpen, prometheus.GaugeValue, float64(n))
	}
	ws := c.db.WriteStats()
	ch <- prometheus.MustNewConstMetric(descCommits, prometheus.CounterValue, float64(ws.Commits))
	ch <- prometheus.MustNewConstMetric(descWrites, prometheus.CounterValue, float64(ws.Writes))
	ch <- prometheus.MustNewConstMetric(descPages, prometheus.CounterValue, float64(ws.PagesWritten))
	ch <- prometheus.MustNewConstMetric(descSlow, prometheus.CounterValue, float64(ws.SlowCommits))
	ch <- prometheus.MustNewConstMetric(descCommitTime, prometheus.CounterValue, ws.Busy.Seconds())

	h := &c.m.TurnSeconds
	h.mu.Lock()
	buckets := make(map[float64]uint64, len(latencyBuckets))
	var cum int64
	for i, le := range latencyBuckets {
		cum += h.counts[i]
		buckets[le] = uint64(cum)
	}
	n, sum := h.n, h.sum
	h.mu.Unlock()
	ch <- prometheus.MustNewConstHistogram(descTurn, uint64(n), sum, buckets)
}
