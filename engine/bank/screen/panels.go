package screen

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// table draws a grid. With letters it is a spreadsheet: column letters, row
// numbers, a formula bar and a selected cell.
func (r *renderer) table(b Block, y float64) float64 {
	cs := style{regular, 28, colText}
	hs := style{bold, 28, colText}
	gs := style{regular, sizeTiny, colMuted}
	const rowH = 64.0
	if b.Formula != "" {
		const fh = 68.0
		r.fillRound(margin, y, contentW, fh, 10, colWhite)
		r.strokeRound(margin, y, contentW, fh, 10, 2, colLine)
		fs := style{italic, 28, colMuted}
		r.text(fs, "fx", margin+20, y+(fh-fs.size*1.2)/2)
		r.fillRect(margin+66, y+14, 2, fh-28, colLine)
		r.text(cs, r.fit(cs, b.Formula, contentW-110), margin+86, y+(fh-cs.size*1.2)/2)
		y += fh + 14
	}
	ncol := colsOf(b.Cells)
	gutter := 0.0
	if b.Letters {
		gutter = 52
	}
	// Column widths follow the widest cell, within the screen's width.
	want := make([]float64, ncol)
	total := 0.0
	for c := range ncol {
		for i, row := range b.Cells {
			st := cs
			if i == 0 {
				st = hs
			}
			want[c] = max(want[c], r.width(st, row[c])+28)
		}
		want[c] = max(want[c], 90)
		total += want[c]
	}
	avail := contentW - gutter
	for c := range want {
		want[c] = math.Round(want[c] * avail / total)
	}
	selR, selC, sel := b.SelectedCell()
	x0 := margin + gutter
	if b.Letters {
		r.fillRect(margin, y, contentW, 44, colFill)
		x := x0
		for c := range ncol {
			gc := gs
			if sel && c == selC {
				r.fillRect(x, y, want[c], 44, color.NRGBA{0xd3, 0xe3, 0xfd, 0xff})
				gc = style{bold, sizeTiny, colBlue}
			}
			r.textCentered(gc, string(rune('A'+c)), x+want[c]/2, y+9)
			r.fillRect(x, y, 1.5, 44, colLine)
			x += want[c]
		}
		y += 44
	}
	top := y
	for i, row := range b.Cells {
		st := cs
		if i == 0 {
			st = hs
			if !b.Letters {
				r.fillRect(x0, y, avail, rowH, colFill)
			}
		}
		if b.Letters {
			r.fillRect(margin, y, gutter, rowH, colFill)
			gc := gs
			if sel && i == selR {
				r.fillRect(margin, y, gutter, rowH, color.NRGBA{0xd3, 0xe3, 0xfd, 0xff})
				gc = style{bold, sizeTiny, colBlue}
			}
			r.textCentered(gc, strconv.Itoa(i+1), margin+gutter/2, y+(rowH-gc.size*1.2)/2)
		}
		x := x0
		for c, cell := range row {
			text := r.fit(st, cell, want[c]-20)
			ty := y + (rowH-st.size*1.2)/2
			if i > 0 && numeric(cell) {
				r.textRight(st, text, x+want[c]-12, ty)
			} else {
				r.text(st, text, x+12, ty)
			}
			x += want[c]
		}
		y += rowH
	}
	// Grid lines over the cells, then the selection over the grid.
	for i := 0; i <= len(b.Cells); i++ {
		r.fillRect(margin, top+float64(i)*rowH-0.75, contentW, 1.5, colLine)
	}
	x := x0
	for c := 0; c <= ncol; c++ {
		r.fillRect(x-0.75, top, 1.5, y-top, colLine)
		if c < ncol {
			x += want[c]
		}
	}
	if b.Letters {
		r.fillRect(margin-0.75, top, 1.5, y-top, colLine)
	}
	if sel {
		sx := x0
		for c := range selC {
			sx += want[c]
		}
		r.dc.DrawRectangle(sx, top+float64(selR)*rowH, want[selC], rowH)
		r.dc.SetColor(colBlue)
		r.dc.SetLineWidth(4)
		r.dc.Stroke()
		r.fillRect(sx+want[selC]-6, top+float64(selR+1)*rowH-6, 12, 12, colBlue)
	}
	return y
}

