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
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// Axis is one competence on the chart.
type Axis struct {
	// Label is a short name such as "1.1 Recherche". It may hold accents; it is
	// cut to MaxLabel characters (with "…") because a longer one cannot be read
	// on a phone anyway.
	Label string
	// Value is the level, 0..Options.Max, continuous (an ability estimate, not
	// only a whole level). Values outside the range are clamped; NaN or ±Inf is
	// an error, because it means the caller has a bug we must not draw over.
	Value float64
	// Low and High bound an optional uncertainty band around Value. Both zero
	// means no band, so a zero value Axis stays band-free.
	Low, High float64
	// Text, when set, is written at the bar's end instead of the number
	// ("3 · intermédiaire"), cut to MaxValueText characters. Bars only.
	Text string
}

// Options tune a chart. The zero value is a good default.
type Options struct {
	// Title is drawn on top, in bold, on at most two lines. Empty means none.
	Title string
	// Size is the width and height of the square picture in pixels; 0 means
	// DefaultSize. Every font and line scales with it, so a picture looks the
	// same at any size, only sharper.
	Size int
	// Max is the top of the level scale; 0 means DefaultMax (the CRCN's 8).
	Max float64
}

// Limits and defaults. They are tuned for Telegram, which shows a photo
// about 400–600 px wide on a phone: an 800 px picture with 22 px labels still
// shows them at 11 px or more.
const (
	DefaultSize  = 800  // pixels, the side of a chart
	DefaultMax   = 8.0  // the top CRCN level
	MinSize      = 200  // below this even the scaled fonts are unreadable
	MaxSize      = 4096 // above this the picture is only memory spent
	MaxAxes      = 32   // twice the CRCN's 16: more spokes are a blur
	MaxLabel     = 40   // characters kept in a label, the rest becomes "…"
	MaxValueText = 24   // characters kept of an Axis.Text
	MaxQRText    = 512  // bytes; a deep link is under 100, more is a mistake
)

// The top of a level scale must be a number a person could mean; the bounds
// also keep the ring arithmetic away from denormals and overflow.
const (
	minMax = 1e-3
	maxMax = 1e6
)

// Errors, so that a caller can tell its own bug (bad numbers) from a bad
// setting, with errors.Is. Each returned error wraps one of them and names
// the axis or the setting at fault.
var (
	ErrNoAxes      = errors.New("chart: there is no axis to draw")
	ErrTooManyAxes = fmt.Errorf("chart: more than %d axes cannot be read", MaxAxes)
	ErrBadValue    = errors.New("chart: a value is not a finite number")
	ErrBadOptions  = errors.New("chart: bad option")
	ErrBadText     = errors.New("chart: bad QR text")
	// errDraw marks a panic inside the drawing libraries, turned into an
	// error so that one odd picture cannot take the bot down. Tests check it
	// never happens.
	errDraw = errors.New("chart: drawing failed")
)

// Palette. Blues from the Okabe–Ito set, which stays distinct for every kind
// of colour blindness, on white with near-black text; the single hue means no
// meaning rests on telling two colours apart.
var (
	colText     = color.NRGBA{0x1a, 0x1a, 0x1a, 0xff}
	colMuted    = color.NRGBA{0x55, 0x55, 0x55, 0xff}
	colGrid     = color.NRGBA{0xc8, 0xc8, 0xc8, 0xff}
	colGridOut  = color.NRGBA{0x90, 0x90, 0x90, 0xff}
	colTrack    = color.NRGBA{0xec, 0xee, 0xf0, 0xff}
	colMain     = color.NRGBA{0x00, 0x72, 0xb2, 0xff} // Okabe–Ito blue
	colMainFill = color.NRGBA{0x00, 0x72, 0xb2, 0x55}
	colBand     = color.NRGBA{0x56, 0xb4, 0xe9, 0x66} // Okabe–Ito sky blue
	colWhisker  = color.NRGBA{0x1a, 0x1a, 0x1a, 0xff}
)

// fonts are parsed once: parsing the two TTFs costs about a millisecond and
// the parsed fonts are safe for concurrent use.
var fonts = sync.OnceValues(func() (fontPair, error) {
	reg, err := opentype.Parse(liberationsansregular.TTF)
	if err != nil {
		return fontPair{}, fmt.Errorf("chart: parse Liberation Sans: %w", err)
	}
	bold, err := opentype.Parse(liberationsansbold.TTF)
	if err != nil {
		return fontPair{}, fmt.Errorf("chart: parse Liberation Sans Bold: %w", err)
	}
	return fontPair{reg, bold}, nil
})

