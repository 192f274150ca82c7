package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	randv2 "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/bot/attest"
	"github.com/diagbot/diagbot/channels/console"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// Settings read from the environment; flags override them. Defaults are
// named here, in one place.
const (
	envDB         = "DIAGBOT_DB"
	envLogLevel   = "DIAGBOT_LOG_LEVEL"
	defaultDBName = "diagbot.db"
	consoleName   = "console"
	// The terminal is the conversation: try logs only what went wrong.
	// A server logs what it does.
	defaultLogLevelTry = "warn"
	defaultLogLevelRun = "info"
)

// defaultDBPath is the bbolt file in the user's data directory:
// $XDG_DATA_HOME/diagbot/diagbot.db, else ~/.local/share/diagbot/diagbot.db.
func defaultDBPath() string {
	if p := os.Getenv(envDB); p != "" {
		return p
	}
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return defaultDBName
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "diagbot", defaultDBName)
}

// logLevel picks the log level: the --log-level flag when given, else
// DIAGBOT_LOG_LEVEL when set, else def (the command's default). A flag's own
// default must be "" so an unset flag leaves the choice to the environment.
func logLevel(flagValue, envValue, def string) (zerolog.Level, error) {
	level, from := flagValue, "--log-level"
	if strings.TrimSpace(level) == "" {
		level, from = envValue, envLogLevel
	}
	if strings.TrimSpace(level) == "" {
		level, from = def, "default"
	}
	switch l := strings.ToLower(strings.TrimSpace(level)); l {
	case "debug", "info", "warn", "error":
		return zerolog.ParseLevel(l)
	}
	return zerolog.NoLevel, fmt.Errorf("log level %q (%s): use debug, info, warn or error: %w", level, from, errUsage)
}

// newLogger writes JSON logs to w at the level logLevel picks. Workers,
// dispatchers and the scheduler log at once: w gets one whole line at a time.
func newLogger(w io.Writer, flagValue, def string) (zerolog.Logger, error) {
	l, err := logLevel(flagValue, os.Getenv(envLogLevel), def)
	if err != nil {
		return zerolog.Nop(), err
	}
	return zerolog.New(zerolog.SyncWriter(w)).Level(l).With().Timestamp().Logger(), nil
}

// loadEngine loads the embedded bank and builds the engine.
func loadEngine() (*bank.Bank, *engine.Engine, error) {
	b, err := bank.Load(bank.Embedded())
	if err != nil {
		return nil, nil, err
	}
	e, err := engine.New(b.EngineItems(), engine.Options{})
	return b, e, err
}

// consoleSender shows outbox messages in the terminal.
type consoleSender struct{ c *console.Console }

func (s consoleSender) Send(_ context.Context, m storage.Message) (string, error) {
	if m.Kind == bot.KindResultsChart {
		return "", nil // a terminal shows the levels as a table, with the text
	}
	var o dialog.Output
	if err := json.Unmarshal(m.Payload, &o); err != nil {
		return "", fmt.Errorf("outbox message %d is not a dialog output: %w", m.ID, err)
	}
	return "", s.c.Show(o)
}

func tryCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("try", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dbPath := fl.String("db", defaultDBPath(), "bbolt file (env "+envDB+")")
	learner := fl.String("learner", "local", "learner name in this file (several people can share one file)")
	level := fl.String("log-level", "", "debug, info, warn or error (env "+envLogLevel+", default "+defaultLogLevelTry+")")
	files := fl.String("files", "", "folder where files sent to the learner (an attestation) are written (default: fichiers/ beside the database)")
	seed := fl.Uint64("seed", 0, "the same questions for the same answers, to check content or script a test (0: new ones each time)")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	log, err := newLogger(stderr, *level, defaultLogLevelTry)
	if err != nil {
		return err
	}
	if *files == "" {
		*files = filepath.Join(filepath.Dir(*dbPath), "fichiers")
	}
	bk, eng, err := loadEngine()
	if err != nil {
		return err
	}
	db, err := storage.Open(*dbPath, storage.WithLogger(log))
	if err != nil {
		return err
	}
	defer db.Close()

	con := console.New(stdout).SaveFilesIn(*files)
	// The key is made only if the learner asks for an attestation.
	keyPath := attest.KeyPath(*dbPath)
	issuer, err := attest.NewIssuer(attestSettings(defaultTryPublicURL), attest.LazyKeys(keyPath, 0, func() {
		log.Info().Str("path", keyPath).Msg("attestation signing key created: back this file up with the database")
	}))
	if err != nil {
		return fmt.Errorf("%v: set %s (and %s)", err, envPublicURL, envIssuerName)
	}
	fu, err := followUpFromEnv()
	if err != nil {
		return err
	}
	b, err := bot.New(bot.Config{DB: db, Bank: bk, Engine: eng, Log: log, Shards: 1, FollowUp: fu, Random: seeded(*seed), Attest: issuer, NoAdvisor: true,
		Senders: map[string]bot.Sender{consoleName: consoleSender{con}}})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	defer func() { stop(); <-done }()

	learnerID := consoleName + ":" + *learner
	send := func(in dialog.Input) error {
		payload, err := json.Marshal(in)
		if err != nil {
			return err
		}
		if err := b.Receive(storage.Update{Key: consoleUpdateKey(), Channel: consoleName, LearnerID: learnerID, Payload: payload}); err != nil {
			return err
		}
		return settle(ctx, db)
	}
	// Coming back resumes where the learner was; a newcomer starts.
	first := dialog.Input{Kind: dialog.InCommand, Command: "start"}
	if _, found, err := db.Session(learnerID); err != nil {
		return err
	} else if found {
		first = dialog.Input{Kind: dialog.InCommand, Command: "reprendre"}
	}
	fmt.Fprintf(stdout, "diagbot — %s (Ctrl-D pour quitter, vos réponses sont gardées)\n", *dbPath)
	if err := send(first); err != nil {
		return err
	}
	err = console.ReadLines(ctx, stdin, func(line string) error { return send(con.Input(line)) })
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// seeded returns the bot's randomness drawn from seed, so a diagnostic
// asks the same questions for the same answers; nil (the bot's own,
// crypto/rand) for 0.
func seeded(seed uint64) func() uint64 {
	if seed == 0 {
		return nil
	}
	var mu sync.Mutex // the bot's workers draw at once
	r := randv2.New(randv2.NewPCG(seed, seed))
	return func() uint64 {
		mu.Lock()
		defer mu.Unlock()
		return r.Uint64()
	}
}

// consoleUpdateKey names one typed line. Handled keys stay in the file for
// weeks after /supprimer (the "seen" bucket makes a replay a no-op), so a key
// holds nothing about the learner: 128 random bits, unique across runs of
// try on the same file, so a new line is never taken for a replay.
func consoleUpdateKey() string { return consoleName + ":" + rand.Text() }

// settle waits until the turn is handled and its messages shown, so the
// terminal reads like a conversation (and scripts are deterministic).
func settle(ctx context.Context, db *storage.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		pending, err := db.Inbox(1)
		if err != nil {
			return err
		}
		depth, err := db.OutboxDepth(consoleName)
		if err != nil {
			return err
		}
		if len(pending) == 0 && depth == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Millisecond):
		}
	}
	return errors.New("the bot did not answer within 10 s: see the log (DIAGBOT_LOG_LEVEL=debug)")
}
