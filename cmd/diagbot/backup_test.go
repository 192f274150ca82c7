package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/storage"
)

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "d.db")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"try", "--db", dbPath}, strings.NewReader("1\n2\n"), &out, &errOut); code != 0 {
		t.Fatalf("try: %s", errOut.String())
	}
	t.Run("stopped bot: from the file", func(t *testing.T) {
		var out, errOut bytes.Buffer
		copyPath := filepath.Join(dir, "copy1.db")
		if code := run(context.Background(), []string{"backup", "--db", dbPath, copyPath}, nil, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		db, err := storage.Open(copyPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, ok, _ := db.Session("console:local"); !ok {
			t.Error("the copy lacks the learner's session")
		}
	})

	db, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Run("running bot without admin: clear error", func(t *testing.T) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"backup", "--db", dbPath, filepath.Join(dir, "x.db")}, nil, &out, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), dbPath) || !strings.Contains(errOut.String(), "--admin") {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	})
	srv := httptest.NewServer(bot.AdminHandler(db, "s3cret", nil))
	defer srv.Close()
	t.Run("running bot: hot copy through the admin address", func(t *testing.T) {
		t.Setenv(envAdminToken, "s3cret")
		var out, errOut bytes.Buffer
		copyPath := filepath.Join(dir, "copy2.db")
		if code := run(context.Background(), []string{"backup", "--admin", srv.URL, copyPath}, nil, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		if !strings.Contains(out.String(), "checked") {
			t.Errorf("output %q", out.String())
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		t.Setenv(envAdminToken, "nope")
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"backup", "--admin", srv.URL, filepath.Join(dir, "copy3.db")}, nil, &out, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), "401") {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	})
}
