package screen

import (
	"image/color"
	"strings"
	"unicode/utf8"
)

// contentW is the width of a block between the margins.
const contentW = Width - 2*margin

// block draws b with its top at y and returns the y under it.
func (r *renderer) block(b Block, y float64) float64 {
	switch b.Kind {
	case Bubble:
		return r.bubble(b, y)
	case TextBlock:
		return r.textBlock(b, y)
	case Field:
		return r.field(b, y)
	case Button:
		return r.button(b, y)
	case Toggle, Check:
		return r.switchRow(b, y)
	case Row:
		return r.row(b, y)
	case Link:
		return r.paragraph(style{regular, sizeBody, colBlue}, b.Text, margin, y, contentW, 0, colBlue)
	case Attachment:
		return r.attachment(b, y)
	case File:
		return r.file(b, y)
	case Table:
		return r.table(b, y)
	case Notification:
		return r.notification(b, y)
	case Banner:
		return r.banner(b, y)
	case Picture:
		return r.picture(b, y)
	case Progress:
		return r.progress(b, y)
	case Menu:
		return r.menu(b, y)
	case Apps:
		return r.apps(b, y)
	case QR:
		return r.qr(b, y)
	case Divider:
		r.fillRect(margin, y+6, contentW, 2, colLine)
		return y + 14
	}
	return y
}

// bubble draws a chat message: grey on the left from them, blue on the right
// from me, with the sender's name above and the time under it.
func (r *renderer) bubble(b Block, y float64) float64 {
	me := b.From == "me"
	st := style{regular, sizeBody, colText}
	link := color.Color(colBlue)
	bg := colThem
	if me {
		st.color, link, bg = colWhite, colWhite, colMe
	}
	const padX, padY = 24.0, 16.0
	maxW := float64(Width)*0.76 - 2*padX
	tw, th := r.paragraphSize(st, b.Text, maxW)
	w, h := tw+2*padX, th+2*padY
	x := float64(margin)
	if me {
		x = Width - margin - w
	}
	if b.Sender != "" {
		ss := style{bold, sizeTiny, colorOf(b.Sender)}
		r.text(ss, b.Sender, x+padX, y)
		y += ss.lineHeight()
	}
	r.fillRound(x, y, w, h, 28, bg)
	r.paragraph(st, b.Text, x+padX, y+padY-2, tw, 0, link)
	y += h
	if b.Time != "" {
		ms := style{regular, sizeTiny, colMuted}
		if me {
			r.textRight(ms, b.Time, x+w-8, y+6)
		} else {
			r.text(ms, b.Time, x+8, y+6)
		}
		y += 6 + ms.lineHeight()
	}
	return y
}

func textStyle(name string) style {
	switch name {
	case "title":
		return style{bold, sizeTitle, colText}
	case "bold":
		return style{bold, sizeBody, colText}
	case "small":
		return style{regular, sizeSmall, colMuted}
	case "muted":
		return style{regular, sizeBody, colMuted}
	case "red":
		return style{bold, sizeBody, colRed}
	case "green":
		return style{bold, sizeBody, colGreen}
	}
	return style{regular, sizeBody, colText}
}

func (r *renderer) textBlock(b Block, y float64) float64 {
	return r.paragraph(textStyle(b.Style), b.Text, margin, y, contentW, 0, colBlue)
}

// field draws a form field: its label, a box with the value (or the
// placeholder, or dots for a password), and the error in red under it.
func (r *renderer) field(b Block, y float64) float64 {
	ls := style{regular, sizeSmall, colMuted}
	if b.Error != "" {
		ls.color = colRed
	}
	r.text(ls, b.Text, margin+4, y)
	y += ls.lineHeight() + 4
	const h = 80.0
	border, lw := colLine, 2.5
	if b.Error != "" {
		border, lw = colRed, 3.5
	}
	r.fillRound(margin, y, contentW, h, 14, colWhite)
	r.strokeRound(margin, y, contentW, h, 14, lw, border)
	vs := style{regular, sizeBody, colText}
	ty := y + (h-vs.size*1.2)/2
	switch {
	case b.Value != "" && b.Password:
		n := min(utf8.RuneCountInString(b.Value), 20)
		for i := range n {
			r.fillCircle(margin+34+float64(i)*28, y+h/2, 8, colText)
		}
	case b.Value != "":
		r.text(vs, r.fit(vs, b.Value, contentW-48), margin+24, ty)
	case b.Placeholder != "":
		r.text(style{regular, sizeBody, colFaint}, r.fit(vs, b.Placeholder, contentW-48), margin+24, ty)
	}
	y += h
	if b.Error != "" {
		es := style{regular, sizeSmall, colRed}
		r.badge(margin+4, y+12, 28, colRed, '!')
		y = r.paragraph(es, b.Error, margin+44, y+10, contentW-44, 0, nil)
	}
	return y
}

func (r *renderer) button(b Block, y float64) float64 {
	const h = 92.0
	st := style{bold, sizeBody, colWhite}
	switch b.Style {
	case "secondary":
		st.color = colBlue
		r.strokeRound(margin, y, contentW, h, 20, 3, colBlue)
	case "danger":
		r.fillRound(margin, y, contentW, h, 20, colRed)
	default:
		r.fillRound(margin, y, contentW, h, 20, colBlue)
	}
	r.textCentered(st, r.fit(st, b.Text, contentW-40), Width/2, y+(h-st.size*1.2)/2)
	return y + h
}

