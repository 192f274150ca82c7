// Package console is the terminal channel: the whole conversation in a
// terminal, choices typed as numbers. It needs no token, so it is the
// embedded default and the way to try diagbot on a fresh machine.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine/bank"
)

// Console renders outputs to a writer and turns typed lines into inputs.
type Console struct {
	out     io.Writer
	mu      sync.Mutex
	buttons []dialog.ButtonView // of the last message shown with buttons
	menu    bool                // those buttons are a menu's, not a question's
	typeIn  bool                // the last question expects typed text
	shown   int                 // outputs shown, for tests waiting on output
	cond    *sync.Cond
	// pictures is the folder a question's picture path is relative to.
	pictures string
	files    string // where an output's files are written; "" = not written
}

// Option configures a Console.
type Option func(*Console)

// WithPictureDir says where the bank's files are on disk, so that a
// question's picture is shown as a path a person can open. The default is
// the embedded bank's folder in the repository, bank.SourceDir.
func WithPictureDir(dir string) Option { return func(c *Console) { c.pictures = dir } }

// New returns a console writing to out.
func New(out io.Writer, opts ...Option) *Console {
	c := &Console{out: out, pictures: bank.SourceDir}
	for _, o := range opts {
		o(c)
	}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// SaveFilesIn makes the console write the files an output carries (an
// attestation's PDF, PNG and credential) into dir, and print their paths.
func (c *Console) SaveFilesIn(dir string) *Console {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files = dir
	return c
}

// Show renders one output.
func (c *Console) Show(o dialog.Output) error {
	c.mu.Lock()
	defer func() { c.shown++; c.cond.Broadcast(); c.mu.Unlock() }()
	var b strings.Builder
	switch o.Kind {
	case dialog.OutQuestion:
		q := o.Question
		head, more, _ := strings.Cut(q.Header, "\n") // "Question 7 · ▓▓░", then "Encore 9 questions au plus"
		fmt.Fprintf(&b, "\n── %s ──\n", head)
		if more != "" {
			b.WriteString(more + "\n")
		}
		b.WriteString(q.Prompt + "\n")
		if q.Image != "" {
			// A terminal shows no picture: its text alternative says what
			// it shows, and the path lets a person open it.
			if q.Alt != "" {
				fmt.Fprintf(&b, "[image : %s]\n", q.Alt)
			}
			fmt.Fprintf(&b, "[fichier : %s]\n", path.Join(c.pictures, q.Image))
		}
		if q.Hint != "" {
			b.WriteString(q.Hint + "\n")
		}
		c.setButtons(&b, choiceButtons(q))
		c.typeIn, c.menu = q.TypeIn, false
	case dialog.OutAnswered:
		fmt.Fprintf(&b, "  → %s\n", o.Answered.Text)
		if !c.menu {
			// The question is answered: its buttons are gone, as a
			// channel with buttons removes them. A number typed after
			// the last question is text the dialog reads, not an old
			// choice ("this button is no longer valid").
			c.buttons, c.typeIn = c.buttons[:0], false
		}
	case dialog.OutResults:
		r := o.Results
		fmt.Fprintf(&b, "\n%s\n", r.Title)
		for _, a := range r.Areas { // the picture, as the terminal can draw it
			bar := strings.Repeat("█", a.Level) + strings.Repeat("·", 8-a.Level)
			fmt.Fprintf(&b, "  %s %d/8  %s\n", bar, a.Level, a.Plain)
		}
		fmt.Fprintf(&b, "\n%s\n", r.Summary)
		c.setButtons(&b, o.Buttons)
		c.typeIn, c.menu = false, true
	case dialog.OutExport:
		fmt.Fprintf(&b, "\n%s\n%s\n", o.Text, o.File)
	case dialog.OutAttestation:
		fmt.Fprintf(&b, "\n%s\n", o.Text)
		if err := c.saveFiles(&b, o.Files); err != nil {
			return err
		}
	default:
		fmt.Fprintf(&b, "\n%s\n", o.Text)
		switch {
		case len(o.Buttons) > 0:
			c.setButtons(&b, o.Buttons)
			c.typeIn, c.menu = false, true
		case c.menu:
			// A menu is over once a message without buttons follows it
			// ("1" must not press an old "Suivant"). A question's buttons
			// stay: the question is still asked under a short word such as
			// "tick a box first".
			c.buttons, c.menu = c.buttons[:0], false
		}
	}
	_, err := io.WriteString(c.out, b.String())
	return err
}

// saveFiles writes files into the console's folder, readable by the user
// alone (they hold a name), and lists their paths.
func (c *Console) saveFiles(b *strings.Builder, files []dialog.OutFile) error {
	if c.files == "" {
		for _, f := range files {
			fmt.Fprintf(b, "  📄 %s (%d octets)\n", f.Name, len(f.Data))
		}
		return nil
	}
	if err := os.MkdirAll(c.files, 0o700); err != nil {
		return fmt.Errorf("console: cannot create the folder %s for the files: %w", c.files, err)
	}
	for _, f := range files {
		path := filepath.Join(c.files, filepath.Base(f.Name))
		if err := os.WriteFile(path, f.Data, 0o600); err != nil {
			return fmt.Errorf("console: cannot write %s (check the folder is writable): %w", path, err)
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		fmt.Fprintf(b, "  📄 %s\n", path)
	}
	return nil
}

func (c *Console) setButtons(b *strings.Builder, rows [][]dialog.ButtonView) {
	c.buttons = c.buttons[:0]
	for _, row := range rows {
		for _, bt := range row {
			c.buttons = append(c.buttons, bt)
			fmt.Fprintf(b, "  [%d] %s\n", len(c.buttons), strings.TrimSpace(trimNumber(bt.Label)))
		}
	}
}

// choiceButtons is the question's buttons as the terminal lists them: where
// the choices are too long for a phone's buttons, the dialog lists them in
// the text with a button per number; the terminal has room, so each number
// button shows its choice.
func choiceButtons(q *dialog.QuestionView) [][]dialog.ButtonView {
	if len(q.Choices) == 0 {
		return q.Buttons
	}
	out := make([][]dialog.ButtonView, 0, len(q.Buttons))
	for _, row := range q.Buttons {
		r := make([]dialog.ButtonView, len(row))
		for i, bt := range row {
			r[i] = bt
			label := bt.Label
			box := ""
			for _, p := range []string{"☐ ", "✅ "} {
				if rest, ok := strings.CutPrefix(label, p); ok {
					box, label = p, rest
				}
			}
			if k, err := strconv.Atoi(label); err == nil && k >= 1 && k <= len(q.Choices) {
				r[i].Label = box + q.Choices[k-1]
			}
		}
		out = append(out, r)
	}
	return out
}

// trimNumber drops the "2. " a button label starts with: the console numbers
// buttons itself.
func trimNumber(label string) string {
	for _, box := range []string{"☐ ", "✅ "} {
		if rest, ok := strings.CutPrefix(label, box); ok {
			return box + trimNumber(rest)
		}
	}
	if i := strings.Index(label, ". "); i > 0 && i <= 2 {
		if _, err := strconv.Atoi(label[:i]); err == nil {
			return label[i+2:]
		}
	}
	return label
}

// Input turns a typed line into a dialog input: a number names a button of
// the last message (unless a typed answer is expected), "/…" is a command,
// anything else is text.
func (c *Console) Input(line string) dialog.Input {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := strings.TrimSpace(line)
	if n, err := strconv.Atoi(t); err == nil && !c.typeIn && n >= 1 && n <= len(c.buttons) {
		return dialog.Input{Kind: dialog.InButton, Data: c.buttons[n-1].Data}
	}
	return dialog.ParseText(line)
}

// Shown returns how many outputs were shown.
func (c *Console) Shown() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shown
}

// WaitShown blocks until at least n outputs were shown or ctx ends.
func (c *Console) WaitShown(ctx context.Context, n int) error {
	stop := context.AfterFunc(ctx, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.shown < n && ctx.Err() == nil {
		c.cond.Wait()
	}
	return ctx.Err()
}

// ReadLines calls handle for each line of in until EOF or ctx ends. A read
// blocked on a terminal does not hold up the end: ctx returns at once.
func ReadLines(ctx context.Context, in io.Reader, handle func(line string) error) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return err
		case line := <-lines:
			if err := handle(line); err != nil {
				return err
			}
		}
	}
}
