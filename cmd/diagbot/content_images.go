package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
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
	var drawItems []*bank.Item
	for _, it := range b.Items {
		if it.Image != "" {
			used[it.Image] = true
		}
		if it.Screen != nil {
			drawItems = append(drawItems, it)
		}
	}
	changed, err := drawAll(dir, drawItems)
	if err != nil {
		return err
	}
	drawn := 0
	for i, it := range drawItems {
		if changed[i] {
			drawn++
			fmt.Fprintf(stdout, "drew %s\n", it.Image)
		}
	}
	same := len(drawItems) - drawn
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

// drawAll draws the items' pictures on every core, and reports which files
// changed; the first error stops it.
func drawAll(dir string, items []*bank.Item) ([]bool, error) {
	changed := make([]bool, len(items))
	errs := make([]error, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				changed[i], errs[i] = drawItem(dir, items[i])
			}
		})
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	return changed, errors.Join(errs...)
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
