package chart

import (
	"cmp"
	"image/color"
	"math"
	"slices"
	"strconv"
)

// Radar draws a radar (spider) chart of levels on a white square: one spoke
// per axis, clockwise from the top, its label outside; rings at every other
// level (2, 4, 6, 8 on the CRCN scale), numbered; the learner's polygon
// filled half-transparent so the grid shows through; and a lighter band from
// Low to High where an axis has one.
//
// A radar needs at least three spokes to enclose an area, so with one or two
// axes Radar draws horizontal bars instead (see Bars): the caller need not
// care how many competences a campaign covers.
//
// It returns PNG bytes and is deterministic: the same input gives the same
// bytes. Bad input (no axes, NaN or infinite values, a bad option) gives an
// error wrapping one of the package's Err values, never a panic.
func Radar(axes []Axis, opts Options) (_ []byte, err error) {
	defer guard(&err)
	set, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	as, err := checkAxes(axes, set.max)
	if err != nil {
		return nil, err
	}
	if len(as) < 3 {
		return bars(as, set)
	}
	return radar(as, set)
}

// label is an axis label: its lines, its box size and its spoke's direction.
type label struct {
	lines  []string
	w, h   float64
	cos    float64
	sin    float64
	anchor align
}

// box is a label's place, relative to the chart's centre.
type box struct{ x0, y0, x1, y1 float64 }

func (b box) overlaps(c box, pad float64) bool {
	return b.x0 < c.x1+pad && c.x0 < b.x1+pad && b.y0 < c.y1+pad && c.y0 < b.y1+pad
}

// place lays the labels out around a chart of radius r centred on (0, 0).
//
// Labels on the right half start at their spoke's tip and are left-aligned,
// those on the left half end at it and are right-aligned, the ones on the
// vertical are centred. Vertically a label is centred on its tip except near
// the top and bottom, where it slides above or below it. Then:
//   - a box is pushed sideways until no corner comes within gap of the outer
//     ring (a tall label on a diagonal would otherwise cut into it);
//   - working outwards from the horizontal spokes, a box that overlaps one
//     already placed is moved further up (top half) or down (bottom half).
//     That direction only ever takes it further from the ring.
func place(labels []label, r, gap, pad float64) []box {
	out := make([]box, len(labels))
	d := r + gap
	for i, l := range labels {
		ax, ay := d*l.cos, d*l.sin
		var b box
		switch l.anchor {
		case alignLeft:
			b.x0 = ax
		case alignRight:
			b.x0 = ax - l.w
		default:
			b.x0 = ax - l.w/2
		}
		slide := math.Max(0, (math.Abs(l.sin)-0.6)/0.4) * math.Copysign(1, l.sin)
		b.y0 = ay - l.h*(1-slide)/2
		b.x1, b.y1 = b.x0+l.w, b.y0+l.h
		out[i] = clearRing(b, l.anchor, d)
	}

	// Bottom half first, from the horizontal down, then the top half, from
	// the horizontal up; ties keep the input order so the result is stable.
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	key := func(i int) (half int, dist float64) {
		if labels[i].sin >= -1e-9 {
			return 0, labels[i].sin
		}
		return 1, -labels[i].sin
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ha, da := key(a)
		hb, db := key(b)
		if ha != hb {
			return ha - hb
		}
		return cmp.Compare(da, db)
	})
	for k, i := range order {
		if labels[i].w == 0 {
			continue
		}
		down := labels[i].sin >= -1e-9
		// Each move takes the box strictly further out, past one placed
		// box, so k+1 rounds are enough; the bound and the tolerance make
		// sure float rounding cannot keep it bouncing on an edge.
		for range k + 1 {
			moved := false
			for _, j := range order[:k] {
				o := out[j]
				if labels[j].w == 0 || !out[i].overlaps(o, pad-1e-6) {
					continue
				}
				h := labels[i].h
				y0 := o.y0 - pad - h
				if down {
					y0 = o.y1 + pad
				}
				if down == (y0 > out[i].y0) && y0 != out[i].y0 {
					out[i].y0, out[i].y1 = y0, y0+h
					moved = true
				}
			}
			if !moved {
				break
			}
		}
	}
	return out
}

// clearRing moves b sideways, away from the centre, until the point of b
// nearest the centre is at least d from it.
func clearRing(b box, a align, d float64) box {
	ny := math.Max(b.y0, math.Min(0, b.y1)) // the y of b nearest 0
	if a == alignCenter || math.Abs(ny) >= d {
		return b
	}
	need := math.Sqrt(d*d - ny*ny)
	w := b.x1 - b.x0
	if a == alignLeft && b.x0 < need {
		b.x0 = need
	}
	if a == alignRight && b.x1 > -need {
		b.x0 = -need - w
	}
	b.x1 = b.x0 + w
	return b
}

// radarLabels wraps one label per spoke, spokes clockwise from the top, in
// the label font it returns. Narrow labels on more lines leave the most room
// to the radar: with 16 axes the sides fill first, and width runs out there.
func (p *pic) radarLabels(texts []string, s float64) ([]label, text) {
	f := p.font(math.Round(22*s), false, colText)
	labels := make([]label, len(texts))
	for i, txt := range texts {
		th := -math.Pi/2 + 2*math.Pi*float64(i)/float64(len(texts))
		l := label{cos: math.Cos(th), sin: math.Sin(th)}
		switch {
		case l.cos > 0.15:
			l.anchor = alignLeft
		case l.cos < -0.15:
			l.anchor = alignRight
		default:
			l.anchor = alignCenter
		}
		l.lines = f.wrap(txt, math.Round(0.18*p.w), math.Round(0.25*p.w), 3)
		for _, line := range l.lines {
			l.w = math.Max(l.w, f.width(line))
		}
		l.h = float64(len(l.lines)) * f.lineHeight()
		labels[i] = l
	}
	return labels, f
}

