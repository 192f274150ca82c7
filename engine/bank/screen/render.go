package screen

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"sync"
	"unicode/utf8"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansitalic"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"git.sr.ht/~sbinet/gg"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Sizes of the picture, in pixels. The picture is read at half its width on a
// phone, so body text of 32 px shows at 16 px.
const (
	Width     = 720
	MinHeight = 640  // a screen with a few blocks still looks like a phone
	MaxHeight = 1600 // taller is a scroll, not a screen: remove blocks
	margin    = 32   // left and right of the content
	gap       = 20   // between blocks
	scratch   = 4000 // the height drawn on before the picture is cut to size
)

// Font sizes in pixels at 720 px wide.
const (
	sizeBody  = 32
	sizeSmall = 26
	sizeTiny  = 23
	sizeTitle = 40
	sizeBar   = 36
)

// Palette: a flat, neutral phone look, no brand's colours.
var (
	colBG       = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	colBar      = color.NRGBA{0xf6, 0xf6, 0xf8, 0xff}
	colText     = color.NRGBA{0x1c, 0x1c, 0x1e, 0xff}
	colMuted    = color.NRGBA{0x6b, 0x6b, 0x70, 0xff}
	colFaint    = color.NRGBA{0xa0, 0xa0, 0xa6, 0xff}
	colLine     = color.NRGBA{0xd9, 0xd9, 0xde, 0xff}
	colFill     = color.NRGBA{0xee, 0xef, 0xf2, 0xff}
	colBlue     = color.NRGBA{0x0a, 0x66, 0xd8, 0xff}
	colMe       = color.NRGBA{0x0b, 0x7c, 0xff, 0xff}
	colThem     = color.NRGBA{0xe9, 0xe9, 0xeb, 0xff}
	colRed      = color.NRGBA{0xd3, 0x2f, 0x2f, 0xff}
	colGreen    = color.NRGBA{0x2e, 0x7d, 0x32, 0xff}
	colSwitchOn = color.NRGBA{0x34, 0xc7, 0x59, 0xff}
	colOrange   = color.NRGBA{0xe6, 0x7e, 0x00, 0xff}
	colWhite    = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

type fontSet struct{ regular, bold, italic *opentype.Font }

// fonts are parsed once; the parsed fonts are safe for concurrent use, the
// faces made from them are not, so each render makes its own.
var fonts = sync.OnceValues(func() (fontSet, error) {
	var fs fontSet
	for _, f := range []struct {
		dst  **opentype.Font
		data []byte
	}{{&fs.regular, liberationsansregular.TTF}, {&fs.bold, liberationsansbold.TTF}, {&fs.italic, liberationsansitalic.TTF}} {
		p, err := opentype.Parse(f.data)
		if err != nil {
			return fs, fmt.Errorf("screen: parse Liberation Sans: %w", err)
		}
		*f.dst = p
	}
	return fs, nil
})

type weight int

const (
	regular weight = iota
	bold
	italic
)

type faceKey struct {
	w    weight
	size float64
}

// renderer draws one picture. It is used by one goroutine.
type renderer struct {
	spec  *Spec
	fonts fontSet
	faces map[faceKey]font.Face
	dc    *gg.Context
	im    *image.RGBA
	chat  bool // the screen holds bubbles: the title bar shows an avatar
}

// Render draws the screen as a PNG, Width px wide and as tall as its content
// (MinHeight to MaxHeight). The same Spec always gives the same bytes.
func Render(s *Spec) ([]byte, error) {
	img, err := Draw(s)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	var enc png.Encoder
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("screen: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// Draw draws the screen as an image (see Render).
func Draw(s *Spec) (img *image.RGBA, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("screen: drawing failed: %v", p)
		}
	}()
	fs, err := fonts()
	if err != nil {
		return nil, err
	}
	r := &renderer{spec: s, fonts: fs, faces: map[faceKey]font.Face{}}
	for _, b := range s.Blocks {
		r.chat = r.chat || b.Kind == Bubble
	}
	r.use(image.NewRGBA(image.Rect(0, 0, Width, scratch)))
	draw.Draw(r.im, r.im.Bounds(), image.NewUniform(colBG), image.Point{}, draw.Src)
	y := r.statusBar()
	y = r.titleBar(y)
	y += gap + 8
	for _, b := range s.Blocks {
		y = r.block(b, y) + gap
		if y > MaxHeight {
			break
		}
	}
	y += 36 // room above the home indicator
	h := int(y + 0.5)
	if r.spec.Dialog != nil {
		h = max(h, int(r.dialogHeight())+200)
	}
	h = max(h, MinHeight)
	if h > MaxHeight {
		return nil, fmt.Errorf("screen: the picture would be %d px tall, more than %d: remove blocks or shorten texts", h, MaxHeight)
	}
	out := image.NewRGBA(image.Rect(0, 0, Width, h))
	draw.Draw(out, out.Bounds(), r.im, image.Point{}, draw.Src)
	r.use(out)
	r.homeIndicator(float64(h))
	if r.spec.Dialog != nil {
		r.dialog(float64(h))
	}
	return out, nil
}

func (r *renderer) use(im *image.RGBA) {
	r.im = im
	r.dc = gg.NewContextForRGBA(im)
}

func (r *renderer) face(w weight, size float64) font.Face {
	k := faceKey{w, size}
	if f, ok := r.faces[k]; ok {
		return f
	}
	src := r.fonts.regular
	switch w {
	case bold:
		src = r.fonts.bold
	case italic:
		src = r.fonts.italic
	}
	f, err := opentype.NewFace(src, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil { // cannot happen: the size is one of this file's constants
		panic(err)
	}
	r.faces[k] = f
	return f
}

// style is how a run of text is drawn.
type style struct {
	w     weight
	size  float64
	color color.Color
}

func (s style) lineHeight() float64 { return s.size * 1.3 }

func (r *renderer) width(st style, s string) float64 {
	return float64(font.MeasureString(r.face(st.w, st.size), s)) / 64
}

// text draws s with its top at y (the baseline is placed from the font size).
func (r *renderer) text(st style, s string, x, y float64) {
	d := font.Drawer{Dst: r.im, Src: image.NewUniform(st.color), Face: r.face(st.w, st.size),
		Dot: fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6((y + st.size*1.02) * 64)}}
	d.DrawString(s)
}

// textCentered draws s centred on cx.
func (r *renderer) textCentered(st style, s string, cx, y float64) {
	r.text(st, s, cx-r.width(st, s)/2, y)
}

// textRight draws s ending at right.
func (r *renderer) textRight(st style, s string, right, y float64) {
	r.text(st, s, right-r.width(st, s), y)
}

// fit cuts s with "…" so that it is at most w wide.
func (r *renderer) fit(st style, s string, w float64) string {
	if r.width(st, s) <= w {
		return s
	}
	runes := []rune(s)
	for n := len(runes) - 1; n > 0; n-- {
		t := strings.TrimRight(string(runes[:n]), " ") + "…"
		if r.width(st, t) <= w {
			return t
		}
	}
	return "…"
}

// word is a piece of a wrapped line; link marks an address, drawn as a link.
type word struct {
	text string
	link bool
}

func isLink(w string) bool {
	w = strings.TrimRight(w, ".,;:!?)»")
	return strings.Contains(w, "://") || strings.HasPrefix(w, "www.")
}

// wrap breaks s into lines at most w wide, at spaces, and inside a word (an
// address) only when the word alone is wider than a line.
func (r *renderer) wrap(st style, s string, w float64) [][]word {
	var lines [][]word
	var line []word
	lineW := 0.0
	space := r.width(st, " ")
	for _, raw := range glue(strings.Fields(s)) {
		link := isLink(raw)
		for _, piece := range r.breakWord(st, raw, w) {
			pw := r.width(st, piece)
			if len(line) > 0 && lineW+space+pw > w {
				lines = append(lines, line)
				line, lineW = nil, 0
			}
			if len(line) > 0 {
				lineW += space
			}
			line = append(line, word{piece, link})
			lineW += pw
		}
	}
	if len(line) > 0 {
		lines = append(lines, line)
	}
	return lines
}

// glue joins the French signs set apart by a space to their word with a
// no-break space, so that a line never starts with « : », « € » or « » » nor
// ends with « « »: "1,99 € :" stays together; so do groups of digits.
func glue(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		for i+1 < len(words) && words[i] == "«" {
			i++
			w += "\u00a0" + words[i]
		}
		if len(out) > 0 && (strings.Contains(":;!?»€%", w) && utf8.RuneCountInString(w) == 1 || digits(w) && digits(words[i-1])) {
			out[len(out)-1] += "\u00a0" + w
			continue
		}
		out = append(out, w)
	}
	return out
}

