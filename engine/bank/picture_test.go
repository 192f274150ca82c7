package bank

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/diagbot/diagbot/engine/bank/screen"
)

// checkPicturesFresh fails for every drawn picture of the bank whose pixels
// differ from a fresh drawing of its `screen:`: pictures stay reproducible
// from the YAML. (Pixels, not bytes: a new Go may compress a PNG otherwise.)
// It returns how many pictures it compares, each in a parallel subtest.
func checkPicturesFresh(t *testing.T, name string, fsys fs.FS) int {
	t.Helper()
	b, problems := Check(fsys, CheckOptions{Partial: true})
	for _, p := range problems {
		t.Error(p)
	}
	n := 0
	for _, it := range b.Items {
		if it.Screen == nil {
			continue
		}
		n++
		t.Run(name+"/"+it.ID, func(t *testing.T) {
			t.Parallel()
			spec, err := it.ScreenSpec()
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := screen.Draw(spec)
			if err != nil {
				t.Fatalf("%s:%d: %v", it.File, it.Line, err)
			}
			data, err := fs.ReadFile(fsys, it.Image)
			if err != nil {
				t.Fatal(err)
			}
			committed, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			rgba := image.NewRGBA(committed.Bounds())
			draw.Draw(rgba, rgba.Bounds(), committed, committed.Bounds().Min, draw.Src)
			if rgba.Bounds() != fresh.Bounds() || !bytes.Equal(rgba.Pix, fresh.Pix) {
				t.Errorf("%s:%d: %s differs from a fresh drawing of its screen: %s", it.File, it.Line, it.Image, GenerateHint)
			}
		})
	}
	return n
}

// TestPicturesFresh: every committed picture of the good fixture is exactly
// what its description draws.
func TestPicturesFresh(t *testing.T) {
	if n := checkPicturesFresh(t, "good", os.DirFS("testdata/good")); n == 0 {
		t.Error("the good fixture has no drawn picture")
	}
}

// TestEmbeddedPicturesFresh: so is every committed picture of the embedded
// bank.
func TestEmbeddedPicturesFresh(t *testing.T) {
	if n := checkPicturesFresh(t, "embedded", Embedded()); n == 0 {
		t.Skip("the embedded bank has no drawn picture yet")
	}
}

// TestScreenItems: an item with `screen:` gets its picture's path implied and
// must have alt texts; the loader names the line of each problem.
func TestScreenItems(t *testing.T) {
	b, err := Load(os.DirFS("testdata/good"))
	if err != nil {
		t.Fatal(err)
	}
	it, _ := b.Item("c11-a-2")
	if it.Image != "images/c11-a-2.png" || it.Screen == nil || it.Alt == "" || it.EN.Alt == "" {
		t.Errorf("screen item: image %q, alt %q", it.Image, it.Alt)
	}
	good, _ := os.ReadFile("testdata/good/1.1.yaml")
	png, _ := os.ReadFile("testdata/good/images/c11-a-2.png")
	pixel, _ := os.ReadFile("testdata/good/images/pixel.png")
	tests := []struct {
		name, from, to, want string
		noPNG                bool
	}{
		{"image with screen", "    screen:\n      app: \"06", "    image: images/pixel.png\n    screen:\n      app: \"06", "remove `image:`", false},
		{"no alt", "    alt: >-\n      Un SMS du 06 39 98 12 34 : « Votre colis est bloqué. Payez 1,99 € :\n      https://colis-relais.info/p ».\n", "", "item c11-a-2: an image needs `alt:`", false},
		{"no en.alt", "      alt: >-\n        A French", "      tip: >-\n        A French", "add `en.alt`", false},
		{"bad block", "        - bubble: \"Votre colis", "        - bubbel: \"Votre colis", "1.1.yaml:63: item c11-a-2: screen: a block needs one kind key", false},
		{"bad status", "battery: 64}", "battery: 164}", "1.1.yaml:61: item c11-a-2: screen: `battery` must be a whole number from 0 to 100", false},
		{"not drawn", "", "", "is not drawn yet: run `go generate ./engine/bank`", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(string(good), tt.from, tt.to, 1)
			if src == string(good) && tt.from != "" {
				t.Fatalf("%q not in the fixture", tt.from)
			}
			fsys := fstest.MapFS{"1.1.yaml": {Data: []byte(src)}, "images/pixel.png": {Data: pixel}}
			if !tt.noPNG {
				fsys["images/c11-a-2.png"] = &fstest.MapFile{Data: png}
			}
			_, problems := Check(fsys, CheckOptions{Partial: true})
			var all []string
			for _, p := range problems {
				all = append(all, p.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Errorf("want a problem %q, got:\n%s", tt.want, strings.Join(all, "\n"))
			}
		})
	}
	// The command that draws the pictures accepts an item not drawn yet.
	fsys := fstest.MapFS{"1.1.yaml": {Data: good}, "images/pixel.png": {Data: pixel}}
	if _, problems := Check(fsys, CheckOptions{Partial: true, NoDrawnPictures: true}); len(problems) > 0 {
		t.Errorf("NoDrawnPictures: %v", problems)
	}
}

// TestNarrowPicture: the full check refuses a picture narrower than a phone
// shows it; the partial check (the bot's start) does not look.
func TestNarrowPicture(t *testing.T) {
	good, _ := os.ReadFile("testdata/good/1.1.yaml")
	fsys := fstest.MapFS{"1.1.yaml": {Data: good}, "images/pixel.png": {Data: onePixelPNG},
		"images/c11-a-2.png": {Data: onePixelPNG}}
	_, problems := Check(fsys, CheckOptions{})
	found := 0
	for _, p := range problems {
		if strings.Contains(p.Msg, "1 px wide; give at least 360 px") {
			found++
		}
	}
	if found != 2 {
		t.Errorf("%d narrow pictures reported, want 2: %v", found, problems)
	}
	if _, problems := Check(fsys, CheckOptions{Partial: true}); len(problems) > 0 {
		t.Errorf("partial check: %v", problems)
	}
}

// onePixelPNG is a 1×1 PNG.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc\xfa\x0f\x00\x01\x05\x01\x02\xcf\xa0.\xcd\x00\x00\x00\x00IEND\xaeB`\x82")

// TestScreenCaption: a question sent with its drawn picture is a photo
// caption, held to Telegram's 1,024 characters (the picture's path is set
// before the size is checked).
func TestScreenCaption(t *testing.T) {
	good, _ := os.ReadFile("testdata/good/1.1.yaml")
	png, _ := os.ReadFile("testdata/good/images/c11-a-2.png")
	pixel, _ := os.ReadFile("testdata/good/images/pixel.png")
	c := &checker{fsys: fstest.MapFS{"1.1.yaml": {Data: good}, "images/pixel.png": {Data: pixel}, "images/c11-a-2.png": {Data: png}},
		ids: map[string]string{}, parsed: map[string]*Item{}, skills: map[string][]string{}, hasEN: map[string]bool{}}
	c.file("1.1.yaml")
	var it *Item
	for _, x := range c.items {
		if x.ID == "c11-a-2" {
			it = x
		}
	}
	if it == nil || it.Image == "" {
		t.Fatalf("the screen item has no picture: %+v", it)
	}
	it.Prompt = strings.Repeat("Un texte long. ", 60) // 900 characters, past what a caption holds
	c.size(it.File, it)
	if !hasProblem(c.problems, "over Telegram's 1024-character photo caption") {
		t.Errorf("no caption problem: %v", c.problems)
	}
}
