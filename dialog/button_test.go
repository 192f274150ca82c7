package dialog

import (
	"strings"
	"testing"
)

func TestButtonRoundTrip(t *testing.T) {
	tests := []Button{
		{Session: 1, Question: 1, Action: ActionPick(0)},
		{Session: ^uint32(0), Question: 999, Action: ActionToggle(5)},
		{Session: 42, Question: 7, Action: ActionSkip},
		{Session: 42, Question: 7, Action: ActionValidate},
		{Menu: "consent", Value: "yes"},
		{Menu: "lang", Value: "en"},
	}
	for _, b := range tests {
		data := b.Encode()
		if len(data) > MaxButtonData {
			t.Errorf("%+v encodes to %d bytes", b, len(data))
		}
		got, err := ParseButton(data)
		if err != nil || got != b {
			t.Errorf("ParseButton(%q) = %+v, %v; want %+v", data, got, err, b)
		}
	}
}

func TestParseButtonRejectsForged(t *testing.T) {
	for _, data := range []string{
		"", "a", "a:1:1", "a:1:0:0", "a:zzzzzzzzzz:1:0", "a:1:1:42", "a:1:1:t", "a:1:1:tx",
		"a:-1:1:0", "m:consent", "m::yes", "m:Consent:yes", "m:x:y:z", "x:1:1:0",
		strings.Repeat("a", 65), "m:consent:" + strings.Repeat("y", 30), "a:1:1:0\n",
	} {
		if b, err := ParseButton(data); err == nil {
			t.Errorf("ParseButton(%q) accepted: %+v", data, b)
		}
	}
}

func FuzzParseButton(f *testing.F) {
	f.Add("a:1:1:0")
	f.Add("a:zik0zj:rr:skip")
	f.Add("m:consent:yes")
	f.Fuzz(func(t *testing.T, data string) {
		b, err := ParseButton(data)
		if err != nil {
			return
		}
		// Whatever is accepted encodes back to a payload that parses the same.
		again, err := ParseButton(b.Encode())
		if err != nil || again != b || len(b.Encode()) > MaxButtonData {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", data, b, b.Encode(), again, err)
		}
	})
}
