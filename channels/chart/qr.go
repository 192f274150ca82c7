package chart

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/boombuler/barcode/qr"
)

// QR sizes.
const (
	DefaultQRSize = 800 // pixels: prints sharp at about 7 cm on an A4 sheet
	MinQRSize     = 120
	quietModules  = 4 // the white border the QR standard asks for
	// minModule is the smallest module in pixels: Telegram re-encodes photos
	// as JPEG and printers dither, and a 1 px module does not survive either.
	minModule = 2
)

// QR returns a PNG QR code of text (a t.me deep link), size×size pixels
// (0 means DefaultQRSize), black on white with the standard four-module quiet
// zone. Each module is a whole number of pixels so the code stays crisp when
// printed or scaled: the leftover pixels widen the margin.
//
// A non-empty caption (the campaign code, say) is written in large bold
// letters under the code, inside the same square, so a printed sheet tells
// the group what to type if a phone cannot scan; the code shrinks to make
// room for it. The caption is shrunk, then cut with "…", to fit one line.
//
// The error correction level is M (15% of the code can be lost): enough for a
// crumpled sheet while keeping modules large for an old phone's camera.
func QR(text string, size int, caption string) (_ []byte, err error) {
	defer guard(&err)
	switch {
	case text == "":
		return nil, fmt.Errorf("%w: the text is empty", ErrBadText)
	case len(text) > MaxQRText:
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrBadText, len(text), MaxQRText)
	}
	if size == 0 {
		size = DefaultQRSize
	}
	if size < MinQRSize || size > MaxSize {
		return nil, fmt.Errorf("%w: QR size %d px is outside %d..%d", ErrBadOptions, size, MinQRSize, MaxSize)
	}
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadText, err)
	}

	p, err := newPic(size, size)
	if err != nil {
		return nil, err
	}
	caption = cleanText(caption)
	side := float64(size)
	if caption != "" {
		// The caption band is about a sixth of the picture: letters about
		// 11% of the width, readable across a table.
		band := math.Round(0.17 * side)
		side -= band
		t := p.font(math.Round(0.11*float64(size)), true, colText)
		maxW := float64(size) - 2*math.Round(0.05*float64(size))
		for t.width(caption) > maxW && t.size > 0.06*float64(size) {
			t = p.font(t.size-1, true, colText)
		}
		line := t.fit(caption, maxW)
		// The code's own quiet zone already separates it from the band;
		// the caption sits a little high in it, close to what it names.
		p.draw(t, line, float64(size)/2, side+(band-t.lineHeight())/2-math.Round(0.02*float64(size)), alignCenter)
	}

	n := code.Bounds().Dx()
	module := int(side) / (n + 2*quietModules)
	if module < minModule {
		return nil, fmt.Errorf("%w: %d px is too small for this text: its code alone needs %d px across",
			ErrBadOptions, size, minModule*(n+2*quietModules))
	}
	img := p.c.Image()
	ox := (size - n*module) / 2
	oy := (int(side) - n*module) / 2
	black := image.NewUniform(color.Black)
	for y := range n {
		for x := range n {
			// The library's Barcode is an image whose dark pixels are modules.
			if r, _, _, _ := code.At(x, y).RGBA(); r < 0x8000 {
				rect := image.Rect(ox+x*module, oy+y*module, ox+(x+1)*module, oy+(y+1)*module)
				draw.Draw(img, rect, black, image.Point{}, draw.Src)
			}
		}
	}

	// A grey picture is a third of the bytes of an RGB one, and holds all a
	// black-and-white code with anti-aliased text needs.
	gray := image.NewGray(img.Bounds())
	draw.Draw(gray, gray.Bounds(), img, img.Bounds().Min, draw.Src)
	return encodePNG(gray)
}
