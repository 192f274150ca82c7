package bot

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/diagbot/diagbot/storage"
)

// AdminHandler serves the operator's endpoints on the admin address:
//
//	GET /healthz  200 with inbox and outbox depths (no token: for probes)
//	GET /metrics  Prometheus text format: updates, turns, sends, 429s, outbox depth, turn latency
//	GET /backup   a hot, consistent copy of the bbolt file (Bearer token)
//
// A second process cannot open the bbolt file while the bot holds it, so a
// backup of a running bot goes through here.
func AdminHandler(db *storage.DB, token string, m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		writeMetrics(w, db, m)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		in, err := db.Inbox(0)
		if err != nil {
			http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
			return
		}
		depth := map[string]int{}
		for _, ch := range []string{"telegram", "console", NotifyChannel} {
			depth[ch], _ = db.OutboxDepth(ch)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "inbox": len(in), "outbox": depth})
	})
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if token == "" || !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			http.Error(w, "missing or wrong admin token (DIAGBOT_ADMIN_TOKEN)", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="diagbot-backup.db"`)
		if _, err := db.Backup(w); err != nil {
			// Headers are gone: abort the connection so the client sees a
			// truncated body rather than a copy it could trust.
			panic(http.ErrAbortHandler)
		}
	})
	return mux
}

func writeMetrics(w io.Writer, db *storage.DB, m *Metrics) {
	if m == nil {
		m = &Metrics{}
	}
	counter := func(name, help string, c *Counter) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, c.Load())
	}
	counter("diagbot_updates_received_total", "Updates received from channels.", &m.Received)
	counter("diagbot_updates_duplicate_total", "Replayed updates ignored.", &m.Duplicates)
	counter("diagbot_turns_total", "Updates handled.", &m.Turns)
	counter("diagbot_dead_letters_total", "Updates parked after an error.", &m.DeadLetters)
	counter("diagbot_sends_total", "Messages delivered.", &m.Sent)
	counter("diagbot_send_errors_total", "Failed send attempts (retried).", &m.SendErrors)
	counter("diagbot_rate_limited_total", "Sends refused with 429 / retry_after.", &m.RateLimited)
	counter("diagbot_dropped_total", "Messages dropped (unreachable or too many failures).", &m.Dropped)
	fmt.Fprintf(w, "# HELP diagbot_outbox_depth Messages waiting to be sent.\n# TYPE diagbot_outbox_depth gauge\n")
	for _, ch := range []string{"telegram", "console", NotifyChannel} {
		n, _ := db.OutboxDepth(ch)
		fmt.Fprintf(w, "diagbot_outbox_depth{channel=%q} %d\n", ch, n)
	}
	h := &m.TurnSeconds
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(w, "# HELP diagbot_turn_seconds Time to handle one update.\n# TYPE diagbot_turn_seconds histogram\n")
	var cum int64
	for i, le := range latencyBuckets {
		cum += h.counts[i]
		fmt.Fprintf(w, "diagbot_turn_seconds_bucket{le=\"%g\"} %d\n", le, cum)
	}
	fmt.Fprintf(w, "diagbot_turn_seconds_bucket{le=\"+Inf\"} %d\ndiagbot_turn_seconds_sum %g\ndiagbot_turn_seconds_count %d\n", h.n, h.sum, h.n)
}
