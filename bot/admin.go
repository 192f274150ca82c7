package bot

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/diagbot/diagbot/storage"
)

// AdminHandler serves the operator's endpoints on the admin address:
//
//	GET /healthz  200 with inbox and outbox depths (no token: for probes)
//	GET /backup   a hot, consistent copy of the bbolt file (Bearer token)
//
// A second process cannot open the bbolt file while the bot holds it, so a
// backup of a running bot goes through here.
func AdminHandler(db *storage.DB, token string) http.Handler {
	mux := http.NewServeMux()
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
