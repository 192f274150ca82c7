package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	now := time.Unix(1700000000, 0)
	body := []byte(`{"event_id":"evt_1","event":"finished"}`)
	sig := Sign("whsec_a", now, body)
	for _, tt := range []struct {
		name, secret, header string
		body                 []byte
		at                   time.Time
		ok                   bool
	}{
		{"good", "whsec_a", sig, body, now, true},
		{"a minute later", "whsec_a", sig, body, now.Add(time.Minute), true},
		{"wrong secret", "whsec_b", sig, body, now, false},
		{"changed body", "whsec_a", sig, []byte(`{"event_id":"evt_2","event":"finished"}`), now, false},
		{"replayed an hour later", "whsec_a", sig, body, now.Add(time.Hour), false},
		{"no header", "whsec_a", "", body, now, false},
		{"garbage", "whsec_a", "t=abc,v1=zz", body, now, false},
	} {
		if err := Verify(tt.secret, tt.header, tt.body, tt.at, 5*time.Minute); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestSendStatuses(t *testing.T) {
	var got http.Header
	var gotBody string
	status := http.StatusNoContent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	now := time.Unix(1700000000, 0)
	s := &Sender{Client: srv.Client(), Now: func() time.Time { return now }}
	d := Delivery{URL: srv.URL, Secret: "whsec_a", Event: "started", ID: "evt_9", Body: []byte(`{"event":"started"}`)}
	if err := s.Send(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if got.Get(HeaderEvent) != "started" || got.Get(HeaderEventID) != "evt_9" || Verify("whsec_a", got.Get(HeaderSignature), []byte(gotBody), now, time.Minute) != nil {
		t.Errorf("headers %v body %q", got, gotBody)
	}
	status = http.StatusTooManyRequests
	err := s.Send(context.Background(), d)
	var e *Error
	if err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("429: %v", err)
	}
	if e, _ = err.(*Error); e.RetryAfter() != 7*time.Second || e.Unreachable() {
		t.Errorf("429: %+v", e)
	}
	status = http.StatusGone
	if err := s.Send(context.Background(), d); err == nil || !err.(*Error).Unreachable() {
		t.Errorf("410 must stop the deliveries: %v", err)
	}
	d.URL = "http://127.0.0.1:1/closed"
	if err := s.Send(context.Background(), d); err == nil {
		t.Error("an unreachable receiver is no success")
	}
}

// FuzzVerify: the signature header comes from the network; Verify never
// panics, and accepts a header only for a body whose signature (for its t,
// within the minute) it carries.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1700000000, 0)
	f.Add(Sign("s", now, []byte("b")), []byte("b"))
	f.Add("t=1700000000,v1=", []byte(""))
	f.Add("v1=00,t=1", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if Verify("s", header, body, now, time.Minute) != nil {
			return
		}
		for d := -60; d <= 60; d++ {
			want := Sign("s", now.Add(time.Duration(d)*time.Second), body)
			_, sig, _ := strings.Cut(want, ",v1=")
			if strings.Contains(header, "v1="+sig) {
				return
			}
		}
		t.Fatalf("accepted %q for %q without its signature", header, body)
	})
}
