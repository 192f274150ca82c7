package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// envCalibration names the calibration file the bot loads at start (made by
// `diagbot calibrate`); unset: the authored parameters.
const envCalibration = "DIAGBOT_CALIBRATION"

// engineOptions are the engine's options from the environment: the
// calibration file, when DIAGBOT_CALIBRATION names one.
func engineOptions() (engine.Options, error) {
	path := os.Getenv(envCalibration)
	if path == "" {
		return engine.Options{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return engine.Options{}, fmt.Errorf("%s: cannot read the calibration file: %w", envCalibration, err)
	}
	cal, err := engine.ParseCalibration(data)
	if err != nil {
		return engine.Options{}, fmt.Errorf("%s=%s: %w", envCalibration, path, err)
	}
	return engine.Options{Calibration: &cal}, nil
}

// loadBankDir loads the bank in dir, or the embedded one when dir is "".
func loadBankDir(dir string) (*bank.Bank, error) {
	fsys, _, err := bankFS(dir)
	if err != nil {
		return nil, err
	}
	return bank.Load(fsys)
}

// logLine is one answer of an exported log: JSON lines, a learner's answers
// together (storage.Answer's fields; others are ignored).
type logLine struct {
	LearnerID string `json:"learner_id"`
	Item      string `json:"item"`
	Correct   bool   `json:"correct"`
	Skipped   bool   `json:"skipped"`
	Lang      string `json:"lang"` // the language the question was shown in ("fr", "en"); may be absent
}

// fileSource streams an exported log, one learner (a run of lines with the
// same learner_id) at a time, reading the file again on every pass.
func fileSource(ctx context.Context, path string) engine.CalibrationSource {
	return func(yield func([]engine.Response) error) error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("cannot open the answer log: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		var cur string
		var answers []engine.Response
		for n := 1; sc.Scan(); n++ {
			if n%100_000 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			var l logLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				return fmt.Errorf("%s line %d: %w", path, n, err)
			}
			if l.LearnerID != cur && len(answers) > 0 {
				if err := yield(answers); err != nil {
					return err
				}
				answers = answers[:0]
			}
			cur = l.LearnerID
			answers = append(answers, engine.Response{Item: l.Item, Correct: l.Correct, Skipped: l.Skipped, Lang: l.Lang})
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		if len(answers) > 0 {
			return yield(answers)
		}
		return nil
	}
}

// dbSource streams the answer log of the database.
func dbSource(ctx context.Context, db *storage.DB) engine.CalibrationSource {
	return func(yield func([]engine.Response) error) error {
		var rs []engine.Response
		return db.EachLearnerAnswers(func(_ string, answers []storage.Answer) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			rs = rs[:0]
			for _, a := range answers {
				rs = append(rs, engine.Response{Item: a.Item, Correct: a.Correct, Skipped: a.Skipped, Lang: a.Lang})
			}
			return yield(rs)
		})
	}
}

func calibrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dbPath := fl.String("db", "", "the bot's database (its answer log); or --log")
	logPath := fl.String("log", "", "an exported answer log: JSON lines with learner_id, item, correct, skipped, a learner's answers together")
	out := fl.String("out", "", "the calibration file to write (default: calibration-YYYY-MM-DD.json)")
	rho := fl.Float64("rho", engine.DefaultRho, "the correlation the engine assumes")
	dir := fl.String("bank", "", "question bank directory (default: the embedded bank)")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	if (*dbPath == "") == (*logPath == "") {
		return fmt.Errorf("give the answers with --db FILE or --log FILE (one of them): %w", errUsage)
	}
	b, err := loadBankDir(*dir)
	if err != nil {
		return err
	}
	src := fileSource(ctx, *logPath)
	if *dbPath != "" {
		db, err := storage.Open(*dbPath, storage.WithTimeout(time.Second))
		if err != nil {
			return err
		}
		defer db.Close()
		src = dbSource(ctx, db)
	}
	now := time.Now().UTC()
	progress := newCalProgress(stderr, time.Now)
	cal, err := engine.Calibrate(b.EngineItems(), progress.source(src), engine.CalibrationOptions{Rho: *rho, Progress: progress.passDone})
	progress.finish()
	if err != nil {
		return err
	}
	cal.Created = now.Format(time.RFC3339)
	if *out == "" {
		*out = "calibration-" + now.Format("2006-01-02") + ".json"
	}
	data, err := json.MarshalIndent(cal, "", "  ")
	if err != nil {
		return err
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write the calibration file: %w", err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		return fmt.Errorf("cannot write the calibration file: %w", err)
	}
	printCalibration(stdout, cal)
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(stdout, "\nwritten to %s: the bot uses it with %s=%s\n", *out, envCalibration, abs)
	return nil
}

// printCalibration shows, per item with answers, authored against fitted
// values, and the flags.
func printCalibration(w io.Writer, cal engine.Calibration) {
	fmt.Fprintf(w, "%d learners, %d answers, %d passes (converged: %v)\n\n", cal.Learners, cal.Answers, cal.Passes, cal.Converged)
	fmt.Fprintf(w, "%-28s %6s %5s %13s %13s %11s  %s\n", "item", "n", "right", "a (authored)", "b (authored)", "infit/outfit", "flags")
	flagged := 0
	for _, ci := range cal.Items {
		if ci.N == 0 {
			continue
		}
		fmt.Fprintf(w, "%-28s %6d %4.0f%% %5.2f (%5.2f) %5.2f (%5.2f) %5.2f/%5.2f  %v\n", ci.ID, ci.N, 100*float64(ci.Correct)/float64(ci.N),
			ci.A, ci.AuthoredA, ci.B, ci.AuthoredB, ci.Infit, ci.Outfit, ci.Flags)
		if len(ci.Flags) > 0 {
			flagged++
		}
	}
	fmt.Fprintf(w, "\n%d items flagged: key_suspect (able learners fail it more), low_a (a < 0.5), re_level (b more than 1.5 levels from its level), misfit (infit/outfit outside 0.7–1.3), language (harder in one language than in the other at equal ability)\n", flagged)
}
