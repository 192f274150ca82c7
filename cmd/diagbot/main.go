// Command diagbot runs the diagbot digital-skills diagnostic and its tools.
//
//	diagbot [try] [--db FILE]     the diagnostic in the terminal (the default)
//	diagbot run                   serve Telegram (the default with DIAGBOT_TELEGRAM_TOKEN)
//	diagbot content check [DIR]   validate a question bank (the embedded one by default)
//	diagbot content export --json print every item, lesson and glossary term
//	diagbot content images [DIR]  draw the pictures described by `screen:`
//	diagbot simulate [flags]      measure the measure on simulated learners
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `diagbot — a digital-skills diagnostic in a chat

Usage:
  diagbot [try] [--db FILE]       take the diagnostic in this terminal (state kept in a bbolt file;
                                  --seed N: the same questions for the same answers)
  diagbot run [--db FILE]         serve Telegram (DIAGBOT_TELEGRAM_TOKEN; polling, or webhook with DIAGBOT_WEBHOOK_URL);
                                  with that token set, diagbot alone (or with flags only) runs this
  diagbot campaign create|list|archive|stats|export|learner   campaigns: on the file, or --admin URL with the bot running
  diagbot lieux import FILE       places of digital mediation (national schema, CSV or JSON) into the file;
                                  --source NAME (default: the file's name; importing it again replaces them), --check
  diagbot lieux near POSTCODE     the places a learner there would be proposed (--competences 4.1,2.1, --at, --lang)
  diagbot backup FILE             a consistent copy of the database (--db, or --admin URL of a running bot)
  diagbot attestation verify FILE|CODE [--url URL]   verify an attestation: a .jwt file (offline, against the
                                  key file beside --db, or against the bot at --url), or a code against the bot at --url
  diagbot attestation rotate-key  a new signing key; the old ones stay published (restart the bot after)
  diagbot content check [DIR]     check a question bank (default: the embedded one)
  diagbot content export --json   the whole bank as JSON: {"items", "lessons", "glossary"}, every field
  diagbot content images [DIR]    draw every item's screen picture into DIR/images/
                                  (default: engine/bank/items)
  diagbot simulate [flags]        simulated learners take the diagnostic (see -h)
  diagbot calibrate --db FILE|--log FILE   fit every item's a and b from the answers (DIAGBOT_CALIBRATION loads it)
  diagbot help                    this text
`

// errUsage marks a command line the user must correct; main prints usage.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// withDefaultCommand puts the default command before a command line that
// names none ("diagbot", "diagbot --db F"): `run` when a Telegram token is
// set, else `try`, the terminal. Help stays help.
func withDefaultCommand(args []string) []string {
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || isHelp(args[0])) {
		return args
	}
	cmd := "try" // no channel configured: the terminal
	if os.Getenv(envTelegramToken) != "" {
		cmd = "run"
	}
	return append([]string{cmd}, args...)
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	args = withDefaultCommand(args)
	var err error
	switch args[0] {
	case "try":
		err = tryCmd(ctx, args[1:], stdin, stdout, stderr)
	case "run":
		err = runCmd(ctx, args[1:], stderr)
	case "campaign":
		err = campaignCmd(ctx, args[1:], stdout, stderr)
	case "backup":
		err = backupCmd(ctx, args[1:], stdout, stderr)
	case "lieux", "places":
		err = lieuxCmd(args[1:], stdout, stderr)
	case "content":
		err = contentCmd(args[1:], stdout, stderr)
	case "attestation":
		err = attestationCmd(ctx, args[1:], stdout, stderr)
	case "simulate":
		err = simulateCmd(ctx, args[1:], stdin, stdout, stderr)
	case "calibrate":
		err = calibrateCmd(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help": // isHelp
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "diagbot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "diagbot: %v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "diagbot: %v\n", err)
		return 1
	}
}
