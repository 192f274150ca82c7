package screen

import (
	"fmt"
	"image/color"
	"math"
	"strings"
)

const statusHeight = 64

// statusBar draws the time on the left and signal, network, wifi and battery
// on the right, and returns the y under it.
func (r *renderer) statusBar() float64 {
	st := r.spec.Status
	r.fillRect(0, 0, Width, statusHeight, colBar)
	r.text(style{bold, 28, colText}, st.Time, 40, 16)
	x := float64(Width - 36)
	// Battery: body, nub, level, and its percentage to the left.
	bw, bh := 50.0, 25.0
	x -= bw
	by := 20.0
	r.strokeRound(x, by, bw-4, bh, 7, 2.5, colText)
	r.fillRound(x+bw-4, by+8, 4, bh-16, 1.5, colText)
	level := colText
	switch {
	case st.Charging:
		level = colGreen
	case st.Battery <= 20:
		level = colRed
	}
	if fill := (bw - 12) * float64(st.Battery) / 100; fill > 0 {
		r.fillRound(x+4, by+4, max(fill, 3), bh-8, 3.5, level)
	}
	if st.Charging {
		cx := x + (bw-4)/2
		r.polygon(colBar, cx+3, by-3, cx-9, by+15, cx-1, by+15, cx-4, by+bh+3, cx+9, by+9, cx+1, by+9)
		r.polygon(colText, cx+2, by+1, cx-6, by+13, cx+1, by+13, cx-2, by+bh-1, cx+6, by+11, cx-1, by+11)
	}
	pct := fmt.Sprintf("%d %%", st.Battery)
	ps := style{bold, 24, colText}
	if st.Battery <= 20 && !st.Charging {
		ps.color = colRed
	}
	x -= r.width(ps, pct) + 8
	r.text(ps, pct, x, 19)
	x -= 18
	if st.Airplane {
		r.plane(x-34, 16, 34)
		return statusHeight
	}
	if st.WiFi {
		x -= 36
		r.wifi(x, 18, 36)
		x -= 14
	}
	if st.Network != "" {
		ns := style{bold, 23, colText}
		x -= r.width(ns, st.Network)
		r.text(ns, st.Network, x, 20)
		x -= 8
	}
	// Four bars of growing height; those above the signal are faint.
	for i := 3; i >= 0; i-- {
		x -= 9
		c := colText
		if i >= st.Signal {
			c = colLine
		}
		h := 8 + 5*float64(i)
		r.fillRound(x, 44-h, 6, h, 1.5, c)
		x -= 3
	}
	return statusHeight
}

// wifi draws the wifi fan of width w, top left at (x, y).
func (r *renderer) wifi(x, y, w float64) {
	cx, cy := x+w/2, y+w*0.72
	r.fillCircle(cx, cy, w*0.08, colText)
	for _, rad := range []float64{w * 0.28, w * 0.48} {
		r.dc.DrawArc(cx, cy, rad, math.Pi*1.25, math.Pi*1.75)
		r.dc.SetColor(colText)
		r.dc.SetLineWidth(w * 0.11)
		r.dc.SetLineCapRound()
		r.dc.Stroke()
	}
}

// plane draws a plane seen from above, pointing up, in a square of side s.
func (r *renderer) plane(x, y, s float64) {
	cx := x + s/2
	r.polygon(colText,
		cx, y, cx+s*0.07, y+s*0.08, cx+s*0.07, y+s*0.36, cx+s*0.46, y+s*0.58, cx+s*0.46, y+s*0.68,
		cx+s*0.07, y+s*0.56, cx+s*0.07, y+s*0.80, cx+s*0.2, y+s*0.9, cx+s*0.2, y+s*0.98, cx, y+s*0.93,
		cx-s*0.2, y+s*0.98, cx-s*0.2, y+s*0.9, cx-s*0.07, y+s*0.80, cx-s*0.07, y+s*0.56, cx-s*0.46, y+s*0.68,
		cx-s*0.46, y+s*0.58, cx-s*0.07, y+s*0.36, cx-s*0.07, y+s*0.08)
}

// titleBar draws the back arrow, an avatar for a conversation, the title and
// subtitle, then the address bar when there is one; it returns the y under
// them.
func (r *renderer) titleBar(y float64) float64 {
	s := r.spec
	h := 104.0
	if s.Subtitle != "" && r.chat {
		h = 112
	}
	r.fillRect(0, y, Width, h, colBar)
	r.polyline(5, colBlue, 46, y+h/2-17, 30, y+h/2, 46, y+h/2+17)
	x := 76.0
	if r.chat {
		r.avatar(s.App+s.Subtitle, x, y+(h-68)/2, 68)
		x += 68 + 18
	}
	ts := style{bold, sizeBar, colText}
	title := r.fit(ts, s.App, Width-x-margin)
	if s.Subtitle == "" {
		r.text(ts, title, x, y+(h-ts.size*1.2)/2)
	} else {
		ss := style{regular, sizeSmall, colMuted}
		top := y + (h-ts.size*1.2-ss.size*1.25)/2
		r.text(ts, title, x, top)
		r.text(ss, r.fit(ss, s.Subtitle, Width-x-margin), x, top+ts.size*1.2)
	}
	y += h
	if s.URL != "" {
		y = r.addressBar(y)
	}
	r.fillRect(0, y, Width, 2, colLine)
	return y + 2
}

