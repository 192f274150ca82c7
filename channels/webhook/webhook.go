// Package webhook delivers a campaign's events to the agency's own system
// (an i-milo or CRM connector): JSON posted to the campaign's URL, signed
// with HMAC-SHA256 so the receiver knows it comes from diagbot and was not
// changed. Each event has an id that never changes, however many times it
// is tried: a receiver keeps the ids it has seen and takes each event once.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery.
const (
	HeaderSignature = "X-Diagbot-Signature" // "t=UNIX,v1=HEX": HMAC-SHA256 of "UNIX.BODY" with the campaign's secret
	HeaderEvent     = "X-Diagbot-Event"     // started, finished, palier, path_done
	HeaderEventID   = "X-Diagbot-Event-Id"  // the same for every try of one event
)

// Delivery is one event to post.
type Delivery struct {
	URL, Secret string
	Event, ID   string
	Body        []byte // JSON
}

// Sender posts deliveries.
type Sender struct {
	Client *http.Client     // default: 10 s timeout
	Now    func() time.Time // default time.Now
}

// Error is a failed delivery: retried by the outbox with backoff, after
// RetryAfter when the receiver said so; Gone (410) stops for good.
type Error struct {
	Status int
	Retry  time.Duration
	Err    error
}

func (e *Error) Error() string             { return e.Err.Error() }
func (e *Error) Unwrap() error             { return e.Err }
func (e *Error) RetryAfter() time.Duration { return e.Retry }
func (e *Error) Unreachable() bool         { return e.Status == http.StatusGone }

// Sign is the signature header's value of body at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header against body, refusing one older than
// maxAge (a replayed request); receivers in Go can use it as it is.
func Verify(secret, header string, body []byte, now time.Time, maxAge time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("webhook: the signature header is not t=UNIX,v1=HEX")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > maxAge || d < -maxAge {
		return fmt.Errorf("webhook: the signature is %v old", d.Round(time.Second))
	}
	want := Sign(secret, time.Unix(unix, 0), body)
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+sig)) {
		return errors.New("webhook: the signature does not match (wrong secret, or the body was changed)")
	}
	return nil
}

// Send posts d; any 2xx is a success.
func (s *Sender) Send(ctx context.Context, d Delivery) error {
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return &Error{Err: fmt.Errorf("webhook: the campaign's URL %q is not usable: %w", d.URL, err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "diagbot-webhook/1")
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderEventID, d.ID)
	req.Header.Set(HeaderSignature, Sign(d.Secret, now(), d.Body))
	resp, err := client.Do(req)
	if err != nil {
		return &Error{Err: fmt.Errorf("webhook: cannot reach %s: %w", req.URL.Host, err)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	e := &Error{Status: resp.StatusCode, Err: fmt.Errorf("webhook: %s answered %s", req.URL.Host, resp.Status)}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		e.Retry = time.Duration(secs) * time.Second
	}
	return e
}
