package screen

import (
	"hash/fnv"
	"image/color"
	"math"
	"strings"
)

func (r *renderer) fillRect(x, y, w, h float64, c color.Color) {
	r.dc.DrawRectangle(x, y, w, h)
	r.dc.SetColor(c)
	r.dc.Fill()
}

func (r *renderer) fillRound(x, y, w, h, rad float64, c color.Color) {
	r.dc.DrawRoundedRectangle(x, y, w, h, rad)
	r.dc.SetColor(c)
	r.dc.Fill()
}

func (r *renderer) strokeRound(x, y, w, h, rad, lw float64, c color.Color) {
	r.dc.DrawRoundedRectangle(x+lw/2, y+lw/2, w-lw, h-lw, rad)
	r.dc.SetColor(c)
	r.dc.SetLineWidth(lw)
	r.dc.Stroke()
}

func (r *renderer) fillCircle(x, y, rad float64, c color.Color) {
	r.dc.DrawCircle(x, y, rad)
	r.dc.SetColor(c)
	r.dc.Fill()
}

func (r *renderer) line(x1, y1, x2, y2, lw float64, c color.Color) {
	r.dc.SetLineCapRound()
	r.dc.SetLineJoinRound()
	r.dc.DrawLine(x1, y1, x2, y2)
	r.dc.SetColor(c)
	r.dc.SetLineWidth(lw)
	r.dc.Stroke()
}

// polyline strokes the points (x0, y0, x1, y1 …) with round joins.
func (r *renderer) polyline(lw float64, c color.Color, pts ...float64) {
	r.dc.SetLineCapRound()
	r.dc.SetLineJoinRound()
	r.dc.MoveTo(pts[0], pts[1])
	for i := 2; i+1 < len(pts); i += 2 {
		r.dc.LineTo(pts[i], pts[i+1])
	}
	r.dc.SetColor(c)
	r.dc.SetLineWidth(lw)
	r.dc.Stroke()
}

// polygon fills the closed shape of the points (x0, y0, x1, y1 …).
func (r *renderer) polygon(c color.Color, pts ...float64) {
	r.dc.MoveTo(pts[0], pts[1])
	for i := 2; i+1 < len(pts); i += 2 {
		r.dc.LineTo(pts[i], pts[i+1])
	}
	r.dc.ClosePath()
	r.dc.SetColor(c)
	r.dc.Fill()
}

// separator is the thin line under a list row.
func (r *renderer) separator(y float64) {
	r.fillRect(margin, y, Width-2*margin, 2, colLine)
}

// chevron draws ">" with its point at (x, y).
func (r *renderer) chevron(x, y float64, c color.Color) {
	r.polyline(4, c, x-10, y-14, x, y, x-10, y+14)
}

// checkMark draws a tick in a box of side s at (x, y).
func (r *renderer) checkMark(x, y, s float64, c color.Color) {
	r.polyline(s*0.12, c, x+s*0.24, y+s*0.52, x+s*0.42, y+s*0.70, x+s*0.76, y+s*0.32)
}

// padlock draws a closed padlock of height h with its top left at (x, y).
func (r *renderer) padlock(x, y, h float64, c color.Color) {
	w := h * 0.8
	r.dc.DrawArc(x+w/2, y+h*0.42, w*0.30, math.Pi, 2*math.Pi)
	r.dc.SetColor(c)
	r.dc.SetLineWidth(h * 0.12)
	r.dc.Stroke()
	r.line(x+w*0.2, y+h*0.42, x+w*0.2, y+h*0.5, h*0.12, c)
	r.line(x+w*0.8, y+h*0.42, x+w*0.8, y+h*0.5, h*0.12, c)
	r.fillRound(x, y+h*0.45, w, h*0.55, h*0.1, c)
}

// warning draws a triangle with "!" of side s, top left at (x, y).
func (r *renderer) warning(x, y, s float64, c color.Color) {
	r.dc.MoveTo(x+s/2, y)
	r.dc.LineTo(x+s, y+s*0.9)
	r.dc.LineTo(x, y+s*0.9)
	r.dc.ClosePath()
	r.dc.SetColor(c)
	r.dc.SetLineJoinRound()
	r.dc.SetLineWidth(s * 0.12)
	r.dc.FillPreserve()
	r.dc.Stroke()
	r.line(x+s/2, y+s*0.32, x+s/2, y+s*0.58, s*0.12, colWhite)
	r.fillCircle(x+s/2, y+s*0.74, s*0.065, colWhite)
}

// badge draws a round icon of diameter s with a sign: "!" (error), "i"
// (information) or "v" (a tick).
func (r *renderer) badge(x, y, s float64, c color.Color, sign byte) {
	r.fillCircle(x+s/2, y+s/2, s/2, c)
	switch sign {
	case '!':
		r.line(x+s/2, y+s*0.24, x+s/2, y+s*0.58, s*0.13, colWhite)
		r.fillCircle(x+s/2, y+s*0.76, s*0.075, colWhite)
	case 'i':
		r.line(x+s/2, y+s*0.44, x+s/2, y+s*0.76, s*0.13, colWhite)
		r.fillCircle(x+s/2, y+s*0.26, s*0.075, colWhite)
	default:
		r.checkMark(x, y, s, colWhite)
	}
}