func radar(as []axis, set settings) ([]byte, error) {
	p, err := newPic(set.size, set.size)
	if err != nil {
		return nil, err
	}
	s := float64(set.size) / DefaultSize // every length below is for 800 px
	margin := math.Round(16 * s)
	gap := math.Round(14 * s)
	top := p.title(set.title, s)

	// Lay the labels out first: their size decides how big the radar can be.
	texts := make([]string, len(as))
	for i, a := range as {
		texts[i] = a.label
	}
	labels, lab := p.radarLabels(texts, s)
	n := len(as)

	// The picture's extent around the centre grows with the radius; find
	// the largest radius that fits, then centre that extent.
	pad := math.Round(6 * s)
	extent := func(r float64) (boxes []box, all box) {
		boxes = place(labels, r, gap, pad)
		all = box{-r, -r, r, r}
		for i, b := range boxes {
			if labels[i].w == 0 {
				continue
			}
			all = box{math.Min(all.x0, b.x0), math.Min(all.y0, b.y0), math.Max(all.x1, b.x1), math.Max(all.y1, b.y1)}
		}
		return boxes, all
	}
	availW, availH := p.w-2*margin, p.h-top-margin
	lo, hi := 0.0, p.w/2
	for range 30 {
		mid := (lo + hi) / 2
		if _, all := extent(mid); all.x1-all.x0 <= availW && all.y1-all.y0 <= availH {
			lo = mid
		} else {
			hi = mid
		}
	}
	R := math.Floor(math.Max(lo, 0.15*p.w))
	boxes, all := extent(R)
	cx := math.Round(margin + (availW-(all.x1-all.x0))/2 - all.x0)
	cy := math.Round(top + (availH-(all.y1-all.y0))/2 - all.y0)

	// Grid: rings, the outer one darker as the edge of the scale, and spokes.
	rings := ringLevels(set.max)
	for _, lv := range rings {
		c, w := colGrid, 1.5*s
		if lv == set.max {
			c, w = colGridOut, 2*s
		}
		p.stroke(p.circle(cx, cy, R*lv/set.max), c, w)
	}
	for _, l := range labels {
		p.line(cx, cy, cx+R*l.cos, cy+R*l.sin, colGrid, 1.5*s)
	}

	vertex := func(i int, v float64) [2]float64 {
		r := R * v / set.max
		return [2]float64{cx + r*labels[i].cos, cy + r*labels[i].sin}
	}

	// Band: the area between the Low and the High polygons, drawn as one
	// path whose inner ring runs the other way, so the non-zero fill rule
	// leaves a hole and the grid under Low stays crisp. Axes without a band
	// pinch it to their value.
	hasBand := false
	for _, a := range as {
		hasBand = hasBand || a.band
	}
	if hasBand {
		outer := make([][2]float64, n)
		inner := make([][2]float64, n)
		for i, a := range as {
			low, high := a.value, a.value
			if a.band {
				low, high = a.low, a.high
			}
			outer[i] = vertex(i, high)
			inner[n-1-i] = vertex(i, low)
		}
		path := p.polygon(outer)
		path = append(path, p.polygon(inner)...)
		p.fill(path, colBand)
	}

	// The learner's levels.
	poly := make([][2]float64, n)
	for i, a := range as {
		poly[i] = vertex(i, a.value)
	}
	path := p.polygon(poly)
	p.fill(path, colMainFill)
	p.stroke(path, colMain, 3.5*s)
	for _, q := range poly {
		p.fill(p.circle(q[0], q[1], 5.5*s), colMain)
	}

	// Ring numbers, between the first two spokes where no label is, on a
	// white halo so the polygon under them does not hide them.
	num := p.font(math.Round(18*s), true, colMuted)
	th := -math.Pi/2 + math.Pi/float64(n)
	for _, lv := range rings {
		str := formatRing(lv)
		w, h := num.width(str), num.lineHeight()
		x, y := cx+R*lv/set.max*math.Cos(th), cy+R*lv/set.max*math.Sin(th)
		pad := 3 * s
		p.rect(x-w/2-pad, y-h/2, w+2*pad, h, haloWhite)
		p.draw(num, str, x, y-h/2, alignCenter)
	}

	// Labels last, above everything.
	for i, l := range labels {
		b := boxes[i]
		x := cx + b.x0
		switch l.anchor {
		case alignCenter:
			x += l.w / 2
		case alignRight:
			x += l.w
		}
		for j, line := range l.lines {
			p.draw(lab, line, x, cy+b.y0+float64(j)*lab.lineHeight(), l.anchor)
		}
	}
	return p.png()
}

// haloWhite lets a hint of the polygon show through a ring number's halo.
var haloWhite = color.NRGBA{0xff, 0xff, 0xff, 0xd8}

// ringLevels returns the levels that get a ring: every other level on the
// CRCN's 0–8 scale, and a nice step giving about four rings on any other.
// The top of the scale always gets one, as the chart's edge.
func ringLevels(max float64) []float64 {
	step := niceStep(max / 4)
	var out []float64
	for k := 1; k <= 100; k++ {
		v := float64(k) * step
		if v > max*(1+1e-9) {
			break
		}
		out = append(out, v)
	}
	if len(out) == 0 || out[len(out)-1] < max*(1-1e-9) {
		out = append(out, max)
	} else {
		out[len(out)-1] = max
	}
	return out
}

// niceStep rounds x up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// formatRing writes a ring's level without a useless ".0".
func formatRing(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}
