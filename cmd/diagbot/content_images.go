package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"

	"github.com/diagbot/diagbot/engine/bank"
	screenpic "github.com/diagbot/diagbot/engine/bank/screen"
)

// contentImages draws the picture of every item with `screen:` into
// DIR/images/<id>.png, rewriting only the files that change, and names the
// PNGs of DIR/images that no item uses.
func contentImages(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("content images", flag.ContinueOnError)
	fl.SetOutput(stdout)
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	dir := fl.Arg(0)
	if dir == "" {
		dir = bank.SourceDir
	}
	fsys, _, err := bankFS(dir)
	if err != nil {
		return err
	}
	b, problems := bank.Check(fsys, bank.CheckOptions{Partial: true, NoDrawnPictures: true})
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stdout, p.String())
		}
		return fmt.Errorf("%s: %d problem(s) to fix before the pictures can be drawn, listed above", dir, len(problems))
	}
	start := time.Now()
	used := map[string]bool{}
	drawn, same := 0, 0
	for _, it := range b.Items {
		if it.Image != "" {
			used[it.Image] = true
		}
		if it.Screen == nil {
			continue
		}
		changed, err := drawItem(dir, it)
		if err != nil {
			return err
		}
		if changed {
			drawn++
			fmt.Fprintf(stdout, "drew %s\n", it.Image)
		} else {
			same++
		}
	}
	stale, err := stalePictures(dir, used)
	if err != nil {
		return err
	}
	for _, s := range stale {
		fmt.Fprintf(stdout, "%s: no item uses this picture; delete it (or give an item `screen:` or `image:` for it)\n", s)
	}
	fmt.Fprintf(stdout, "%s: %d picture(s) drawn, %d unchanged, %d unused, in %v\n",
		dir, drawn, same, len(stale), time.Since(start).Round(time.Millisecond))
	return nil
}

// drawItem renders the item's screen and writes it when the file differs.
func drawItem(dir string, it *bank.Item) (bool, error) {
	spec, err := it.ScreenSpec()
	if err != nil {
		return false, fmt.Errorf("%s:%d: item %s: %w", it.File, it.Line, it.ID, err)
	}
	data, err := screenpic.Render(spec)
	if err != nil {
		return false, fmt.Errorf("%s:%d: item %s: %w", it.File, it.Line, it.ID, err)
	}
	file := filepath.Join(dir, filepath.FromSlash(it.Image))
	if old, err := os.ReadFile(file); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return false, fmt.Errorf("cannot make the pictures' folder: %w", err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return false, fmt.Errorf("cannot write the picture of %s: %w", it.ID, err)
	}
	return true, nil
}

// stalePictures lists the PNG files under the bank's images folders that no
// item names, as bank paths ("images/x.png").
func stalePictures(dir string, used map[string]bool) ([]string, error) {
	var stale []string
	matches, err := filepath.Glob(filepath.Join(dir, "images", "*.png"))
	if err != nil {
		return nil, err
	}
	for _, m := range matches {
		p := path.Join("images", filepath.Base(m))
		if !used[p] {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	return stale, nil
}
