package attest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"sync"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/diagbot/diagbot/channels/chart"
	"github.com/diagbot/diagbot/engine"
)

// pngWidth is the PNG's width: a phone screen's, sharp when zoomed.
const pngWidth = 1080

var (
	colInk   = color.RGBA{0x1a, 0x1a, 0x1a, 0xff}
	colMuted = color.RGBA{0x55, 0x55, 0x55, 0xff}
	colLine  = color.RGBA{0xc8, 0xc8, 0xc8, 0xff}
	colFill  = color.RGBA{0x00, 0x72, 0xb2, 0xff} // Okabe–Ito blue, as the results chart
	colEmpty = color.RGBA{0xec, 0xee, 0xf0, 0xff}
)

var fonts = sync.OnceValues(func() ([2]*opentype.Font, error) {
	reg, err := opentype.Parse(liberationsansregular.TTF)
	if err != nil {
		return [2]*opentype.Font{}, err
	}
	bold, err := opentype.Parse(liberationsansbold.TTF)
	return [2]*opentype.Font{reg, bold}, err
})

// canvas draws the page top to bottom.
type canvas struct {
	img   *image.RGBA
	y     int // top of the next line
	fonts [2]*opentype.Font
}

func (c *canvas) face(size float64, bold bool) font.Face {
	f := c.fonts[0]
	if bold {
		f = c.fonts[1]
	}
	face, _ := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	return face
}

// text writes s from x on the current line in a face of size; it wraps at
// maxW pixels and moves y below what it wrote.
func (c *canvas) text(s string, x, maxW int, size float64, bold bool, col color.Color) {
	face := c.face(size, bold)
	defer face.Close()
	lineH := int(size * 1.3)
	for _, line := range wrap(face, s, maxW) {
		d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face,
			Dot: fixed.P(x, c.y+int(size))}
		d.DrawString(line)
		c.y += lineH
	}
}

// wrap breaks s into lines no wider than maxW pixels, at spaces.
func wrap(face font.Face, s string, maxW int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Split(s, " ") { // not Fields: a no-break space holds
		if w == "" {
			continue
		}
		next := strings.TrimSpace(line + " " + w)
		if line != "" && font.MeasureString(face, next).Ceil() > maxW {
			lines = append(lines, line)
			next = w
		}
		line = next
	}
	return append(lines, line)
}

func (c *canvas) rect(x0, y0, x1, y1 int, col color.Color) {
	draw.Draw(c.img, image.Rect(x0, y0, x1, y1), image.NewUniform(col), image.Point{}, draw.Src)
}

// PNG renders the page for a phone: one column, large type, the levels as
// bars of eight, the QR code and the code at the bottom.
func (p Page) PNG() ([]byte, error) {
	fs, err := fonts()
	if err != nil {
		return nil, fmt.Errorf("attestation: fonts: %w", err)
	}
	qrPNG, err := chart.QR(p.URL, 420, "")
	if err != nil {
		return nil, fmt.Errorf("attestation: QR code: %w", err)
	}
	qr, err := png.Decode(bytes.NewReader(qrPNG))
	if err != nil {
		return nil, err
	}
	const margin = 64
	inner := pngWidth - 2*margin
	// Room for everything: a row takes at most 170 px (a name on two
	// lines), the rest 1,400; the picture is cut to what was drawn.
	height := 1400 + 170*len(p.Rows)
	c := &canvas{img: image.NewRGBA(image.Rect(0, 0, pngWidth, height)), y: 56, fonts: fs}
	c.rect(0, 0, pngWidth, height, color.White)
	c.text(textTitle, margin, inner, 54, true, colInk)
	c.text(textSubtitle, margin, inner, 30, false, colMuted)
	c.y += 36
	c.text(textGivenTo, margin, inner, 30, false, colMuted)
	c.text(p.Name, margin, inner, 46, true, colInk)
	c.y += 8
	c.text(p.intro(), margin, inner, 30, false, colInk)
	c.y += 24
	for _, r := range p.Rows {
		c.rect(margin, c.y, pngWidth-margin, c.y+2, colLine)
		c.y += 18
		c.text(r.ID+"  "+r.Name, margin, inner, 32, false, colInk)
		c.y += 4
		const box, gap = 44, 10
		for i := range engine.MaxLevel {
			col := colEmpty
			if i < r.Level {
				col = colFill
			}
			x := margin + i*(box+gap)
			c.rect(x, c.y, x+box, c.y+box, col)
		}
		top := c.y
		c.y += 4
		c.text(levelText(r.Level), margin+8*(box+gap)+24, inner-8*(box+gap)-24, 34, true, colInk)
		c.y = max(c.y, top+box) + 18
	}
	c.rect(margin, c.y, pngWidth-margin, c.y+2, colLine)
	c.y += 36
	qb := qr.Bounds()
	draw.Draw(c.img, image.Rect(margin, c.y, margin+qb.Dx(), c.y+qb.Dy()), qr, qb.Min, draw.Src)
	top := c.y
	x := margin + qb.Dx() + 32
	c.y += 40
	c.text(textCheck, x, pngWidth-margin-x, 30, false, colMuted)
	c.text(p.Code, x, pngWidth-margin-x, 52, true, colInk)
	c.y = max(c.y, top+qb.Dy()) + 20
	c.text(p.howToCheck(), margin, inner, 28, false, colInk)
	c.text(p.issuedBy(), margin, inner, 28, false, colMuted)
	c.y += 24
	c.rect(margin, c.y, pngWidth-margin, c.y+3, colInk)
	c.y += 20
	c.text(NotCertificate, margin, inner, 32, true, colInk)
	c.y += 40
	out := c.img.SubImage(image.Rect(0, 0, pngWidth, min(c.y, height)))
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("attestation: PNG: %w", err)
	}
	return buf.Bytes(), nil
}
