package bank

import (
	"errors"
	"image"
	"path"

	"go.yaml.in/yaml/v3"

	"github.com/diagbot/diagbot/engine/bank/screen"
)

// MinPictureWidth is the narrowest picture the full check accepts: Telegram
// shows a photo about 360 px wide on a phone, and a narrower one is blurred
// when it is stretched to that.
const MinPictureWidth = 360

// SourceDir is the embedded bank's folder in the repository, where its
// pictures can be opened and where `diagbot content images` draws them.
const SourceDir = "engine/bank/items"

// GenerateHint is what to run when a drawn picture is missing or stale.
const GenerateHint = "run `go generate ./engine/bank` to draw it"

// ScreenImage is the file of the picture drawn from an item's `screen:`,
// relative to the item's YAML file.
func ScreenImage(id string) string { return "images/" + id + ".png" }

// picture checks an item's picture: either a file named by `image:`, or one
// drawn from `screen:` (its file then implied), with its text alternative.
func (c *checker) picture(file string, it *Item, f map[string]*yaml.Node) {
	line := 0
	if v, ok := f["screen"]; ok {
		line = v.Line
		if _, ok := f["image"]; ok {
			c.add(file, f["image"].Line, "item %s: remove `image:`: an item with `screen:` has its picture drawn to %s", it.ID, ScreenImage(it.ID))
			return
		}
		if !c.screen(file, it, v) {
			return
		}
		it.Image = ScreenImage(it.ID)
	} else if it.Image != "" {
		line = f["image"].Line
	}
	if it.Image == "" {
		if it.Alt != "" {
			c.add(file, f["alt"].Line, "item %s: `alt` without `image` or `screen`", it.ID)
		}
		return
	}
	if it.Alt == "" {
		c.add(file, line, "item %s: an image needs `alt:`, a text read by screen readers that gives the same information", it.ID)
	}
	if it.Screen != nil && it.EN != nil && it.EN.Alt == "" {
		c.add(file, line, "item %s: the item has English: add `en.alt` (the English alt describes the same French screen)", it.ID)
	}
	p := path.Join(path.Dir(file), it.Image)
	it.Image = p
	fh, err := c.fsys.Open(p)
	if err != nil {
		switch {
		case it.Screen == nil:
			c.add(file, line, "item %s: image %s not found next to %s", it.ID, p, file)
		case !c.opts.NoDrawnPictures:
			c.add(file, line, "item %s: picture %s is not drawn yet: %s", it.ID, p, GenerateHint)
		}
		return
	}
	defer fh.Close()
	cfg, _, err := image.DecodeConfig(fh)
	switch {
	case err != nil:
		c.add(file, line, "item %s: image %s is not a readable PNG or JPEG: %v", it.ID, p, err)
	case (!c.opts.Partial || c.opts.Cues) && cfg.Width < MinPictureWidth:
		c.add(file, line, "item %s: image %s is %d px wide; give at least %d px so it reads on a phone", it.ID, p, cfg.Width, MinPictureWidth)
	}
}

// screen parses an item's `screen:` description, reporting each problem at
// its line, and keeps the description on the item.
func (c *checker) screen(file string, it *Item, n *yaml.Node) bool {
	if _, err := screen.Parse(n); err != nil {
		var errs screen.Errors
		errors.As(err, &errs)
		for _, e := range errs {
			c.add(file, e.Line, "item %s: screen: %s", it.ID, e.Msg)
		}
		return false
	}
	it.Screen = n
	return true
}

// ScreenSpec parses the item's `screen:` description; nil when the item has
// none. The bank's check has already validated it.
func (it *Item) ScreenSpec() (*screen.Spec, error) {
	if it.Screen == nil {
		return nil, nil
	}
	return screen.Parse(it.Screen)
}
