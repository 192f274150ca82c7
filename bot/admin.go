package bot

import (
	"bytes"
	crand "crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// AdminConfig is what the admin address needs.
type AdminConfig struct {
	DB *storage.DB
	// Engine measures for the campaign reports (stats, export, learners);
	// without it those answer 503. Bank goes to ExportCSV.
	Engine *engine.Engine
	Bank   *bank.Bank
	// Token is the Bearer token of every endpoint but /healthz and /metrics
	// (DIAGBOT_ADMIN_TOKEN); empty refuses them all.
	Token   string
	Metrics *Metrics
	// Collectors add the channels' own figures to /metrics.
	Collectors []prometheus.Collector
	// BotName is the bot's Telegram username, for campaign links ("" for none).
	BotName string
	Now     func() time.Time // default time.Now
}

// AdminHandler serves the operator's endpoints only (/healthz, /metrics,
// /backup); NewAdminHandler serves the campaign reports too.
func AdminHandler(db *storage.DB, token string, m *Metrics) http.Handler {
	return NewAdminHandler(AdminConfig{DB: db, Token: token, Metrics: m})
}

// NewAdminHandler serves the operator's endpoints on the admin address:
//
//	GET  /healthz                        200 with inbox and outbox depths (no token: for probes)
//	GET  /metrics                        Prometheus text format (no token)
//	GET  /backup                         a hot, consistent copy of the bbolt file
//	GET  /campaigns                      every campaign, JSON [CampaignInfo]
//	POST /campaigns                      JSON storage.Campaign fields → 201 CampaignInfo (code drawn here)
//	POST /campaigns/{code}/archive       → the archived campaign
//	GET  /campaigns/{code}/stats         JSON CampaignStats with "text"; ?format=png for the chart (&lang=en)
//	GET  /campaigns/{code}/export.csv    the CSV export
//	GET  /learners/{query}               JSON LearnerReport with "text"; query as for FindLearner
//	POST /places?source=NAME&file=F      a file of places (CSV or JSON) → JSON PlacesImported (admin_places.go)
//
// All but /healthz and /metrics need "Authorization: Bearer TOKEN". Errors
// are JSON {"error": "..."}: 401 for the token, 400 for a malformed request,
// 404 for an unknown campaign or learner. A second process cannot open the
// bbolt file while the bot holds it, so the command line goes through here
// for a running bot.
func NewAdminHandler(cfg AdminConfig) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	db := cfg.DB
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", MetricsHandler(db, cfg.Metrics, cfg.Collectors...))
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
	a := &admin{cfg: cfg}
	mux.HandleFunc("GET /backup", a.auth(a.backup))
	mux.HandleFunc("GET /campaigns", a.auth(a.listCampaigns))
	mux.HandleFunc("POST /campaigns", a.auth(a.createCampaign))
	mux.HandleFunc("POST /campaigns/{code}/archive", a.auth(a.archiveCampaign))
	mux.HandleFunc("GET /campaigns/{code}/stats", a.auth(a.needEngine(a.stats)))
	mux.HandleFunc("GET /campaigns/{code}/export.csv", a.auth(a.needEngine(a.export)))
	mux.HandleFunc("GET /learners/{query...}", a.auth(a.needEngine(a.learner)))
	mux.HandleFunc("POST /places", a.auth(a.importPlaces))
	return mux
}

type admin struct{ cfg AdminConfig }

// auth lets a request through with the right Bearer token only.
func (a *admin) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.Token == "" {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "the bot has no admin token: set DIAGBOT_ADMIN_TOKEN where it runs, then restart it")
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.cfg.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "missing or wrong admin token (DIAGBOT_ADMIN_TOKEN)")
			return
		}
		h(w, r)
	}
}

func (a *admin) needEngine(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.Engine == nil {
			writeError(w, http.StatusServiceUnavailable, "this admin address was built without the engine (bot.AdminConfig.Engine): reports are unavailable")
			return
		}
		h(w, r)
	}
}

// code reads the {code} of the path; false (and a 400 sent) if malformed.
func (a *admin) code(w http.ResponseWriter, r *http.Request) (string, bool) {
	raw := r.PathValue("code")
	code, ok := NormalizeCode(raw)
	if !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not a campaign code (6 letters, then 3 digits, as QWERTY789)", raw))
	}
	return code, ok
}

func (a *admin) listCampaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := ListCampaigns(a.cfg.DB, a.cfg.BotName)
	if err != nil {
		writeFailure(w, err)
		return
	}
	writeJSON(w, http.StatusOK, cs)
}

// maxCampaignBody bounds a POST /campaigns body: a campaign is a few hundred
// bytes.
const maxCampaignBody = 64 << 10

