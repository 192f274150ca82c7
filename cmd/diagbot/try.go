package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/bot"
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

func newLogger(w io.Writer, level string) (zerolog.Logger, error) {
	if level == "" {
		level = os.Getenv(envLogLevel)
	}
	if level == "" {
		level = "info"
	}
	l, err := zerolog.ParseLevel(level)
	if err != nil {
		return zerolog.Nop(), fmt.Errorf("log level %q: use debug, info, warn or error (%s): %w", level, envLogLevel, errUsage)
	}
	return zerolog.New(w).Level(l).With().Timestamp().Logger(), nil
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
	logLevel := fl.String("log-level", "warn", "debug, info, warn or error (env "+envLogLevel+")")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
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

	con := console.New(stdout)
	fu, err := followUpFromEnv()
	if err != nil {
		return err
	}
	b, err := bot.New(bot.Config{DB: db, Bank: bk, Engine: eng, Log: log, Shards: 1, FollowUp: fu,
		Senders: map[string]bot.Sender{consoleName: consoleSender{con}}})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	defer func() { stop(); <-done }()

	learnerID := consoleName + ":" + *learner
	var seq atomic.Int64
	base := time.Now().UnixNano()
	send := func(in dialog.Input) error {
		payload, err := json.Marshal(in)
		if err != nil {
			return err
		}
		key := fmt.Sprintf("%s:%d:%d", learnerID, base, seq.Add(1))
		if err := b.Receive(storage.Update{Key: key, Channel: consoleName, LearnerID: learnerID, Payload: payload}); err != nil {
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
