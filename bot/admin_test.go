package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

type adminClient struct {
	t     *testing.T
	url   string
	token string
}

// do sends a request and returns the status, the Content-Type and the body.
func (c adminClient) do(method, path, body string) (int, string, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.url+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// jsonError reads {"error": "..."}; "" if the body is not that.
func jsonError(b []byte) string {
	var e struct{ Error string }
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	return e.Error
}

func TestAdminCampaigns(t *testing.T) {
	f := newCampaignFixture(t)
	bk, _ := loadTestEngine(t)
	srv := httptest.NewServer(NewAdminHandler(AdminConfig{DB: f.db, Engine: f.eng, Bank: bk, Token: "s3cret",
		BotName: "diagbot_bot", Now: func() time.Time { return reportNow }}))
	defer srv.Close()
	ok := adminClient{t, srv.URL, "s3cret"}

	ref := dialog.LearnerRef("telegram:1001")
	endpoints := []struct{ method, path, body string }{
		{"GET", "/campaigns", ""},
		{"POST", "/campaigns", `{"name":"x"}`},
		{"POST", "/campaigns/QWERTY789/archive", ""},
		{"GET", "/campaigns/QWERTY789/stats", ""},
		{"GET", "/campaigns/QWERTY789/stats?format=png", ""},
		{"GET", "/campaigns/QWERTY789/export.csv", ""},
		{"GET", "/learners/" + ref, ""},
		{"GET", "/backup", ""},
	}
	t.Run("token", func(t *testing.T) {
		for _, e := range endpoints {
			for _, token := range []string{"", "wrong", "s3cret2", "S3CRET"} {
				code, ctype, body := adminClient{t, srv.URL, token}.do(e.method, e.path, e.body)
				if code != http.StatusUnauthorized || ctype != "application/json" || !strings.Contains(jsonError(body), "DIAGBOT_ADMIN_TOKEN") {
					t.Errorf("%s %s with token %q: %d %s %s", e.method, e.path, token, code, ctype, body)
				}
			}
		}
		// A bot without a token refuses everything but the probes.
		open := httptest.NewServer(NewAdminHandler(AdminConfig{DB: f.db, Engine: f.eng}))
		defer open.Close()
		for _, token := range []string{"", "anything"} {
			if code, _, body := (adminClient{t, open.URL, token}).do("GET", "/campaigns", ""); code != 401 || !strings.Contains(jsonError(body), "set DIAGBOT_ADMIN_TOKEN") {
				t.Errorf("no token configured, %q sent: %d %s", token, code, body)
			}
		}
		for _, p := range []string{"/healthz", "/metrics"} {
			if code, _, _ := (adminClient{t, open.URL, ""}).do("GET", p, ""); code != 200 {
				t.Errorf("%s needs no token, got %d", p, code)
			}
		}
	})

	t.Run("list", func(t *testing.T) {
		code, _, body := ok.do("GET", "/campaigns", "")
		var cs []CampaignInfo
		if code != 200 || json.Unmarshal(body, &cs) != nil || len(cs) != 2 || cs[0].Code != "QWERTY789" || cs[0].Learners != 6 ||
			cs[0].Link != "https://t.me/diagbot_bot?start=QWERTY789" || strings.Join(cs[0].Competences, ",") != "4.1,1.1,2.1" {
			t.Errorf("%d %s", code, body)
		}
	})

	t.Run("stats", func(t *testing.T) {
		code, ctype, body := ok.do("GET", "/campaigns/qwerty789/stats", "")
		var got struct {
			CampaignStats
			Text string
		}
		if code != 200 || ctype != "application/json" || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%d %s %s", code, ctype, body)
		}
		want, _ := Stats(f.db, f.eng, "QWERTY789", reportNow)
		if got.Finished != 3 || got.Stuck != 1 || got.InProgress != 1 || got.Text != want.Text() || got.MeanDuration != want.MeanDuration || len(got.Levels) != 3 || got.Levels[0] != want.Levels[0] {
			t.Errorf("stats %+v", got)
		}
		code, ctype, body = ok.do("GET", "/campaigns/QWERTY789/stats?format=png&lang=en", "")
		if _, err := png.Decode(bytes.NewReader(body)); code != 200 || ctype != "image/png" || err != nil {
			t.Errorf("png: %d %s %v", code, ctype, err)
		}
		if code, _, body := ok.do("GET", "/campaigns/QWERTY789/stats?format=svg", ""); code != 400 || !strings.Contains(jsonError(body), "png") {
			t.Errorf("format svg: %d %s", code, body)
		}
	})

	t.Run("export", func(t *testing.T) {
		code, ctype, body := ok.do("GET", "/campaigns/QWERTY789/export.csv", "")
		var want bytes.Buffer
		if _, err := ExportCSVAt(f.db, f.eng, bk, "QWERTY789", reportNow, &want); err != nil {
			t.Fatal(err)
		}
		if code != 200 || ctype != "text/csv; charset=utf-8" || !bytes.Equal(body, want.Bytes()) {
			t.Errorf("%d %s\n%s", code, ctype, body)
		}
	})

	t.Run("learner", func(t *testing.T) {
		for _, q := range []string{ref, strings.ToLower(ref), "12345AB", "telegram:1001", url.PathEscape("telegram:1001")} {
			code, _, body := ok.do("GET", "/learners/"+q, "")
			var got struct {
				LearnerReport
				Text string
			}
			if code != 200 || json.Unmarshal(body, &got) != nil || got.LearnerID != "telegram:1001" || got.Result == nil || !strings.Contains(got.Text, "Terminé le") {
				t.Errorf("/learners/%s: %d %s", q, code, body)
			}
		}
		// An odd external id, escaped in the path, is found too.
		if code, _, body := ok.do("GET", "/learners/"+url.PathEscape(oddExternalID), ""); code != 200 || !strings.Contains(string(body), `"telegram:1002"`) {
			t.Errorf("odd external id: %d %s", code, body)
		}
		if code, _, body := ok.do("GET", "/learners/A-ZZZZZZ", ""); code != 404 || !strings.Contains(jsonError(body), "pseudonym") {
			t.Errorf("unknown learner: %d %s", code, body)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, e := range []struct {
			method, path, body string
			code               int
			says               string
		}{
			{"GET", "/campaigns/ABCDEF234/stats", "", 404, "campaign list"},
			{"GET", "/campaigns/ABCDEF234/export.csv", "", 404, "ABCDEF234"},
			{"POST", "/campaigns/ABCDEF234/archive", "", 404, "ABCDEF234"},
			{"GET", "/campaigns/NOPE/stats", "", 400, "not a campaign code"},
			{"POST", "/campaigns/QWERTY78/archive", "", 400, "not a campaign code"},
			{"POST", "/campaigns", ``, 400, "JSON campaign"},
			{"POST", "/campaigns", `{"name": "x", "competence": ["1.1"]}`, 400, "unknown field"},
			{"POST", "/campaigns", `{"name": "  "}`, 400, "name of 1 to 80"},
			{"POST", "/campaigns", `{"name": "x", "competences": ["9.9"]}`, 400, "9.9"},
			{"POST", "/campaigns", `{"name": "x", "competences": ["1.1", "1.2"], "max_questions": 1}`, 400, "between 2"},
			{"POST", "/campaigns", `[1]`, 400, "JSON campaign"},
		} {
			code, ctype, body := ok.do(e.method, e.path, e.body)
			if code != e.code || ctype != "application/json" || !strings.Contains(jsonError(body), e.says) {
				t.Errorf("%s %s %s: %d %s %s; want %d saying %q", e.method, e.path, e.body, code, ctype, body, e.code, e.says)
			}
		}
	})

	t.Run("create and archive", func(t *testing.T) {
		code, _, body := ok.do("POST", "/campaigns", `{"name":"Atelier jeudi","competences":["4.2","1.1"],"max_questions":20,"code":"AAAAAA222","owner":"marie","slack_channel":"C42","archived_at":"2020-01-01T00:00:00Z"}`)
		var c CampaignInfo
		if code != 201 || json.Unmarshal(body, &c) != nil {
			t.Fatalf("%d %s", code, body)
		}
		if !regexp.MustCompile(`^[A-HJKMNP-Z]{6}[2-9]{3}$`).MatchString(c.Code) || c.Code == "AAAAAA222" || c.ArchivedAt != nil ||
			!c.CreatedAt.Equal(reportNow) || strings.Join(c.Competences, ",") != "1.1,4.2" || c.Owner != "marie" || c.Link != DeepLink("diagbot_bot", c.Code) {
			t.Errorf("created %+v", c)
		}
		stored, found, err := f.db.Campaign(c.Code)
		if err != nil || !found || stored.Name != "Atelier jeudi" || stored.MaxQuestions != 20 {
			t.Errorf("stored %+v %v %v", stored, found, err)
		}
		code, _, body = ok.do("POST", "/campaigns/"+strings.ToLower(c.Code)+"/archive", "")
		var archived storage.Campaign
		if code != 200 || json.Unmarshal(body, &archived) != nil || archived.ArchivedAt == nil || !archived.ArchivedAt.Equal(reportNow) {
			t.Errorf("archive: %d %s", code, body)
		}
	})

	t.Run("without the engine", func(t *testing.T) {
		old := httptest.NewServer(AdminHandler(f.db, "s3cret", nil))
		defer old.Close()
		c := adminClient{t, old.URL, "s3cret"}
		if code, _, body := c.do("GET", "/campaigns/QWERTY789/stats", ""); code != 503 || !strings.Contains(jsonError(body), "AdminConfig.Engine") {
			t.Errorf("stats without engine: %d %s", code, body)
		}
		if code, _, _ := c.do("GET", "/campaigns", ""); code != 200 {
			t.Errorf("list needs no engine: %d", code)
		}
	})
}

// TestAdminBackup: the copy served is whole (its length announced, Range
// answered), holds the data, leaves no temporary file, and a client that
// stops reading holds no read transaction open: the file can still be
// closed (bbolt's Close, like a writer that must grow the file, waits for
// every read transaction).
func TestAdminBackup(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "diagbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			db.Close()
		}
	}()
	// About 12 MB, more than loopback's socket buffers hold.
	big := json.RawMessage(`{"pad":"` + strings.Repeat("x", 1<<20) + `"}`)
	for i := range 12 {
		id := fmt.Sprintf("telegram:%d", 4000+i)
		if _, err := db.CommitTurn(storage.Turn{Learner: &storage.Learner{ID: id, Channel: "telegram", Lang: "fr"}, Session: big}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(NewAdminHandler(AdminConfig{DB: db, Token: "s3cret"}))
	defer srv.Close()
	get := func(rng string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/backup", nil)
		req.Header.Set("Authorization", "Bearer s3cret")
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	resp := get("")
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) || len(body) < 12<<20 {
		t.Fatalf("GET /backup: %d, Content-Length %s, %d bytes read, %v", resp.StatusCode, resp.Header.Get("Content-Length"), len(body), err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, body, 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := storage.Open(copyPath)
	if err != nil {
		t.Fatalf("the copy does not open: %v", err)
	}
	if n, _ := cp.CountLearners(); n != 12 {
		t.Errorf("the copy holds %d learners, want 12", n)
	}
	cp.Close()

	resp = get("bytes=0-99")
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, body[:100]) {
		t.Errorf("Range: %d, %d bytes", resp.StatusCode, len(part))
	}

	// A client that stops reading.
	stalled := get("")
	defer stalled.Body.Close()
	if _, err := io.ReadFull(stalled.Body, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	// Mid-download, the copy (every learner's data) is already gone from
	// the directory: a crash or a restart now leaves nothing behind.
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("during a download the directory holds %v: a crash would leave the copy there", names)
	}
	done := make(chan error, 1)
	go func() { done <- db.Close() }()
	select {
	case err := <-done:
		closed = true
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the database cannot close while a backup client stalls: the copy holds a read transaction")
	}
	stalled.Body.Close()
	srv.Close()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "backup") {
			t.Errorf("temporary copy left behind: %s", e.Name())
		}
	}
}
