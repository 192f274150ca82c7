package chart

import "math"

// Bars draws horizontal bars on a white square, one row per axis in the
// given order: the label on the left, a bar from 0 on a light track that runs
// to the top of the scale (so "3 out of 8" reads at a glance), the value
// written at the bar's end, and a whisker from Low to High where an axis has
// a band. Advisors get it in Slack for a campaign's average level per
// competence; Radar falls back to it below three axes.
//
// Horizontal rather than vertical bars because competence labels are long and
// read left to right. An axis's Text replaces its number at the bar's end
// (a learner's picture writes "3 · intermédiaire", the words of the text). PNG bytes, deterministic; errors as for Radar.
func Bars(axes []Axis, opts Options) (_ []byte, err error) {
	defer guard(&err)
	set, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	as, err := checkAxes(axes, set.max)
	if err != nil {
		return nil, err
	}
	return bars(as, set)
}

func bars(as []axis, set settings) ([]byte, error) {
	p, err := newPic(set.size, set.size)
	if err != nil {
		return nil, err
	}
	s := float64(set.size) / DefaultSize // every length below is for 800 px
	margin := math.Round(24 * s)
	top := p.title(set.title, s) + math.Round(8*s)

	ticks := p.font(math.Round(18*s), false, colMuted)
	bottom := p.h - margin - ticks.lineHeight()
	n := float64(len(as))
	row := math.Min(math.Floor((bottom-top)/n), math.Round(100*s))
	// Fonts are 22 px (at 800), larger when a few rows leave room, smaller
	// only when 30 rows leave none.
	fs := math.Round(math.Min(math.Min(math.Max(22*s, 0.3*row), 28*s), 0.72*row))
	lab := p.font(fs, false, colText)
	val := p.font(fs, true, colText)

	labelW := 0.0
	for _, a := range as {
		labelW = math.Max(labelW, lab.width(a.label))
	}
	labelW = math.Min(labelW, math.Round(0.42*p.w))
	valueW := val.width(formatLevel(set.max))
	for _, a := range as {
		valueW = math.Max(valueW, val.width(a.text))
	}
	gap := math.Round(14 * s)
	x0 := margin + labelW + gap
	x1 := p.w - margin - valueW - gap
	scale := func(v float64) float64 { return x0 + (x1-x0)*v/set.max }

	// Rows are centred vertically when there are few of them: a lone bar at
	// the top of a square picture looks like a rendering error.
	y0 := top + math.Floor((bottom-top-row*n)/2)
	yEnd := y0 + row*n

	// Level grid behind the bars, numbered under them.
	for _, lv := range append([]float64{0}, ringLevels(set.max)...) {
		x := scale(lv)
		p.line(x, y0, x, yEnd, colGrid, 1.5*s)
		p.draw(ticks, formatRing(lv), x, yEnd+math.Round(4*s), alignCenter)
	}

	thick := math.Round(0.62 * row)
	for i, a := range as {
		ry := y0 + float64(i)*row
		by := ry + math.Round((row-thick)/2)
		mid := ry + row/2
		p.draw(lab, lab.fit(a.label, labelW), x0-gap, mid-lab.lineHeight()/2, alignRight)
		p.rect(x0, by, x1-x0, thick, colTrack)
		end := scale(a.value)
		if end > x0 {
			p.rect(x0, by, end-x0, thick, colMain)
		}
		textX := end
		if a.band {
			lx, hx := scale(a.low), scale(a.high)
			w := math.Max(2.5*s, 1)
			cap := thick * 0.3
			p.line(lx, mid, hx, mid, colWhisker, w)
			p.line(lx, mid-cap, lx, mid+cap, colWhisker, w)
			p.line(hx, mid-cap, hx, mid+cap, colWhisker, w)
			textX = math.Max(textX, hx)
		}
		txt := formatLevel(a.value)
		if a.text != "" {
			txt = a.text
		}
		p.draw(val, txt, textX+math.Round(8*s), mid-val.lineHeight()/2, alignLeft)
	}
	return p.png()
}
