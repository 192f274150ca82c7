package telegramtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// FaultKind is the way a faulty call fails.
type FaultKind int

// The fault kinds, each reproducing something Telegram or the network does.
const (
	// TooManyRequests answers 429 "Too Many Requests: retry after N" with
	// parameters.retry_after = N (Fault.RetryAfter, at least 1), as Telegram
	// does when the bot exceeds its per-chat or global flood limits.
	TooManyRequests FaultKind = iota + 1
	// Forbidden answers 403 "Forbidden: bot was blocked by the user".
	Forbidden
	// ServerError answers 500 "Internal Server Error".
	ServerError
	// Drop closes the connection without answering, like a network cut
	// after the request was sent: the bot cannot know whether it took effect.
	Drop
	// Delay waits Fault.D before handling the call normally. If the client
	// gives up first, nothing is answered and the call is recorded with
	// Status 0.
	Delay
)

func (k FaultKind) String() string {
	switch k {
	case TooManyRequests:
		return "TooManyRequests"
	case Forbidden:
		return "Forbidden"
	case ServerError:
		return "ServerError"
	case Drop:
		return "Drop"
	case Delay:
		return "Delay"
	}
	return "FaultKind(?)"
}

// Fault describes calls to break. Faults are matched in the order they were
// queued; the first that matches a call is used and consumed.
type Fault struct {
	Method string // method to break, case-insensitive; "" matches any
	ChatID int64  // chat to break; 0 matches any
	// Times is how many matching calls fail: 0 means once, a negative value
	// means every matching call until ClearFaults.
	Times      int
	Kind       FaultKind
	RetryAfter int           // seconds, for TooManyRequests
	D          time.Duration // for Delay
}

type faultEntry struct {
	f    Fault
	left int // < 0: forever
}

// Fail queues a fault.
func (s *Server) Fail(f Fault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultEntry{f: f, left: left})
}

// ClearFaults removes every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault consumes the first fault matching c.
func (s *Server) takeFault(c Call) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.faults {
		if e.f.Method != "" && !strings.EqualFold(e.f.Method, c.Method) {
			continue
		}
		if e.f.ChatID != 0 && e.f.ChatID != c.ChatID {
			continue
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return e.f, true
	}
	return Fault{}, false
}

// HandlerFunc answers a call in place of the built-in method. body is
// JSON-encoded as the whole response body, except []byte and json.RawMessage,
// which are written as they are; see [OK] and [APIError] for the envelopes.
// A zero status means 200 and a nil body means OK(true).
type HandlerFunc func(c Call) (status int, body any)

// SetHandler overrides a method (case-insensitive); a nil h restores the
// built-in behaviour. Overrides run after faults and outside the server lock,
// so they may call Server methods. They change no server state: a sendMessage
// answered by an override does not appear in Sent.
func (s *Server) SetHandler(method string, h HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.handlers, strings.ToLower(method))
		return
	}
	s.handlers[strings.ToLower(method)] = h
}

// OK is the success envelope {"ok":true,"result":result}.
func OK(result any) any { return apiResponse{OK: true, Result: result} }

// APIError is the failure envelope Telegram answers with, e.g.
// APIError(400, "Bad Request: chat not found").
func APIError(code int, description string) any {
	return apiResponse{ErrorCode: code, Description: description}
}

func overrideReply(status int, body any) reply {
	if status == 0 {
		status = http.StatusOK
	}
	if body == nil {
		body = OK(true)
	}
	var raw []byte
	switch b := body.(type) {
	case []byte:
		raw = b
	case json.RawMessage:
		raw = b
	default:
		raw = mustJSON(body)
	}
	rep := reply{status: status, body: raw}
	var probe apiResponse
	if json.Unmarshal(raw, &probe) == nil {
		rep.desc = probe.Description
	}
	return rep
}