// numeric tells whether a cell holds a number (French or English style),
// drawn right-aligned as a spreadsheet does.
func numeric(s string) bool {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "€"), "%"))
	s = strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), ",", ".")
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// notification draws a notification card: app, time, title and text.
func (r *renderer) notification(b Block, y float64) float64 {
	const pad = 24.0
	inner := contentW - 2*pad
	ts := style{bold, 30, colText}
	xs := style{regular, 30, colText}
	as := style{regular, sizeTiny, colMuted}
	h := pad + 36 + 10
	if b.Title != "" {
		_, th := r.paragraphSize(ts, b.Title, inner)
		h += th
	}
	_, xh := r.paragraphSize(xs, b.Text, inner)
	h += xh + pad
	r.fillRound(margin, y, contentW, h, 26, colFill)
	app := b.App
	if app == "" {
		app = "Notification"
	}
	ix, iy := margin+pad, y+pad
	r.fillRound(ix, iy, 36, 36, 9, colorOf(app))
	is := style{bold, 17, colWhite}
	r.textCentered(is, initials(app), ix+18, iy+18-is.size*0.55)
	r.text(as, r.fit(as, app, inner-200), ix+48, iy+4)
	if b.Time != "" {
		r.textRight(as, b.Time, margin+contentW-pad, iy+4)
	}
	ty := iy + 36 + 10
	if b.Title != "" {
		ty = r.paragraph(ts, b.Title, ix, ty, inner, 0, nil)
	}
	r.paragraph(xs, b.Text, ix, ty, inner, 0, colBlue)
	return y + h
}

// banner draws a coloured strip with an icon: red and orange warn, green
// confirms, blue informs.
func (r *renderer) banner(b Block, y float64) float64 {
	c, bg, sign := colBlue, color.NRGBA{0xe3, 0xee, 0xfc, 0xff}, byte('i')
	switch b.Color {
	case "red":
		c, bg, sign = colRed, color.NRGBA{0xfd, 0xe8, 0xe8, 0xff}, '!'
	case "orange":
		c, bg, sign = colOrange, color.NRGBA{0xff, 0xf1, 0xdc, 0xff}, '!'
	case "green":
		c, bg, sign = colGreen, color.NRGBA{0xe4, 0xf4, 0xe6, 0xff}, 'v'
	}
	st := style{bold, 30, colText}
	tx := float64(margin + 24 + 40 + 18)
	tw := Width - margin - 24 - tx
	_, th := r.paragraphSize(st, b.Text, tw)
	h := max(th, 40) + 40
	r.fillRound(margin, y, contentW, h, 14, bg)
	r.fillRound(margin, y, 8, h, 4, c)
	if sign == '!' && b.Color == "orange" {
		r.warning(margin+24, y+(h-40)/2, 40, c)
	} else {
		r.badge(margin+24, y+(h-40)/2, 40, c, sign)
	}
	r.paragraph(st, b.Text, tx, y+(h-th)/2, tw, 0, nil)
	return y + h
}

// picture draws a photo placeholder: a grey frame with a landscape sign and
// the caption saying what the photo shows.
func (r *renderer) picture(b Block, y float64) float64 {
	h := map[string]float64{"small": 220, "large": 480}[b.Size]
	if h == 0 {
		h = 340
	}
	r.fillRound(margin, y, contentW, h, 18, color.NRGBA{0xdf, 0xe3, 0xe8, 0xff})
	cs := style{italic, sizeSmall, color.NRGBA{0x4a, 0x50, 0x58, 0xff}}
	_, ch := r.paragraphSize(cs, b.Text, contentW-64)
	s := min(h-ch-56, 140.0)
	ix, iy := Width/2-s/2, y+(h-ch-s-16)/2
	if s > 40 {
		fg := color.NRGBA{0xa6, 0xae, 0xb8, 0xff}
		r.fillCircle(ix+s*0.72, iy+s*0.28, s*0.12, fg)
		r.polygon(fg, ix, iy+s*0.9, ix+s*0.36, iy+s*0.42, ix+s*0.6, iy+s*0.72, ix+s*0.72, iy+s*0.6, ix+s, iy+s*0.9)
	} else {
		s, iy = 0, y+(h-ch)/2-8
	}
	r.paragraph(cs, b.Text, margin+32, iy+s+16, contentW-64, 0.5, nil)
	return y + h
}