// digits tells whether w is a group of digits, as in « 2 400 » or a phone
// number « 06 39 98 12 34 », which must not be cut.
func digits(w string) bool {
	return w != "" && strings.Trim(w, "0123456789") == ""
}

// breakWord cuts a word wider than w into pieces that fit.
func (r *renderer) breakWord(st style, s string, w float64) []string {
	if r.width(st, s) <= w {
		return []string{s}
	}
	var out []string
	for s != "" {
		n := 1
		for n < utf8.RuneCountInString(s) && r.width(st, string([]rune(s)[:n+1])) <= w {
			n++
		}
		out = append(out, string([]rune(s)[:n]))
		s = string([]rune(s)[n:])
	}
	return out
}

func lineText(l []word) string {
	parts := make([]string, len(l))
	for i, w := range l {
		parts[i] = w.text
	}
	return strings.Join(parts, " ")
}

// paragraph draws wrapped text from (x, y) and returns the y under it. Links
// are drawn in link (underlined) when it is not nil. align is 0 left, 0.5
// centre, 1 right, inside w.
func (r *renderer) paragraph(st style, s string, x, y, w, align float64, link color.Color) float64 {
	space := r.width(st, " ")
	for _, l := range r.wrap(st, s, w) {
		lx := x + (w-r.width(st, lineText(l)))*align
		for _, wd := range l {
			ww := r.width(st, wd.text)
			if wd.link && link != nil {
				r.text(style{st.w, st.size, link}, wd.text, lx, y)
				r.fillRect(lx, y+st.size*1.12, ww, 2, link)
			} else {
				r.text(st, wd.text, lx, y)
			}
			lx += ww + space
		}
		y += st.lineHeight()
	}
	return y
}

// paragraphSize returns the width of the widest line and the height of s
// wrapped to w.
func (r *renderer) paragraphSize(st style, s string, w float64) (float64, float64) {
	lines := r.wrap(st, s, w)
	maxW := 0.0
	for _, l := range lines {
		maxW = max(maxW, r.width(st, lineText(l)))
	}
	return maxW, float64(len(lines)) * st.lineHeight()
}
