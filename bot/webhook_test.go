package bot

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diagbot/diagbot/channels/webhook"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// hookReceiver is an agency's connector: it checks each signature, fails
// its first calls, and keeps every event it took, by id.
type hookReceiver struct {
	mu       sync.Mutex
	failures int // calls still to fail with 503
	calls    int
	byID     map[string][]HookEvent
	bad      []string
	secret   string
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if err := webhook.Verify(r.secret, req.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
		r.bad = append(r.bad, err.Error())
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.failures > 0 {
		r.failures--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var e HookEvent
	if err := json.Unmarshal(body, &e); err != nil || e.ID != req.Header.Get(webhook.HeaderEventID) || e.Event != req.Header.Get(webhook.HeaderEvent) {
		r.bad = append(r.bad, "body and headers disagree: "+string(body))
	}
	r.byID[e.ID] = append(r.byID[e.ID], e)
	w.WriteHeader(http.StatusNoContent)
}

func (r *hookReceiver) events() []HookEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []HookEvent
	for _, es := range r.byID {
		out = append(out, es...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Event < out[j].Event })
	return out
}

// A campaign with a webhook: started, finished and palier reach the
// agency's connector once each, signed, although it fails its first calls.
func TestWebhookDeliversEachEventOnce(t *testing.T) {
	recv := &hookReceiver{failures: 3, byID: map[string][]HookEvent{}}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	h := start(t, filepath.Join(t.TempDir(), "b.db"), func(c *Config) {
		c.Senders[WebhookChannel] = WebhookSender{DB: c.DB, S: &webhook.Sender{Client: srv.Client()}}
	})
	camp, err := CreateCampaign(h.db, storage.Campaign{Name: "Atelier", Competences: []string{"4.1"}, MaxQuestions: 2, WebhookURL: srv.URL + "/hook"},
		testRand(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(camp.WebhookSecret, "whsec_") || len(camp.WebhookSecret) < 30 {
		t.Fatalf("webhook secret %q", camp.WebhookSecret)
	}
	recv.secret = camp.WebhookSecret
	h.send("test:9", "/start "+camp.Code)
	h.send("test:9", "oui")
	for range 2 {
		h.send("test:9", "je ne sais pas")
	}
	h.waitIdle()
	eventually(t, 10*time.Second, func() bool { return len(recv.events()) >= 3 }, func() string {
		d, _ := h.db.OutboxDepth(WebhookChannel)
		return "webhook events: " + strings.Join(eventNames(recv.events()), ",") + "; waiting: " + itoa(d)
	})
	h.waitIdle()
	time.Sleep(50 * time.Millisecond) // a duplicate would come now
	evs := recv.events()
	if got := strings.Join(eventNames(evs), ","); got != "finished,palier,started" {
		t.Errorf("events %s, want finished, palier, started once each", got)
	}
	for id, es := range recv.byID {
		if len(es) != 1 {
			t.Errorf("event %s taken %d times", id, len(es))
		}
	}
	if len(recv.bad) > 0 {
		t.Errorf("receiver complaints: %v", recv.bad)
	}
	if recv.calls != 6 {
		t.Errorf("%d calls, want 3 failed and 3 delivered", recv.calls)
	}
	for _, e := range evs {
		if e.Campaign != camp.Code || e.Learner != dialog.LearnerRef("test:9") || !strings.HasPrefix(e.ID, "evt_") {
			t.Errorf("event %+v", e)
		}
		switch e.Event {
		case HookFinished:
			if e.Level == nil || e.Levels["4.1"] != *e.Level || e.Questions != 2 {
				t.Errorf("finished event %+v", e)
			}
		case HookPalier:
			if e.Palier == nil || e.Palier.Title != DefaultPaliers[0].Title {
				t.Errorf("palier event %+v", e.Palier)
			}
		}
	}
	if d, _ := h.db.OutboxDepth(WebhookChannel); d != 0 {
		t.Errorf("%d webhook deliveries still waiting", d)
	}
}

func eventNames(es []HookEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Event)
	}
	return out
}

// path_done is sent when the path becomes finished, once.
func TestWebhookPathDone(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	camp, err := CreateCampaign(h.db, storage.Campaign{Name: "A", WebhookURL: "https://crm.example.org/hook"}, testRand(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dc := &dialog.Campaign{Code: camp.Code}
	steps := []dialog.PathStep{{Competence: "4.1", Skill: "a", Retired: true}, {Competence: "4.1", Skill: "b"}}
	before := dialog.Session{Campaign: dc, Path: &dialog.Path{State: dialog.PathActive, Steps: steps}}
	after := dialog.Session{Campaign: dc, ExternalID: "12345AB", Path: &dialog.Path{State: dialog.PathFinished, Steps: steps}}
	msgs, err := h.bot.webhookMessages(storage.Update{Key: "u1", LearnerID: "test:1"}, before, dialog.Turn{Session: after}, time.Now())
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%v %v", msgs, err)
	}
	var e HookEvent
	json.Unmarshal(msgs[0].Payload, &e)
	if e.Event != HookPathDone || e.Path == nil || e.Path.Lessons != 2 || e.Path.Retained != 1 || e.ExternalID != "12345AB" || msgs[0].To != camp.Code {
		t.Errorf("path_done %+v to %s", e, msgs[0].To)
	}
	again, _ := h.bot.webhookMessages(storage.Update{Key: "u2", LearnerID: "test:1"}, after, dialog.Turn{Session: after}, time.Now())
	if len(again) != 0 {
		t.Errorf("path_done sent again: %v", again)
	}
	first, second := hookID("u1", "finished"), hookID("u1", "finished") // two calls: the id is derived, not drawn
	if first != second || first == hookID("u2", "finished") {
		t.Error("event ids must be stable per update and event, and differ otherwise")
	}
}

func TestCheckWebhook(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{{"", true}, {"https://crm.example.org/h", true}, {"http://127.0.0.1:8080/h", true}, {"http://crm.example.org/h", false}, {"ftp://x", false}, {"https://", false}, {"nope", false}} {
		if err := checkWebhook(tt.url); (err == nil) != tt.ok {
			t.Errorf("checkWebhook(%q) = %v", tt.url, err)
		}
	}
}

func testRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func itoa(n int) string { return strconv.Itoa(n) }
