package dialog

import (
	"fmt"
	"strconv"
	"strings"
)

// Button is what a pressed button means. Channels carry it as an opaque
// string (Telegram callback_data, at most 64 bytes); Encode and ParseButton
// are the only places that know the format:
//
//	a:<session>:<question>:<action>   an answer to question number <question>
//	                                  of session <session> (both base 36)
//	m:<menu>:<value>                  any other choice (consent, language …)
//
// The session nonce changes at each new diagnostic and the question number at
// each question, so a stale, replayed or forged button is recognised and
// answered without recording anything.
type Button struct {
	Session  uint32 // session nonce (answer buttons)
	Question int    // question number, from 1 (answer buttons)
	Action   string // answer: "0"…"9" pick, "t0"…"t9" toggle, "ok" validate, "skip" Je ne sais pas
	Menu     string // menu buttons: which menu
	Value    string // menu buttons: the value chosen
}

// Answer actions.
const (
	ActionValidate = "ok"
	ActionSkip     = "skip"
)

// ActionPick returns the action of picking choice i (0-based).
func ActionPick(i int) string { return strconv.Itoa(i) }

// ActionToggle returns the action of ticking or unticking choice i.
func ActionToggle(i int) string { return "t" + strconv.Itoa(i) }

// MaxButtonData is the longest payload a channel must carry (Telegram's limit).
const MaxButtonData = 64

// Encode returns the payload of the button.
func (b Button) Encode() string {
	if b.Menu != "" {
		return "m:" + b.Menu + ":" + b.Value
	}
	return "a:" + strconv.FormatUint(uint64(b.Session), 36) + ":" + strconv.FormatInt(int64(b.Question), 36) + ":" + b.Action
}

// ParseButton reads a payload produced by Encode. Anything else — a forged,
// truncated or oversized payload — is an error.
func ParseButton(s string) (Button, error) {
	if len(s) == 0 || len(s) > MaxButtonData {
		return Button{}, fmt.Errorf("button data of %d bytes", len(s))
	}
	parts := strings.Split(s, ":")
	switch {
	case parts[0] == "m" && len(parts) == 3 && token(parts[1]) && token(parts[2]):
		return Button{Menu: parts[1], Value: parts[2]}, nil
	case parts[0] == "a" && len(parts) == 4:
		sess, err1 := strconv.ParseUint(parts[1], 36, 32)
		q, err2 := strconv.ParseUint(parts[2], 36, 16)
		if err1 != nil || err2 != nil || q == 0 || !validAction(parts[3]) {
			break
		}
		return Button{Session: uint32(sess), Question: int(q), Action: parts[3]}, nil
	}
	return Button{}, fmt.Errorf("unknown button data %q", s)
}

func token(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func validAction(a string) bool {
	switch {
	case a == ActionValidate || a == ActionSkip:
		return true
	case len(a) == 1:
		return a[0] >= '0' && a[0] <= '9'
	case len(a) == 2 && a[0] == 't':
		return a[1] >= '0' && a[1] <= '9'
	}
	return false
}

// AnswerButtons returns the payloads of every answer button of a question
// with n choices (n ≤ 10), as the worst case for the content check.
func AnswerButtons(session uint32, question, n int, multiple bool) []string {
	var out []string
	for i := 0; i < n; i++ {
		act := ActionPick(i)
		if multiple {
			act = ActionToggle(i)
		}
		out = append(out, Button{Session: session, Question: question, Action: act}.Encode())
	}
	out = append(out, Button{Session: session, Question: question, Action: ActionSkip}.Encode())
	if multiple {
		out = append(out, Button{Session: session, Question: question, Action: ActionValidate}.Encode())
	}
	return out
}
