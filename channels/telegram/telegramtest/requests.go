package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// Reading a Bot API request and writing its reply as Telegram does.

// splitPath takes "/bot<token>/<method>" (or ".../test/<method>", the test
// environment layout) apart.
func splitPath(p string) (token, method string, ok bool) {
	rest, found := strings.CutPrefix(p, "/bot")
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 2:
		return parts[0], parts[1], parts[0] != "" && parts[1] != ""
	case len(parts) == 3 && parts[1] == "test":
		return parts[0], parts[2], parts[0] != "" && parts[2] != ""
	}
	return "", "", false
}

// request is a parsed API call.
type request struct {
	params    map[string]string
	files     map[string][]byte
	fileNames map[string]string
}

// parseRequest reads the query string and a multipart, urlencoded or JSON body
// into flat string params, as the Bot API does: JSON values that are not
// strings keep their JSON text, so reply_markup reads the same in every
// encoding.
func parseRequest(r *http.Request) (*request, error) {
	req := &request{params: map[string]string{}}
	for k, v := range r.URL.Query() {
		req.params[k] = v[0]
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return req, nil // go-telegram sends an empty multipart body when a method has no params
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("multipart: %w", err)
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return nil, fmt.Errorf("multipart part %q: %w", part.FormName(), err)
			}
			if part.FileName() != "" {
				if req.files == nil {
					req.files = map[string][]byte{}
					req.fileNames = map[string]string{}
				}
				req.files[part.FormName()] = data
				req.fileNames[part.FormName()] = part.FileName()
				continue
			}
			req.params[part.FormName()] = string(data)
		}
	case "application/json":
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return nil, fmt.Errorf("json body: %w", err)
		}
		for k, raw := range fields {
			var str string
			if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
				req.params[k] = str
				continue
			}
			req.params[k] = string(raw)
		}
	default: // application/x-www-form-urlencoded, or no content type
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("form body: %w", err)
		}
		for k, v := range vals {
			req.params[k] = v[0]
		}
	}
	return req, nil
}

// reply is an answer ready to be written.
type reply struct {
	status int
	body   []byte
	desc   string
}

type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      any             `json:"result,omitempty"`
	ErrorCode   int             `json:"error_code,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  *responseParams `json:"parameters,omitempty"`
}

type responseParams struct {
	RetryAfter      int   `json:"retry_after,omitempty"`
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own values are marshalled here; failing loudly beats
		// answering the client with a half-written body.
		panic(fmt.Sprintf("telegramtest: marshal answer: %v", err))
	}
	return b
}

func okReply(result any) reply {
	return reply{status: http.StatusOK, body: mustJSON(apiResponse{OK: true, Result: result})}
}

func okReplyDesc(result any, desc string) reply {
	return reply{status: http.StatusOK, body: mustJSON(apiResponse{OK: true, Result: result, Description: desc})}
}

func errReply(code int, desc string) reply {
	return reply{status: code, desc: desc, body: mustJSON(apiResponse{ErrorCode: code, Description: desc})}
}

func badRequest(desc string) reply {
	return errReply(http.StatusBadRequest, "Bad Request: "+desc)
}
