package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// decode checks b is a PNG of w×h pixels and returns it.
func decode(t testing.TB, b []byte, w, h int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got != image.Pt(w, h) {
		t.Fatalf("size %v, want %dx%d", got, w, h)
	}
	return img
}

func isWhite(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r == 0xffff && g == 0xffff && b == 0xffff
}

type drawFunc func([]Axis, Options) ([]byte, error)

var drawers = []struct {
	name string
	draw drawFunc
}{{"Radar", Radar}, {"Bars", Bars}}

func TestChartsDecodeAtSizeAndAreDeterministic(t *testing.T) {
	for _, d := range drawers {
		for _, n := range []int{1, 2, 3, 5, 16} {
			for _, size := range []int{0, 400} {
				t.Run(fmt.Sprintf("%s/%d axes/%dpx", d.name, n, size), func(t *testing.T) {
					t.Parallel()
					opts := Options{Title: "Tes niveaux en numérique", Size: size}
					b, err := d.draw(crcn[:n], opts)
					if err != nil {
						t.Fatal(err)
					}
					want := size
					if want == 0 {
						want = DefaultSize
					}
					img := decode(t, b, want, want)
					if !isWhite(img.At(0, 0)) || !isWhite(img.At(want-1, want-1)) {
						t.Error("corners are not white")
					}
					again, err := d.draw(crcn[:n], opts)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(b, again) {
						t.Error("same input gave different bytes")
					}
				})
			}
		}
	}
}