func (a *admin) createCampaign(w http.ResponseWriter, r *http.Request) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCampaignBody))
	dec.DisallowUnknownFields()
	var c storage.Campaign
	if err := dec.Decode(&c); err != nil {
		writeError(w, http.StatusBadRequest, "the body must be a JSON campaign such as {\"name\": \"Atelier mardi\", \"competences\": [\"1.1\", \"4.1\"]}: "+err.Error())
		return
	}
	// The code, the dates and the archive are the bot's to set.
	c.Code, c.CreatedAt, c.ArchivedAt = "", time.Time{}, nil
	var seed [32]byte
	crand.Read(seed[:])
	c, err := CreateCampaign(a.cfg.DB, c, rand.New(rand.NewChaCha8(seed)), a.cfg.Now())
	if err != nil {
		// CreateCampaign's own errors are about the settings; storage errors
		// say "storage:" first.
		status := http.StatusBadRequest
		if strings.HasPrefix(err.Error(), "storage:") {
			status = http.StatusInternalServerError
		}
		writeError(w, status, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, CampaignInfo{Campaign: c, Link: linkOf(a.cfg.BotName, c.Code)})
}

func (a *admin) archiveCampaign(w http.ResponseWriter, r *http.Request) {
	code, ok := a.code(w, r)
	if !ok {
		return
	}
	if _, ok, err := a.cfg.DB.Campaign(code); err != nil || !ok {
		if err == nil {
			err = errNoCampaign(code)
		}
		writeFailure(w, err)
		return
	}
	c, err := ArchiveCampaign(a.cfg.DB, code, a.cfg.Now())
	if err != nil {
		writeFailure(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *admin) stats(w http.ResponseWriter, r *http.Request) {
	code, ok := a.code(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "png" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("format %q: use json (the default) or png", format))
		return
	}
	st, err := Stats(a.cfg.DB, a.cfg.Engine, code, a.cfg.Now())
	if err != nil {
		writeFailure(w, err)
		return
	}
	if format == "png" {
		png, err := st.Chart(r.URL.Query().Get("lang"))
		if err != nil {
			writeFailure(w, err)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", strconv.Itoa(len(png)))
		w.Write(png)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		CampaignStats
		Text string `json:"text"`
	}{st, st.Text()})
}

func (a *admin) export(w http.ResponseWriter, r *http.Request) {
	code, ok := a.code(w, r)
	if !ok {
		return
	}
	// Built in memory first (a few hundred bytes a learner), so that an
	// error is still a clean JSON error and never half a file.
	var buf bytes.Buffer
	rows, err := ExportCSVAt(a.cfg.DB, a.cfg.Engine, a.cfg.Bank, code, a.cfg.Now(), &buf)
	if err != nil {
		writeFailure(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="diagbot-%s.csv"`, code))
	w.Header().Set("X-Diagbot-Rows", strconv.Itoa(rows))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	buf.WriteTo(w)
}

func (a *admin) learner(w http.ResponseWriter, r *http.Request) {
	q := r.PathValue("query")
	l, ok, err := FindLearner(a.cfg.DB, q)
	if err != nil {
		writeFailure(w, err)
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no learner answers to %q: give the pseudonym shown in Slack (A-…), the external id or the learner id", q))
		return
	}
	rep, err := Report(a.cfg.DB, a.cfg.Engine, a.cfg.Bank, l.ID)
	if err != nil {
		writeFailure(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		LearnerReport
		Text string `json:"text"`
	}{rep, rep.Text()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// backup copies the file into a temporary file beside it, then serves that
// copy. Streaming straight from the read transaction would hold it open for
// as long as the client takes to download: a writer that must grow the file
// waits for every open read transaction, so a slow or stalled client would
// stop the bot. The copy is local and fast; it has a Content-Length and
// answers Range requests, so a client can tell a whole copy from a cut one.
// The copy needs as much free space as the database, for the download.
func (a *admin) backup(w http.ResponseWriter, r *http.Request) {
	// A copy of a large file takes longer than the server's write deadline,
	// which is there for the small answers: lift it for this one (a stalled
	// client now only holds a copy of the file, not the database).
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	db := a.cfg.DB
	f, err := os.CreateTemp(filepath.Dir(db.Path()), ".diagbot-backup-*.tmp")
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("cannot make a copy beside %s (check that its directory is writable and has room for one more copy): %v", db.Path(), err))
		return
	}
	// The copy holds every learner's data: its name goes at once, so a
	// crash or a restart during a long download leaves no copy behind (one
	// nothing would ever erase). The open file lives on until closed. Where
	// an open file cannot be removed (Windows), it goes after serving.
	removed := os.Remove(f.Name()) == nil
	defer func() {
		_ = f.Close()
		if !removed {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := db.Backup(f); err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("cannot copy the database into %s (check free space): %v", f.Name(), err))
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="diagbot-backup.db"`)
	http.ServeContent(w, r, "diagbot-backup.db", time.Time{}, f)
}

// writeFailure answers 404 for what does not exist, 500 otherwise.
func writeFailure(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, storage.ErrNotFound) {
		status = http.StatusNotFound
	}
	writeError(w, status, err.Error())
}