type fontPair struct{ regular, bold *opentype.Font }

// axis is a validated Axis: values clamped into 0..max, label cleaned.
type axis struct {
	label     string
	value     float64
	low, high float64
	band      bool
	text      string // written instead of the value, when set
}

// settings are validated Options.
type settings struct {
	title string
	size  int
	max   float64
}

func checkOptions(o Options) (settings, error) {
	s := settings{title: cleanText(o.Title), size: o.Size, max: o.Max}
	if s.size == 0 {
		s.size = DefaultSize
	}
	if s.size < MinSize || s.size > MaxSize {
		return s, fmt.Errorf("%w: size %d px is outside %d..%d", ErrBadOptions, o.Size, MinSize, MaxSize)
	}
	if s.max == 0 {
		s.max = DefaultMax
	}
	// NaN fails both comparisons and lands here too.
	if !(s.max >= minMax && s.max <= maxMax) {
		return s, fmt.Errorf("%w: max level %v must be a positive number from %v to %v", ErrBadOptions, o.Max, minMax, maxMax)
	}
	return s, nil
}

func checkAxes(in []Axis, max float64) ([]axis, error) {
	if len(in) == 0 {
		return nil, ErrNoAxes
	}
	if len(in) > MaxAxes {
		return nil, fmt.Errorf("%w (got %d)", ErrTooManyAxes, len(in))
	}
	out := make([]axis, len(in))
	for i, a := range in {
		for _, v := range [...]struct {
			name string
			v    float64
		}{{"value", a.Value}, {"low", a.Low}, {"high", a.High}} {
			if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
				return nil, fmt.Errorf("%w: axis %d (%q) has %s %v", ErrBadValue, i+1, a.Label, v.name, v.v)
			}
		}
		low, high := clamp(a.Low, max), clamp(a.High, max)
		if low > high {
			low, high = high, low
		}
		out[i] = axis{
			label: shorten(cleanText(a.Label), MaxLabel),
			value: clamp(a.Value, max),
			low:   low,
			high:  high,
			band:  a.Low != 0 || a.High != 0,
			text:  shorten(cleanText(a.Text), MaxValueText),
		}
	}
	return out, nil
}

func clamp(v, max float64) float64 {
	return math.Min(math.Max(v, 0), max)
}

// cleanText makes any string drawable: invalid UTF-8 and control characters
// (a stray newline from a YAML file) become spaces, runs of spaces one.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// shorten keeps at most n runes, the last one being "…" when it cuts.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// guard turns a panic in the drawing libraries (their text measuring panics
// on font errors) into an error: a chart is a nicety and must never crash the
// bot that sends it.
func guard(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v", errDraw, r)
	}
}

// pic is a drawing surface in pixels with y going down, as people think of a
// picture; vg's own y goes up. At 72 dpi one vg point is one pixel.
type pic struct {
	c    *vgimg.Canvas
	w, h float64
	f    fontPair
}

func newPic(w, h int) (*pic, error) {
	f, err := fonts()
	if err != nil {
		return nil, err
	}
	c := vgimg.NewWith(
		vgimg.UseWH(vg.Length(w), vg.Length(h)),
		vgimg.UseDPI(72),
		vgimg.UseBackgroundColor(color.White),
	)
	return &pic{c: c, w: float64(w), h: float64(h), f: f}, nil
}

func (p *pic) pt(x, y float64) vg.Point {
	return vg.Point{X: vg.Length(x), Y: vg.Length(p.h - y)}
}

// png encodes the picture. The standard encoder is deterministic, so the same
// chart always gives the same bytes (cacheable, testable).
func (p *pic) png() ([]byte, error) {
	return encodePNG(p.c.Image())
}

// encodePNG favours speed over size: Telegram re-encodes every photo as JPEG
// before a phone sees it, so the best compression would only cost the server
// a quarter more time for 4% fewer bytes on one upload.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("chart: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

func (p *pic) polygon(pts [][2]float64) vg.Path {
	var path vg.Path
	for i, q := range pts {
		if i == 0 {
			path.Move(p.pt(q[0], q[1]))
		} else {
			path.Line(p.pt(q[0], q[1]))
		}
	}
	path.Close()
	return path
}

func (p *pic) fill(path vg.Path, c color.Color) {
	p.c.SetColor(c)
	p.c.Fill(path)
}

func (p *pic) stroke(path vg.Path, c color.Color, width float64) {
	p.c.SetColor(c)
	p.c.SetLineWidth(vg.Length(width))
	p.c.SetLineDash(nil, 0)
	p.c.Stroke(path)
}

