package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// TestLogLevel: the flag wins over DIAGBOT_LOG_LEVEL, which wins over the
// command's default; a wrong value names where it came from.
func TestLogLevel(t *testing.T) {
	tests := []struct {
		flag, env, def string
		want           zerolog.Level
		wantErr        string // part of the error; "" for none
	}{
		{"", "", "warn", zerolog.WarnLevel, ""},
		{"", "", "info", zerolog.InfoLevel, ""},
		{"", "debug", "warn", zerolog.DebugLevel, ""},
		{"", "error", "info", zerolog.ErrorLevel, ""},
		{"info", "debug", "warn", zerolog.InfoLevel, ""},
		{"debug", "", "warn", zerolog.DebugLevel, ""},
		{"", " DEBUG ", "warn", zerolog.DebugLevel, ""},
		{"  ", "info", "warn", zerolog.InfoLevel, ""},
		{"", "loud", "warn", zerolog.NoLevel, envLogLevel},
		{"loud", "debug", "warn", zerolog.NoLevel, "--log-level"},
		{"", "trace", "warn", zerolog.NoLevel, "use debug, info, warn or error"},
	}
	for _, tt := range tests {
		got, err := logLevel(tt.flag, tt.env, tt.def)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("logLevel(%q, %q, %q): %v", tt.flag, tt.env, tt.def, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, errUsage)):
			t.Errorf("logLevel(%q, %q, %q) error = %v, want one naming %q", tt.flag, tt.env, tt.def, err, tt.wantErr)
		case err == nil && got != tt.want:
			t.Errorf("logLevel(%q, %q, %q) = %v, want %v", tt.flag, tt.env, tt.def, got, tt.want)
		}
	}
}

// TestTryLogLevelFromEnv: `diagbot try` reads DIAGBOT_LOG_LEVEL (its timeout
// message tells the user to set it), and --log-level overrides it.
func TestTryLogLevelFromEnv(t *testing.T) {
	tests := []struct {
		env   string
		args  []string
		debug bool // debug lines expected on stderr
		code  int
	}{
		{"", nil, false, 0},
		{"debug", nil, true, 0},
		{"debug", []string{"--log-level", "warn"}, false, 0},
		{"", []string{"--log-level", "debug"}, true, 0},
		{"chatty", nil, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.env+strings.Join(tt.args, ""), func(t *testing.T) {
			t.Setenv(envLogLevel, tt.env)
			args := append([]string{"try", "--db", filepath.Join(t.TempDir(), "d.db")}, tt.args...)
			var out, errOut bytes.Buffer
			code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errOut.String())
			}
			if got := strings.Contains(errOut.String(), `"level":"debug"`); got != tt.debug {
				t.Errorf("debug lines on stderr: %v, want %v:\n%s", got, tt.debug, errOut.String())
			}
			if tt.code == 2 && !strings.Contains(errOut.String(), envLogLevel) {
				t.Errorf("a wrong %s is not named in the error:\n%s", envLogLevel, errOut.String())
			}
		})
	}
}
