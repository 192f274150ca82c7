package attest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds the verifier's parsing whatever a .jwt file may hold: it
// must refuse with an *Error, never panic, and never accept a token that is
// not the one signed.
func FuzzVerify(f *testing.F) {
	e := newEnv(f)
	_, is := e.issueFor(f, "telegram:1", "Yanis Benali")
	parts := strings.Split(is.JWT, ".")
	for _, seed := range []string{is.JWT, "", ".", "..", "a.b.c", parts[0] + ".." + parts[2], parts[0] + "." + parts[1] + ".",
		"eyJhbGciOiJub25lIn0.e30.", is.JWT + "\n", strings.Repeat("A", 1000) + "." + parts[1] + "." + parts[2]} {
		f.Add(seed)
	}
	v := Verifier{Keys: e.issuer.Keys, Now: func() time.Time { return t0.Add(time.Hour) }}
	f.Fuzz(func(t *testing.T, token string) {
		out, err := v.Verify(context.Background(), token)
		if err != nil {
			var ve *Error
			if !asError(err, &ve) || ve.Msg == "" {
				t.Fatalf("error %v is not a verification error with a message", err)
			}
			return
		}
		if strings.TrimSpace(token) != is.JWT || out == nil {
			t.Fatalf("accepted a token that was not signed: %q", token)
		}
	})
}
