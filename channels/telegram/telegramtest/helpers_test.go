package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
)

// newBot is the real client pointed at srv. Errors the library reports on
// its own (polling failures) are dropped: tests assert on returned errors.
func newBot(t *testing.T, srv *Server, opts ...bot.Option) *bot.Bot {
	t.Helper()
	all := append([]bot.Option{
		bot.WithServerURL(srv.URL()),
		bot.WithSkipGetMe(),
		bot.WithErrorsHandler(func(error) {}),
	}, opts...)
	b, err := bot.New(srv.Token(), all...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

// testCtx bounds a test so that a hang fails instead of stalling the suite.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// encoding is a way to send a Bot API request body.
type encoding string

const (
	encForm      encoding = "form"
	encJSON      encoding = "json"
	encMultipart encoding = "multipart"
)

// apiAnswer is the Bot API envelope, decoded loosely.
type apiAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// rawCall calls the server with a plain HTTP client, to exercise encodings
// and methods (getUpdates) the go-telegram client keeps private.
func rawCall(ctx context.Context, t *testing.T, srv *Server, token, method string, enc encoding, params map[string]any) (int, apiAnswer) {
	t.Helper()
	status, a, err := rawDo(ctx, srv, token, method, enc, params)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return status, a
}

// rawDo is rawCall for goroutines, which must not call t.Fatal.
func rawDo(ctx context.Context, srv *Server, token, method string, enc encoding, params map[string]any) (int, apiAnswer, error) {
	var (
		body io.Reader
		ct   string
	)
	switch enc {
	case encJSON:
		b, err := json.Marshal(params)
		if err != nil {
			return 0, apiAnswer{}, err
		}
		body, ct = bytes.NewReader(b), "application/json"
	case encMultipart:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range params {
			if err := mw.WriteField(k, fieldText(v)); err != nil {
				return 0, apiAnswer{}, err
			}
		}
		if err := mw.Close(); err != nil {
			return 0, apiAnswer{}, err
		}
		body, ct = &buf, mw.FormDataContentType()
	default:
		vals := url.Values{}
		for k, v := range params {
			vals.Set(k, fieldText(v))
		}
		body, ct = strings.NewReader(vals.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/bot"+token+"/"+method, body)
	if err != nil {
		return 0, apiAnswer{}, err
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, apiAnswer{}, err
	}
	defer resp.Body.Close()
	var a apiAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return 0, apiAnswer{}, fmt.Errorf("decode answer: %w", err)
	}
	return resp.StatusCode, a, nil
}

// fieldText renders a param as a form field: strings as they are, anything
// else as JSON, like the Bot API expects.
func fieldText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v) // test params are plain values
	return string(b)
}

// waitPolls blocks until n getUpdates requests have started, so a test can
// act while a long poll is known to be waiting, without sleeping.
func waitPolls(ctx context.Context, t *testing.T, srv *Server, n uint64) {
	t.Helper()
	for {
		srv.mu.Lock()
		seq, ch := srv.pollSeq, srv.changed
		srv.mu.Unlock()
		if seq >= n {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("getUpdates #%d never started", n)
		}
	}
}

// pngBytes is a small valid PNG, like the diagnostic's charts.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fakeClock is a settable clock, safe for the server's goroutines.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func mustContain(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to contain %q", err, want)
	}
}

func ids(t *testing.T, a apiAnswer) []int64 {
	t.Helper()
	var ups []struct {
		ID int64 `json:"update_id"`
	}
	if err := json.Unmarshal(a.Result, &ups); err != nil {
		t.Fatalf("result %s: %v", a.Result, err)
	}
	out := make([]int64, 0, len(ups))
	for _, u := range ups {
		out = append(out, u.ID)
	}
	return out
}

func fmtIDs(v []int64) string { return fmt.Sprint(v) }
