package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/diagbot/diagbot/bot/attest"
	"github.com/diagbot/diagbot/storage"
)

const (
	envAdminURL   = "DIAGBOT_ADMIN_URL"
	envAdminToken = "DIAGBOT_ADMIN_TOKEN"
)

// backupCmd writes a consistent copy of the database to FILE: from a running
// bot through its admin address, or straight from the file when no bot holds it.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("backup", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dbPath := fl.String("db", defaultDBPath(), "bbolt file, when the bot is stopped (env "+envDB+")")
	admin := fl.String("admin", os.Getenv(envAdminURL), "admin URL of a running bot, e.g. http://127.0.0.1:8081 (env "+envAdminURL+")")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	if fl.NArg() != 1 {
		return fmt.Errorf("backup needs the file to write: diagbot backup FILE: %w", errUsage)
	}
	out := fl.Arg(0)
	if *admin != "" {
		if err := backupFromAdmin(ctx, *admin, os.Getenv(envAdminToken), out); err != nil {
			return err
		}
	} else {
		db, err := storage.Open(*dbPath, storage.WithTimeout(time.Second))
		if errors.Is(err, storage.ErrLocked) {
			return fmt.Errorf("%w\nto copy a running bot, give its admin address: --admin URL (or %s) with %s", err, envAdminURL, envAdminToken)
		}
		if err != nil {
			return err
		}
		err = db.BackupFile(out)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if err := storage.Verify(out); err != nil {
		return err
	}
	st, _ := os.Stat(out)
	fmt.Fprintf(stdout, "backup written to %s (%d bytes), checked\n", out, st.Size())
	keys := attest.KeyPath(*dbPath)
	if *admin != "" {
		keys += " (on the bot's machine, beside its database)"
	}
	fmt.Fprintf(stdout, "the attestation signing keys are not in it: copy %s too, and keep that copy secret (mode 600): without it, issued attestations can no longer be verified\n", keys)
	return nil
}

func backupFromAdmin(ctx context.Context, base, token, out string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/backup", nil)
	if err != nil {
		return fmt.Errorf("admin URL %q: %w", base, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the bot's admin address %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("the bot refused the backup (%s): %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	tmp := out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot write the backup: %w", err)
	}
	_, err = io.Copy(f, resp.Body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup interrupted, nothing written to %s: %w", out, err)
	}
	return os.Rename(tmp, out)
}