// progress draws a label, a bar (red from 90 %) and a detail line.
func (r *renderer) progress(b Block, y float64) float64 {
	ls := style{regular, sizeBody, colText}
	ps := style{bold, 30, colMuted}
	pct := fmt.Sprintf("%d %%", b.Percent)
	r.text(ls, r.fit(ls, b.Text, contentW-r.width(ps, pct)-20), margin, y)
	fill := colBlue
	if b.Percent >= 90 {
		fill, ps.color = colRed, colRed
	}
	r.textRight(ps, pct, Width-margin, y+2)
	y += ls.lineHeight() + 10
	r.fillRound(margin, y, contentW, 22, 11, colFill)
	if b.Percent > 0 {
		r.fillRound(margin, y, max(contentW*float64(b.Percent)/100, 22), 22, 11, fill)
	}
	y += 22
	if b.Detail != "" {
		y = r.paragraph(style{regular, sizeSmall, colMuted}, b.Detail, margin, y+10, contentW, 0, nil)
	}
	return y
}

// menu draws a pop-up menu or share sheet: a card of rows.
func (r *renderer) menu(b Block, y float64) float64 {
	const rowH = 84.0
	h := rowH * float64(len(b.Items))
	ts := style{bold, sizeSmall, colMuted}
	if b.Title != "" {
		h += 64
	}
	r.fillRound(margin, y, contentW, h, 22, colWhite)
	r.strokeRound(margin, y, contentW, h, 22, 2, colLine)
	ry := y
	if b.Title != "" {
		r.text(ts, r.fit(ts, b.Title, contentW-56), margin+28, y+20)
		ry += 64
	}
	is := style{regular, sizeBody, colText}
	for i, it := range b.Items {
		if i > 0 || b.Title != "" {
			r.fillRect(margin+2, ry, contentW-4, 1.5, colLine)
		}
		r.text(is, r.fit(is, it, contentW-56), margin+28, ry+(rowH-is.size*1.2)/2)
		ry += rowH
	}
	return y + h
}

// apps draws a home screen's grid of app icons, four a row.
func (r *renderer) apps(b Block, y float64) float64 {
	const per, icon = 4, 116.0
	cell := float64(contentW) / per
	ns := style{regular, sizeTiny, colText}
	is := style{bold, 52, colWhite}
	for i, name := range b.Items {
		cx := margin + cell*float64(i%per) + cell/2
		top := y + float64(i/per)*(icon+64)
		r.fillRound(cx-icon/2, top, icon, icon, 28, colorOf(name))
		r.textCentered(is, initial(name), cx, top+icon/2-is.size*0.58)
		r.textCentered(ns, r.fit(ns, name, cell-8), cx, top+icon+10)
	}
	rows := (len(b.Items) + per - 1) / per
	return y + float64(rows)*(icon+64) - 20
}

// qr draws a real QR code of the block's text, crisp (whole pixels per
// module), with the caption under it.
func (r *renderer) qr(b Block, y float64) float64 {
	code, err := qr.Encode(b.Text, qr.M, qr.Auto)
	if err != nil {
		panic(fmt.Sprintf("qr %q: %v", b.Text, err)) // Parse bounds the text; Draw turns this into an error
	}
	n := code.Bounds().Dx()
	module := max(int(360/float64(n+8)), 3)
	side := float64(module * (n + 8))
	x := math.Round(Width/2 - side/2)
	r.fillRound(x-8, y-8, side+16, side+16, 18, colLine)
	r.fillRound(x-6, y-6, side+12, side+12, 16, colWhite)
	ox, oy := int(x)+4*module, int(y)+4*module
	for j := range n {
		for i := range n {
			if lum, _, _, _ := code.At(i, j).RGBA(); lum < 0x8000 {
				for dy := range module {
					for dx := range module {
						r.im.Set(ox+i*module+dx, oy+j*module+dy, color.Black)
					}
				}
			}
		}
	}
	y += side + 8
	if b.Caption != "" {
		y = r.paragraph(style{regular, 30, colText}, b.Caption, margin, y+16, contentW, 0.5, nil)
	}
	return y
}