// switchRow draws a toggle (a switch on the right) or a check (a box on the
// left) with its label.
func (r *renderer) switchRow(b Block, y float64) float64 {
	ls := style{regular, sizeBody, colText}
	ds := style{regular, sizeSmall, colMuted}
	if b.Kind == Check {
		const box = 46.0
		lx := float64(margin + box + 22)
		_, th := r.paragraphSize(ls, b.Text, Width-margin-lx)
		h := max(th, box)
		by := y + (min(h, ls.lineHeight())-box)/2 + 2
		if b.On {
			r.fillRound(margin, by, box, box, 10, colBlue)
			r.checkMark(margin, by, box, colWhite)
		} else {
			r.strokeRound(margin, by, box, box, 10, 3.5, colMuted)
		}
		r.paragraph(ls, b.Text, lx, y, Width-margin-lx, 0, colBlue)
		return y + h
	}
	const sw, sh = 96.0, 56.0
	tw := contentW - sw - 24
	_, lh := r.paragraphSize(ls, b.Text, tw)
	h := lh
	if b.Detail != "" {
		_, dh := r.paragraphSize(ds, b.Detail, tw)
		h += dh + 2
	}
	h = max(h, sh) + 28
	ty := r.paragraph(ls, b.Text, margin, y+14, tw, 0, nil)
	if b.Detail != "" {
		r.paragraph(ds, b.Detail, margin, ty+2, tw, 0, nil)
	}
	sx, sy := float64(Width-margin-sw), y+(h-sh)/2
	track, knobX := color.Color(colLine), sx+sh/2
	if b.On {
		track, knobX = colSwitchOn, sx+sw-sh/2
	}
	r.fillRound(sx, sy, sw, sh, sh/2, track)
	r.fillCircle(knobX, sy+sh/2, sh/2-5, colWhite)
	r.separator(y + h + gap/2 - 1)
	return y + h
}

// row draws a settings or list row: label and detail on the left, value and a
// chevron on the right.
func (r *renderer) row(b Block, y float64) float64 {
	ls := style{regular, sizeBody, colText}
	vs := style{regular, 30, colMuted}
	ds := style{regular, sizeSmall, colMuted}
	right := float64(Width - margin - 24)
	vw := 0.0
	if b.Value != "" {
		vw = min(r.width(vs, b.Value), contentW*0.5)
	}
	lw := right - margin - vw - 20
	h := ls.lineHeight()
	if b.Detail != "" {
		h += ds.lineHeight()
	}
	h = max(h+28, 88)
	top := y + (h-ls.lineHeight())/2
	if b.Detail != "" {
		top = y + (h-ls.lineHeight()-ds.lineHeight())/2
	}
	r.text(ls, r.fit(ls, b.Text, lw), margin, top)
	if b.Detail != "" {
		r.text(ds, r.fit(ds, b.Detail, lw), margin, top+ls.lineHeight())
	}
	if b.Value != "" {
		r.textRight(vs, r.fit(vs, b.Value, vw), right-12, y+(h-vs.lineHeight())/2)
	}
	r.chevron(Width-margin-4, y+h/2, colFaint)
	r.separator(y + h + gap/2 - 1)
	return y + h
}

// attachment draws a file attached to a mail or message, as a card.
func (r *renderer) attachment(b Block, y float64) float64 {
	const h = 112.0
	w := float64(contentW)
	if r.chat {
		w = Width * 0.76
	}
	r.fillRound(margin, y, w, h, 18, colWhite)
	r.strokeRound(margin, y, w, h, 18, 2.5, colLine)
	r.fileIcon("other", b.Text, margin+22, y+22, 68)
	ns := style{bold, 30, colText}
	tx := float64(margin + 22 + 68 + 22)
	avail := margin + w - tx - 20
	if b.Size == "" {
		r.text(ns, r.fit(ns, b.Text, avail), tx, y+(h-ns.size*1.2)/2)
		return y + h
	}
	r.text(ns, r.fit(ns, b.Text, avail), tx, y+22)
	r.text(style{regular, sizeSmall, colMuted}, b.Size, tx, y+64)
	return y + h
}

// file draws a file manager's row: the icon, the name and a detail line.
func (r *renderer) file(b Block, y float64) float64 {
	const h = 100.0
	r.fileIcon(b.FileKind, b.Text, margin, y+16, 68)
	ns := style{regular, sizeBody, colText}
	tx := float64(margin + 68 + 26)
	avail := Width - margin - tx
	if b.Detail == "" {
		r.text(ns, r.fit(ns, b.Text, avail), tx, y+(h-ns.size*1.2)/2)
	} else {
		r.text(ns, r.fit(ns, b.Text, avail), tx, y+14)
		ds := style{regular, sizeSmall, colMuted}
		r.text(ds, r.fit(ds, b.Detail, avail), tx, y+56)
	}
	r.fillRect(tx, y+h+gap/2-1, Width-margin-tx, 2, colLine)
	return y + h
}

// initials of a notification's app: the first letters of its first two words.
func initials(s string) string {
	var out []string
	for _, w := range strings.Fields(s) {
		if len(out) == 2 {
			break
		}
		out = append(out, initial(w))
	}
	return strings.Join(out, "")
}