func (p *pic) line(x0, y0, x1, y1 float64, c color.Color, width float64) {
	var path vg.Path
	path.Move(p.pt(x0, y0))
	path.Line(p.pt(x1, y1))
	p.stroke(path, c, width)
}

func (p *pic) rect(x, y, w, h float64, c color.Color) {
	p.fill(p.polygon([][2]float64{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}), c)
}

func (p *pic) circle(x, y, r float64) vg.Path {
	var path vg.Path
	path.Move(p.pt(x+r, y))
	path.Arc(p.pt(x, y), vg.Length(r), 0, 2*math.Pi)
	path.Close()
	return path
}

// text is a font at a size and colour, with the metrics layout needs.
type text struct {
	face  font.Face
	color color.Color
	size  float64
}

func (p *pic) font(size float64, bold bool, c color.Color) text {
	f := p.f.regular
	if bold {
		f = p.f.bold
	}
	return text{
		face:  font.Face{Font: font.Font{Typeface: "Liberation", Variant: "Sans", Size: font.Length(size)}, Face: f},
		color: c,
		size:  size,
	}
}

func (t text) width(s string) float64 { return float64(t.face.Width(s)) }

// lineHeight leaves room for accents on capitals (É) and descenders.
func (t text) lineHeight() float64 { return math.Round(t.size * 1.22) }

type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// draw writes one line whose box starts at top y: the baseline sits so that
// capitals are centred in the line height, which is what looks centred.
func (p *pic) draw(t text, s string, x, top float64, a align) {
	if s == "" {
		return
	}
	switch a {
	case alignCenter:
		x -= t.width(s) / 2
	case alignRight:
		x -= t.width(s)
	}
	const capHeight = 0.72 // of the em, for Liberation Sans
	base := top + (t.lineHeight()+capHeight*t.size)/2
	p.c.SetColor(t.color)
	p.c.FillString(t.face, p.pt(x, base), s)
}

// fit cuts s with "…" until it is no wider than w.
func (t text) fit(s string, w float64) string {
	if t.width(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		c := strings.TrimRight(string(r), " ") + "…"
		if t.width(c) <= w {
			return c
		}
	}
	return ""
}

// wrap breaks s into at most maxLines lines no wider than w, at spaces.
// A word wider than w gets a line of its own up to hard wide, and is only
// cut inside past that: "l'environnement" split as "l'environnemen / t"
// reads worse than a slightly wider label. A leading competence number
// ("5.2") stays with the word after it. What is left past the last line is
// cut with "…".
func (t text) wrap(s string, w, hard float64, maxLines int) []string {
	words := strings.Fields(s)
	if len(words) > 1 && isNumber(words[0]) {
		words = append([]string{words[0] + " " + words[1]}, words[2:]...)
	}
	var lines []string
	cur := ""
	for _, word := range words {
		if cur != "" && t.width(cur+" "+word) <= w {
			cur += " " + word
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
		}
		cur = word
		for t.width(cur) > hard && utf8.RuneCountInString(cur) > 1 {
			r := []rune(cur)
			n := len(r) - 1
			for n > 1 && t.width(string(r[:n])) > hard {
				n--
			}
			lines = append(lines, string(r[:n]))
			cur = string(r[n:])
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		rest := strings.Join(lines[maxLines-1:], " ")
		lines = append(lines[:maxLines-1], t.fit(rest, hard))
	}
	if n := len(lines); n > 1 && lines[n-1] == "…" {
		// A cut word left only its "…": end the line before with it.
		lines = append(lines[:n-2], t.fit(lines[n-2]+"…", hard))
	}
	return lines
}

// isNumber tells a competence number such as "1.2" or "12" from a word.
func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' {
			return false
		}
	}
	return s != ""
}

// title draws the bold title centred on top and returns where it ends.
func (p *pic) title(s string, scale float64) float64 {
	top := math.Round(20 * scale)
	if s == "" {
		return top
	}
	t := p.font(math.Round(30*scale), true, colText)
	w := p.w - 2*math.Round(24*scale)
	for _, l := range t.wrap(s, w, w, 2) {
		p.draw(t, l, p.w/2, top, alignCenter)
		top += t.lineHeight()
	}
	return top + math.Round(12*scale)
}

// formatLevel writes a level with one decimal: an estimate such as 3.4 says
// "between level 3 and 4" where a rounded 3 would hide the progress.
func formatLevel(v float64) string {
	return fmt.Sprintf("%.1f", v)
}