// addressBar draws a browser's address: a padlock and the site for https,
// « Non sécurisé » for http.
func (r *renderer) addressBar(y float64) float64 {
	s := r.spec
	h := 92.0
	r.fillRect(0, y, Width, h, colBar)
	px, py, ph := 24.0, y+10, 68.0
	r.fillRound(px, py, Width-2*px, ph, ph/2, colFill)
	x := px + 28
	us := style{regular, 29, colText}
	rest := strings.TrimPrefix(strings.TrimPrefix(s.URL, "https://"), "http://")
	if s.Secure() {
		r.padlock(x, py+ph/2-15, 28, colMuted)
		x += 40
	} else {
		r.warning(x, py+ph/2-14, 30, colRed)
		x += 42
		ns := style{bold, 26, colRed}
		r.text(ns, "Non sécurisé", x, py+ph/2-ns.size*0.6)
		x += r.width(ns, "Non sécurisé") + 14
		r.fillRect(x, py+18, 2, ph-36, colFaint)
		x += 14
	}
	host, path, _ := strings.Cut(rest, "/")
	avail := Width - px - 24 - x
	r.text(us, r.fit(us, host, avail), x, py+ph/2-us.size*0.6)
	if path != "" {
		x += r.width(us, host)
		if left := Width - px - 24 - x; left > 40 {
			r.text(style{regular, 29, colMuted}, r.fit(us, "/"+path, left), x, py+ph/2-us.size*0.6)
		}
	}
	return y + h
}

// homeIndicator draws the bar at the bottom of a phone without buttons.
func (r *renderer) homeIndicator(h float64) {
	r.fillRound(Width/2-100, h-22, 200, 8, 4, colText)
}

// Dialog geometry.
const (
	dialogW   = 600.0
	dialogPad = 40.0
	dialogBtn = 92.0
)

func (r *renderer) dialogStyles() (title, text, button style) {
	return style{bold, 34, colText}, style{regular, 30, colMuted}, style{regular, sizeBody, colBlue}
}

func (r *renderer) dialogHeight() float64 {
	d := r.spec.Dialog
	ts, xs, _ := r.dialogStyles()
	inner := dialogW - 2*dialogPad
	_, h := r.paragraphSize(ts, d.Title, inner)
	h += 2 * dialogPad
	if d.Text != "" {
		_, th := r.paragraphSize(xs, d.Text, inner)
		h += th + 16
	}
	if len(d.Buttons) <= 2 {
		return h + dialogBtn
	}
	return h + dialogBtn*float64(len(d.Buttons))
}

// dialog dims the screen and draws the box centred on it.
func (r *renderer) dialog(h float64) {
	d := r.spec.Dialog
	r.fillRect(0, 0, Width, h, color.NRGBA{0, 0, 0, 0x73})
	ts, xs, bs := r.dialogStyles()
	dh := r.dialogHeight()
	x := (Width - dialogW) / 2
	y := math.Round(statusHeight + (h-statusHeight-dh)/2)
	r.fillRound(x, y, dialogW, dh, 28, colWhite)
	inner := dialogW - 2*dialogPad
	ty := r.paragraph(ts, d.Title, x+dialogPad, y+dialogPad, inner, 0.5, nil)
	if d.Text != "" {
		ty = r.paragraph(xs, d.Text, x+dialogPad, ty+16, inner, 0.5, nil)
	}
	by := ty + dialogPad
	last := len(d.Buttons) - 1
	if len(d.Buttons) <= 2 {
		r.fillRect(x, by, dialogW, 2, colLine)
		bw := dialogW / float64(len(d.Buttons))
		for i, b := range d.Buttons {
			st := bs
			if i == last {
				st.w = bold
			}
			if i > 0 {
				r.fillRect(x+bw*float64(i), by, 2, dialogBtn, colLine)
			}
			r.textCentered(st, r.fit(st, b, bw-20), x+bw*float64(i)+bw/2, by+(dialogBtn-st.size*1.2)/2)
		}
		return
	}
	for i, b := range d.Buttons {
		st := bs
		if i == last {
			st.w = bold
		}
		r.fillRect(x, by, dialogW, 2, colLine)
		r.textCentered(st, r.fit(st, b, dialogW-40), x+dialogW/2, by+(dialogBtn-st.size*1.2)/2)
		by += dialogBtn
	}
}