// iconColors are the flat colours of avatars and app icons, chosen by the
// name's hash so that a name always gets the same colour.
var iconColors = []color.NRGBA{
	{0x2e, 0x7d, 0x32, 0xff}, {0x15, 0x65, 0xc0, 0xff}, {0xc6, 0x28, 0x28, 0xff}, {0x6a, 0x1b, 0x9a, 0xff},
	{0xef, 0x6c, 0x00, 0xff}, {0x00, 0x83, 0x8f, 0xff}, {0x45, 0x5a, 0x64, 0xff}, {0xad, 0x14, 0x57, 0xff},
	{0x5d, 0x40, 0x37, 0xff}, {0x28, 0x35, 0x93, 0xff},
}

func colorOf(name string) color.NRGBA {
	h := fnv.New32a()
	h.Write([]byte(name))
	return iconColors[h.Sum32()%uint32(len(iconColors))]
}

// initial is the first letter of a name, upper case, or "#" for a number.
func initial(name string) string {
	for _, c := range name {
		switch {
		case c >= '0' && c <= '9', c == '+':
			return "#"
		case c != ' ' && c != '"' && c != '«':
			return strings.ToUpper(string(c))
		}
	}
	return "?"
}

// avatar draws a round avatar of diameter s with the name's initial.
func (r *renderer) avatar(name string, x, y, s float64) {
	c := colorOf(name)
	r.fillCircle(x+s/2, y+s/2, s/2, c)
	if initial(name) == "#" { // an unknown number: a person's outline
		r.fillCircle(x+s/2, y+s*0.38, s*0.17, colWhite)
		r.dc.DrawEllipticalArc(x+s/2, y+s*0.86, s*0.3, s*0.26, math.Pi, 2*math.Pi)
		r.dc.SetColor(colWhite)
		r.dc.Fill()
		return
	}
	st := style{bold, s * 0.45, colWhite}
	r.textCentered(st, initial(name), x+s/2, y+s/2-st.size*0.55)
}

// fileIcon draws a file of the kind (or the name's extension) in a square of
// side s at (x, y): a folder, or a page with a coloured band naming its type.
func (r *renderer) fileIcon(kind, name string, x, y, s float64) {
	if kind == "folder" {
		c := color.NRGBA{0xf2, 0xb1, 0x00, 0xff}
		r.fillRound(x+s*0.04, y+s*0.16, s*0.42, s*0.2, s*0.06, c)
		r.fillRound(x+s*0.04, y+s*0.24, s*0.92, s*0.62, s*0.08, c)
		r.fillRound(x+s*0.04, y+s*0.34, s*0.92, s*0.52, s*0.08, color.NRGBA{0xff, 0xc8, 0x2e, 0xff})
		return
	}
	label, c := fileLabel(kind, name)
	pw := s * 0.74
	px := x + (s-pw)/2
	r.fillRound(px, y, pw, s, s*0.08, color.NRGBA{0xf1, 0xf2, 0xf4, 0xff})
	r.strokeRound(px, y, pw, s, s*0.08, 2, colLine)
	r.polygon(colLine, px+pw*0.66, y, px+pw, y+pw*0.34, px+pw*0.66, y+pw*0.34)
	r.fillRound(x, y+s*0.5, s, s*0.36, s*0.06, c)
	st := style{bold, s * 0.26, colWhite}
	for r.width(st, label) > s*0.9 && st.size > 8 {
		st.size--
	}
	r.textCentered(st, label, x+s/2, y+s*0.68-st.size*0.55)
}

// fileStyles is, per file kind, the label written on its icon and its colour.
var fileStyles = map[string]struct {
	label string
	color color.NRGBA
}{
	"pdf":   {"PDF", color.NRGBA{0xd9, 0x30, 0x25, 0xff}},
	"image": {"JPG", color.NRGBA{0x8e, 0x24, 0xaa, 0xff}},
	"doc":   {"DOC", color.NRGBA{0x1e, 0x6f, 0xd9, 0xff}},
	"sheet": {"XLS", color.NRGBA{0x1e, 0x8e, 0x3e, 0xff}},
	"video": {"MP4", color.NRGBA{0xf4, 0x51, 0x1e, 0xff}},
	"audio": {"MP3", color.NRGBA{0x00, 0x89, 0x7b, 0xff}},
	"zip":   {"ZIP", color.NRGBA{0x6d, 0x4c, 0x41, 0xff}},
	"apk":   {"APK", color.NRGBA{0x43, 0xa0, 0x47, 0xff}},
	"other": {"FICHIER", color.NRGBA{0x75, 0x75, 0x75, 0xff}},
}

// extKinds maps a file name's extension to its kind.
var extKinds = map[string]string{
	"pdf": "pdf", "jpg": "image", "jpeg": "image", "png": "image", "heic": "image", "gif": "image", "webp": "image",
	"doc": "doc", "docx": "doc", "odt": "doc", "txt": "doc", "rtf": "doc",
	"xls": "sheet", "xlsx": "sheet", "ods": "sheet", "csv": "sheet",
	"mp4": "video", "mov": "video", "avi": "video", "mkv": "video",
	"mp3": "audio", "m4a": "audio", "wav": "audio", "ogg": "audio",
	"zip": "zip", "rar": "zip", "7z": "zip", "apk": "apk",
	"exe": "other", "scr": "other", "bat": "other", "js": "other", "vbs": "other", "iso": "other",
}

// fileLabel is the short type written on a file icon and its colour: the
// name's extension when it has a known one (so « facture.pdf.exe » shows
// EXE), else the kind's label.
func fileLabel(kind, name string) (string, color.NRGBA) {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		ext := strings.ToLower(name[i+1:])
		if k, ok := extKinds[ext]; ok {
			return strings.ToUpper(ext), fileStyles[k].color
		}
	}
	st, ok := fileStyles[kind]
	if !ok {
		st = fileStyles["other"]
	}
	return st.label, st.color
}
