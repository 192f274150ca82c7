package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/channels/telegram"
)

// serveLimited serves h on a loopback port with l, until the test ends.
func serveLimited(t *testing.T, h http.Handler, l serverLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(h, l)
	go srv.Serve(limitConns(ln, l.MaxConns))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// A client announces 100 KB and sends 13 bytes: the server cuts it off at
// its read deadline instead of waiting for ever.
func TestServerCutsOffASlowBody(t *testing.T) {
	read := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		read <- err
	})
	addr := serveLimited(t, h, serverLimits{ReadHeader: time.Second, Read: 300 * time.Millisecond, Write: time.Second, Idle: time.Second, MaxConns: 4})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 102400\r\n\r\nthirteen byte")
	start := time.Now()
	select {
	case err := <-read:
		if err == nil {
			t.Error("the handler read a whole body of 13 bytes announced as 100 KB")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server still waits for the body after 10 s")
	}
	// The connection is closed: reading it ends.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Errorf("the connection was not closed by the server: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cut off after %v", d)
	}
}

// No more than MaxConns connections are served at once; the next one is
// served when one closes.
func TestServerCapsConnections(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	addr := serveLimited(t, h, serverLimits{ReadHeader: 5 * time.Second, Read: 5 * time.Second, Write: 5 * time.Second, Idle: 5 * time.Second, MaxConns: 2})
	var held []net.Conn
	for range 2 { // two clients open a connection and say nothing
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	time.Sleep(100 * time.Millisecond)  // let the server accept them
	third, err := net.Dial("tcp", addr) // the kernel's backlog takes it
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	fmt.Fprintf(third, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := bufio.NewReader(third).ReadString('\n'); err == nil {
		t.Fatal("a third connection was served while two were held")
	}
	held[0].Close()
	_ = third.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(third).ReadString('\n')
	if err != nil || !strings.Contains(line, "200") {
		t.Errorf("once a slot was free the third connection got %q, %v", line, err)
	}
	held[1].Close()
}

// A flood of calls with a wrong secret: every one refused and counted, the
// log warned once per period, not once per call.
func TestWebhookRefusalsAreCountedNotLoggedEachTime(t *testing.T) {
	var logs bytes.Buffer
	now := time.Unix(1700000000, 0)
	recv := &telegram.Receiver{Log: zerolog.New(&logs), Now: func() time.Time { return now }}
	stored := 0
	h := recv.Webhook("0123456789abcdef-secret", func(context.Context, []telegram.Incoming) error { stored++; return nil })
	call := func(secret string) int {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"update_id":1,"message":{"message_id":1,"date":1700000000,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"Sam"},"text":"bonjour"}}`))
		if secret != "" {
			req.Header.Set(telegram.SecretHeader, secret)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for i := range 5000 { // 5,000 bad calls over 5 s
		if code := call(map[bool]string{true: "wrong"}[i%2 == 0]); code != http.StatusUnauthorized {
			t.Fatalf("call %d: HTTP %d", i, code)
		}
		now = now.Add(time.Millisecond)
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Errorf("%d log lines for 5,000 refusals in 5 s, want 1:\n%.500s", n, logs.String())
	}
	now = now.Add(telegram.RefusalWarnEvery)
	call("wrong")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], `"refused":5000`) {
		t.Errorf("after the period, want a second line counting the 5,000 refusals since the first:\n%s", logs.String())
	}
	if recv.Refused() != 5001 || stored != 0 {
		t.Errorf("refused %d (want 5001), stored %d (want 0)", recv.Refused(), stored)
	}
	if code := call("0123456789abcdef-secret"); code != http.StatusOK || stored != 1 {
		t.Errorf("the right secret: HTTP %d, stored %d", code, stored)
	}
}
