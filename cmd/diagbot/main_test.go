package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDefaultCommand: a command line without a command runs the default one,
// so the usage line "diagbot [try] [--db FILE]" can be read literally.
func TestDefaultCommand(t *testing.T) {
	tests := []struct {
		token string
		args  []string
		want  []string
	}{
		{"", nil, []string{"try"}},
		{"", []string{"--db", "f.db"}, []string{"try", "--db", "f.db"}},
		{"", []string{"-db=f.db", "--learner", "marie"}, []string{"try", "-db=f.db", "--learner", "marie"}},
		{"", []string{"try", "--db", "f.db"}, []string{"try", "--db", "f.db"}},
		{"", []string{"content", "check"}, []string{"content", "check"}},
		{"", []string{"-h"}, []string{"-h"}},
		{"", []string{"--help"}, []string{"--help"}},
		{"123:abc", nil, []string{"run"}},
		{"123:abc", []string{"--db", "f.db"}, []string{"run", "--db", "f.db"}},
		{"123:abc", []string{"try"}, []string{"try"}},
	}
	for _, tt := range tests {
		t.Setenv(envTelegramToken, tt.token)
		if got := withDefaultCommand(tt.args); !slices.Equal(got, tt.want) {
			t.Errorf("token %q, args %q: got %q, want %q", tt.token, tt.args, got, tt.want)
		}
	}
}

// TestFlagsWithoutCommand: `diagbot --db F` takes the diagnostic on F.
func TestFlagsWithoutCommand(t *testing.T) {
	t.Setenv(envTelegramToken, "")
	db := filepath.Join(t.TempDir(), "flags-only.db")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--db", db}, strings.NewReader("1\n"), &out, &errOut); code != 0 {
		t.Fatalf("diagbot --db %s: exit %d: %s", db, code, errOut.String())
	}
	if !strings.Contains(out.String(), "Avant de commencer") || !strings.Contains(out.String(), "Question 1 ·") {
		t.Errorf("diagbot --db F did not run the diagnostic:\n%s", out.String())
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("the state is not in --db: %v", err)
	}
	out.Reset()
	if code := run(context.Background(), []string{"-h"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "diagbot [try] [--db FILE]") {
		t.Errorf("-h: exit %d:\n%s", code, out.String())
	}
}
