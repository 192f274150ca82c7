package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
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

func TestCampaignCommand(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "c.db")
	qr := filepath.Join(dir, "qr.png")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"campaign", "create", "--db", dbPath, "--bot", "diagbot_bot", "--competences", "1.1,4.1", "--qr", qr, "Atelier", "mardi"}, nil, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	m := regexp.MustCompile(`code ([A-Z]{6}[2-9]{3})`).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "https://t.me/diagbot_bot?start="+m[1]) {
		t.Fatalf("output %q", out.String())
	}
	if data, err := os.ReadFile(qr); err != nil || len(data) < 100 {
		t.Fatalf("QR code not written: %v", err)
	}
	out.Reset()
	run(context.Background(), []string{"campaign", "list", "--db", dbPath}, nil, &out, &errOut)
	if !strings.Contains(out.String(), m[1]) || !strings.Contains(out.String(), "ouverte") || !strings.Contains(out.String(), "Atelier mardi") {
		t.Errorf("list: %q", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"campaign", "archive", "--db", dbPath, strings.ToLower(m[1])}, nil, &out, &errOut); code != 0 {
		t.Fatalf("archive: %s", errOut.String())
	}
	out.Reset()
	run(context.Background(), []string{"campaign", "list", "--db", dbPath}, nil, &out, &errOut)
	if !strings.Contains(out.String(), "archivée") {
		t.Errorf("list after archive: %q", out.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"campaign", "archive", "--db", dbPath, "NOPE"}, nil, &out, &errOut); code != 2 {
		t.Errorf("a malformed code exits %d", code)
	}
}