// TestRadarFallsBackToBars: below three axes a radar encloses nothing, so
// Radar must draw exactly what Bars draws.
func TestRadarFallsBackToBars(t *testing.T) {
	for n := 1; n <= 2; n++ {
		r, err := Radar(crcn[:n], Options{Title: "x"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bars(crcn[:n], Options{Title: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r, b) {
			t.Errorf("%d axes: Radar is not the bar chart", n)
		}
	}
	r3, _ := Radar(crcn[:3], Options{})
	b3, _ := Bars(crcn[:3], Options{})
	if bytes.Equal(r3, b3) {
		t.Error("3 axes: Radar drew bars")
	}
}

func TestBadInputIsAnError(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	many := make([]Axis, MaxAxes+1)
	tests := []struct {
		name string
		axes []Axis
		opts Options
		want error
	}{
		{"no axes", nil, Options{}, ErrNoAxes},
		{"empty axes", []Axis{}, Options{}, ErrNoAxes},
		{"too many axes", many, Options{}, ErrTooManyAxes},
		{"NaN value", []Axis{{Label: "a", Value: nan}, {}, {}}, Options{}, ErrBadValue},
		{"NaN low", []Axis{{}, {Label: "b", Low: nan, High: 2}, {}}, Options{}, ErrBadValue},
		{"NaN high", []Axis{{}, {}, {Label: "c", High: nan}}, Options{}, ErrBadValue},
		{"infinite value", []Axis{{Value: inf}, {}, {}}, Options{}, ErrBadValue},
		{"minus infinite", []Axis{{Value: -inf}}, Options{}, ErrBadValue},
		{"size too small", crcn, Options{Size: MinSize - 1}, ErrBadOptions},
		{"size too big", crcn, Options{Size: MaxSize + 1}, ErrBadOptions},
		{"negative size", crcn, Options{Size: -800}, ErrBadOptions},
		{"NaN max", crcn, Options{Max: nan}, ErrBadOptions},
		{"negative max", crcn, Options{Max: -8}, ErrBadOptions},
		{"infinite max", crcn, Options{Max: inf}, ErrBadOptions},
	}
	for _, d := range drawers {
		for _, tt := range tests {
			t.Run(d.name+"/"+tt.name, func(t *testing.T) {
				b, err := d.draw(tt.axes, tt.opts)
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				if b != nil {
					t.Error("bytes returned with an error")
				}
			})
		}
	}
}

// TestOutOfRangeIsClamped: a level out of 0..Max is a rounding matter, not
// a bug, so it is drawn at the edge, exactly as the edge value.
func TestOutOfRangeIsClamped(t *testing.T) {
	for _, d := range drawers {
		in := []Axis{{Label: "a", Value: -3}, {Label: "b", Value: 12, Low: -1, High: 99}, {Label: "c", Value: 4}}
		edge := []Axis{{Label: "a", Value: 0}, {Label: "b", Value: 8, Low: 0, High: 8}, {Label: "c", Value: 4}}
		got, err := d.draw(in, Options{})
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		want, err := d.draw(edge, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: out-of-range values not drawn as the clamped ones", d.name)
		}
	}
}

func TestOtherScale(t *testing.T) {
	for _, max := range []float64{1, 3, 5, 6, 10, 100} {
		axes := []Axis{{Label: "a", Value: max / 2}, {Label: "b", Value: max}, {Label: "c", Value: max / 4, Low: 0, High: max / 2}}
		for _, d := range drawers {
			b, err := d.draw(axes, Options{Max: max, Size: 300})
			if err != nil {
				t.Fatalf("%s max %v: %v", d.name, max, err)
			}
			decode(t, b, 300, 300)
		}
	}
}

func TestRingLevels(t *testing.T) {
	tests := []struct {
		max  float64
		want []float64
	}{
		{8, []float64{2, 4, 6, 8}},
		{6, []float64{2, 4, 6}},
		{10, []float64{2.5, 5, 7.5, 10}},
		{5, []float64{2, 4, 5}},
		{100, []float64{25, 50, 75, 100}},
		{1, []float64{0.25, 0.5, 0.75, 1}},
	}
	for _, tt := range tests {
		got := ringLevels(tt.max)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ringLevels(%v) = %v, want %v", tt.max, got, tt.want)
		}
	}
}

func TestLabelsAreCleanedAndShortened(t *testing.T) {
	long := strings.Repeat("é", 41)
	tests := []struct{ in, want string }{
		{"1.1 Recherche", "1.1 Recherche"},
		{"  1.1\tRecherche\n et veille ", "1.1 Recherche et veille"},
		{"bad \xff utf8", "bad utf8"},
		{long, strings.Repeat("é", 39) + "…"},
		{strings.Repeat("a", 37) + " bc", strings.Repeat("a", 37) + " bc"},
		{strings.Repeat("a", 38) + " bcd", strings.Repeat("a", 38) + "…"},
	}
	for _, tt := range tests {
		got := shorten(cleanText(tt.in), MaxLabel)
		if got != tt.want {
			t.Errorf("label %q = %q, want %q", tt.in, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > MaxLabel {
			t.Errorf("label %q kept %d characters", tt.in, n)
		}
	}
	// A 41-character label draws as its shortened form, not as an error.
	a, err := Radar([]Axis{{Label: long}, {}, {}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Radar([]Axis{{Label: strings.Repeat("é", 39) + "…"}, {}, {}}, Options{})
	if !bytes.Equal(a, b) {
		t.Error("a long label is not drawn shortened")
	}
}

func TestWrapStaysInsideItsWidth(t *testing.T) {
	p, err := newPic(800, 800)
	if err != nil {
		t.Fatal(err)
	}
	f := p.font(22, false, colText)
	for _, s := range []string{
		"1.1 Mener une recherche et une veille d'information",
		"Anticonstitutionnellementàrallongeincroyable",
		"5.2 Environnement numérique",
		"a",
		"",
	} {
		lines := f.wrap(s, 144, 200, 3)
		if len(lines) > 3 {
			t.Errorf("%q: %d lines", s, len(lines))
		}
		for _, l := range lines {
			if w := f.width(l); w > 200 {
				t.Errorf("%q: line %q is %.0f px wide", s, l, w)
			}
		}
	}
	if got := f.wrap("5.2 Environnement numérique", 144, 200, 3); got[0] != "5.2 Environnement" {
		t.Errorf("the competence number left its word: %q", got)
	}
}

// TestRadarLabelsDoNotOverlap lays out the 16 CRCN labels, full length, at
// the sizes a channel uses, and checks no two boxes meet and none leaves the
// picture.
func TestRadarLabelsDoNotOverlap(t *testing.T) {
	full := []string{
		"1.1 Mener une recherche et une veille d'information", "1.2 Gérer des données",
		"1.3 Traiter des données", "2.1 Interagir", "2.2 Partager et publier", "2.3 Collaborer",
		"2.4 S'insérer dans le monde numérique", "3.1 Développer des documents textuels",
		"3.2 Développer des documents multimédia", "3.3 Adapter les documents à leur finalité",
		"3.4 Programmer", "4.1 Sécuriser l'environnement numérique",
		"4.2 Protéger les données personnelles et la vie privée",
		"4.3 Protéger la santé, le bien-être et l'environnement",
		"5.1 Résoudre des problèmes techniques", "5.2 Construire un environnement numérique",
	}
	for _, set := range [][]string{full, labelsOf(crcn)} {
		for _, size := range []float64{400, 800} {
			p, err := newPic(int(size), int(size))
			if err != nil {
				t.Fatal(err)
			}
			s := size / DefaultSize
			short := make([]string, len(set))
			for i, txt := range set {
				short[i] = shorten(txt, MaxLabel)
			}
			labels, _ := p.radarLabels(short, s)
			r, gap := 0.27*size, 14*s
			boxes := place(labels, r, gap, 0)
			for i := range boxes {
				for j := i + 1; j < len(boxes); j++ {
					if boxes[i].overlaps(boxes[j], -0.5) {
						t.Errorf("%.0fpx: %q overlaps %q", size, set[i], set[j])
					}
				}
				// No corner within the outer ring.
				b := boxes[i]
				nx := math.Max(b.x0, math.Min(0, b.x1))
				ny := math.Max(b.y0, math.Min(0, b.y1))
				if math.Hypot(nx, ny) < r+gap-0.5 {
					t.Errorf("%.0fpx: %q cuts into the ring", size, set[i])
				}
			}
		}
	}
}

func labelsOf(axes []Axis) []string {
	out := make([]string, len(axes))
	for i, a := range axes {
		out[i] = a.Label
	}
	return out
}

// TestConcurrentCallsAgree: the bot draws for many learners at once; the
// shared fonts must not make pictures differ (run with -race).
func TestConcurrentCallsAgree(t *testing.T) {
	want, err := Radar(crcn, Options{Size: 400})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			got, err := Radar(crcn, Options{Size: 400})
			if err == nil && !bytes.Equal(got, want) {
				err = errors.New("different bytes")
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// scan reads a QR code back with ZXing's decoder, an implementation
// independent of the encoder, as a phone would.
func scan(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code does not scan: %v", err)
	}
	return res.GetText()
}

func TestQRScansBack(t *testing.T) {
	link := "https://t.me/diagbot_bot?start=ML75-PARIS-12"
	tests := []struct {
		name, text, caption string
		size, want          int
	}{
		{"link", link, "", 400, 400},
		{"link with caption", link, "ML75-PARIS-12", 800, 800},
		{"default size", link, "ML75", 0, DefaultQRSize},
		{"smallest", "t.me/diagbot_bot?start=A", "", MinQRSize, MinQRSize},
		{"small with caption", link, "ML75-PARIS-12", 240, 240},
		{"long caption", link, strings.Repeat("Mission Locale de Paris ", 5), 600, 600},
		{"accents", "https://example.org/?q=numérique", "Numérique", 500, 500},
		{"512 bytes", "https://t.me/x?start=" + strings.Repeat("a", MaxQRText-21), "", 800, 800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := QR(tt.text, tt.size, tt.caption)
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, b, tt.want, tt.want)
			if got := scan(t, img); got != tt.text {
				t.Errorf("scanned %q, want %q", got, tt.text)
			}
			if !isWhite(img.At(0, 0)) {
				t.Error("no white quiet zone")
			}
			again, _ := QR(tt.text, tt.size, tt.caption)
			if !bytes.Equal(b, again) {
				t.Error("same input gave different bytes")
			}
		})
	}
}

func TestQRBadInput(t *testing.T) {
	tests := []struct {
		name, text string
		size       int
		want       error
	}{
		{"empty", "", 400, ErrBadText},
		{"too long", strings.Repeat("a", MaxQRText+1), 800, ErrBadText},
		{"too small", "t.me/x", MinQRSize - 1, ErrBadOptions},
		{"too big", "t.me/x", MaxSize + 1, ErrBadOptions},
		{"negative", "t.me/x", -1, ErrBadOptions},
		{"too small for the text", strings.Repeat("a", MaxQRText), MinQRSize, ErrBadOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := QR(tt.text, tt.size, "")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if b != nil {
				t.Error("bytes returned with an error")
			}
		})
	}
}

// FuzzRadar feeds arbitrary numbers (NaN, infinities, huge, negative) and
// labels (invalid UTF-8, control characters, emoji) to Radar and Bars: they
// may refuse, with one of the package's errors, but never panic nor fail
// inside the drawing code.
func FuzzRadar(f *testing.F) {
	f.Add([]byte{16, 1, 2, 3}, "1.1 Recherche|2.1 Interagir|3.4 Programmer", uint16(300), 8.0)
	f.Add([]byte{3, 0xff, 0xf8, 0, 0, 0, 0, 0, 1}, "\xff\x00é|\n|🙂🙂🙂", uint16(200), 0.0)
	f.Add([]byte{1}, strings.Repeat("mot ", 30), uint16(250), -1.0)
	f.Add([]byte{40}, "", uint16(199), math.NaN())
	f.Fuzz(func(t *testing.T, data []byte, labels string, size uint16, max float64) {
		n := 0
		if len(data) > 0 {
			n = int(data[0]) % (MaxAxes + 3)
			data = data[1:]
		}
		names := strings.Split(labels, "|")
		axes := make([]Axis, n)
		next := func() float64 {
			if len(data) >= 8 {
				v := math.Float64frombits(uint64(data[0]) | uint64(data[1])<<8 | uint64(data[2])<<16 |
					uint64(data[3])<<24 | uint64(data[4])<<32 | uint64(data[5])<<40 | uint64(data[6])<<48 | uint64(data[7])<<56)
				data = data[8:]
				return v
			}
			if len(data) > 0 {
				v := float64(data[0]) / 25
				data = data[1:]
				return v
			}
			return 0
		}
		for i := range axes {
			axes[i] = Axis{Label: names[i%len(names)], Value: next(), Low: next(), High: next()}
		}
		// Sizes kept small so the fuzzer runs many inputs.
		opts := Options{Title: labels, Size: 200 + int(size)%200, Max: max}
		// A hang is a bug too (the label layout once looped on a float
		// rounding): the fuzzer only sees it if the worker dies.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				panic(fmt.Sprintf("chart: drawing hangs on %d axes %#v, options %#v", n, axes, opts))
			}
		}()
		for _, d := range drawers {
			b, err := d.draw(axes, opts)
			switch {
			case errors.Is(err, errDraw):
				t.Fatalf("%s: drawing failed: %v", d.name, err)
			case err != nil:
				if !errors.Is(err, ErrNoAxes) && !errors.Is(err, ErrTooManyAxes) &&
					!errors.Is(err, ErrBadValue) && !errors.Is(err, ErrBadOptions) {
					t.Fatalf("%s: unexpected error %v", d.name, err)
				}
			default:
				decode(t, b, opts.Size, opts.Size)
			}
		}
	})
}

func BenchmarkRadar16(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Radar(crcn, Options{Title: "Tes niveaux en numérique"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBars16(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Bars(crcn, Options{Title: "Campagne ML75"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQR(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := QR("https://t.me/diagbot_bot?start=ML75-PARIS-12", 800, "ML75-PARIS-12"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBarsText: an axis's Text is written instead of its number, and a
// long one is cut rather than pushing the bars off the picture.
func TestBarsText(t *testing.T) {
	axes := []Axis{{Label: "Se protéger", Value: 3}, {Label: "Communiquer", Value: 0}}
	plain, err := Bars(axes, Options{})
	if err != nil {
		t.Fatal(err)
	}
	axes[0].Text, axes[1].Text = "3 · intermédiaire", strings.Repeat("débutant ", 10)
	worded, err := Bars(axes, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(plain, worded) {
		t.Error("the text changed nothing")
	}
	if got := shorten(cleanText(axes[1].Text), MaxValueText); utf8.RuneCountInString(got) > MaxValueText {
		t.Errorf("text kept: %q", got)
	}
}
