package lieux

import (
	"fmt"
	"strings"
)

// Hours is an opening_hours value (OSM syntax) read into rules. The part of
// the grammar read is what places publish: weekdays and their ranges and
// lists (Mo-Fr, Mo,We, Fr-Mo), public holidays (PH), months (Jul-Aug), time
// spans and their lists (09:00-12:00,14:00-17:00, past midnight as
// 22:00-02:00), off/closed/open, a "comment", 24/7, and the rule separators
// `;` (a later rule replaces what earlier ones said of its days), `,`
// between rules (adds to them) and `||` (applies only to days no earlier
// rule spoke of). What it does not read (school holidays, weeks, dates,
// sunrise…) is refused with the place where it stands.
type Hours struct {
	Raw   string
	Rules []Rule
}

// RuleKind is how a rule combines with the rules before it.
type RuleKind uint8

const (
	Normal     RuleKind = iota // after `;` (or first): replaces what earlier rules said of its days
	Additional                 // after `,`: adds to the earlier rules
	Fallback                   // after `||`: only for days no earlier rule matched
)

// Rule is one rule: which days it speaks of, and the times it opens (or
// closes, when Off).
type Rule struct {
	Kind     RuleKind
	Months   uint16 // bit m-1 for month m; 0 is every month
	Days     uint8  // bit 0 Monday … bit 6 Sunday; 0 (and no Holidays) is every day
	Holidays bool   // the rule speaks of public holidays (PH)
	Spans    []Span // empty: the whole day
	Off      bool
	Comment  string
}

// Span is a time span in minutes from midnight; End may pass 24:00 (1440)
// for a span running past midnight, up to 48:00.
type Span struct{ Start, End int }

// HoursError says where an opening_hours text stops being readable.
type HoursError struct {
	Raw string
	Pos int // byte offset in Raw
	Msg string
}

func (e *HoursError) Error() string {
	near := e.Raw[e.Pos:]
	if len(near) > 12 {
		near = near[:12] + "…"
	}
	if near == "" {
		return fmt.Sprintf("at the end: %s", e.Msg)
	}
	return fmt.Sprintf("at character %d (%q): %s", e.Pos+1, near, e.Msg)
}

var (
	weekdayNames = []string{"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"}
	monthNames   = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// ParseHours reads an opening_hours text. The error, an *HoursError, says
// where and why it could not be read.
func ParseHours(raw string) (Hours, error) {
	p := &hoursParser{s: raw}
	h := Hours{Raw: raw}
	kind := Normal
	for {
		p.space()
		if p.done() {
			if len(h.Rules) == 0 {
				return h, p.fail("no rule: write days and times, e.g. Mo-Fr 09:00-12:00,14:00-17:00")
			}
			return h, p.fail("a separator with no rule after it: remove the last ; , or ||")
		}
		r, err := p.rule()
		if err != nil {
			return h, err
		}
		r.Kind = kind
		h.Rules = append(h.Rules, r)
		p.space()
		switch {
		case p.done():
			return h, nil
		case p.eat(";"):
			kind = Normal
		case p.eat("||"):
			kind = Fallback
		case p.eat(","):
			kind = Additional
		default:
			return h, p.unreadable()
		}
	}
}

type hoursParser struct {
	s   string
	pos int
}

func (p *hoursParser) done() bool { return p.pos >= len(p.s) }

func (p *hoursParser) space() {
	for !p.done() && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *hoursParser) eat(tok string) bool {
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *hoursParser) fail(format string, args ...any) error {
	return &HoursError{Raw: p.s, Pos: min(p.pos, len(p.s)), Msg: fmt.Sprintf(format, args...)}
}

// unreadable names what stands at the current position.
func (p *hoursParser) unreadable() error {
	rest := p.s[p.pos:]
	switch {
	case p.word("SH"):
		return p.fail("school holidays (SH) depend on the zone and the year, which diagbot does not know: write the days instead")
	case p.word("week"):
		return p.fail("week numbers are not read by diagbot: write weekdays and months instead")
	case p.word("easter"), p.word("sunrise"), p.word("sunset"), p.word("dawn"), p.word("dusk"):
		return p.fail("moving dates and times (easter, sunrise…) are not read by diagbot: write fixed times")
	case strings.HasPrefix(rest, "["):
		return p.fail("the nth weekday of a month (Mo[1]) is not read by diagbot")
	case len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' && strings.ContainsAny(rest[:min(len(rest), 3)], "hH"):
		return p.fail("write times as 09:00-12:00 (two digits, a colon)")
	case len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9':
		return p.fail("years, dates and day numbers are not read by diagbot: write weekdays (Mo-Fr) and times (09:00-12:00)")
	}
	return p.fail("not opening_hours as diagbot reads it: weekdays Mo Tu We Th Fr Sa Su, PH, months Jan–Dec, times 09:00-12:00, off, 24/7, rules separated by ;")
}

// word reports whether w stands at the position (not followed by a letter).
func (p *hoursParser) word(w string) bool {
	rest := p.s[p.pos:]
	if len(rest) < len(w) || !strings.EqualFold(rest[:len(w)], w) {
		return false
	}
	return len(rest) == len(w) || !isLetter(rest[len(w)])
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// index reads one of names (case aside) at the position.
func (p *hoursParser) index(names []string) (int, bool) {
	for i, n := range names {
		if p.word(n) {
			p.pos += len(n)
			return i, true
		}
	}
	return 0, false
}

func (p *hoursParser) rule() (Rule, error) {
	var r Rule
	if p.eat("24/7") {
		r.Spans = []Span{{0, 1440}}
		return r, p.modifier(&r)
	}
	some := false
	if m, ok, err := p.months(); err != nil {
		return r, err
	} else if ok {
		r.Months, some = m, true
		p.space()
	}
	if d, ph, ok, err := p.weekdays(); err != nil {
		return r, err
	} else if ok {
		r.Days, r.Holidays, some = d, ph, true
		p.space()
		p.eat(":") // "Mo-Fr: 09:00-12:00", a common slip
		p.space()
	}
	if spans, ok, err := p.times(); err != nil {
		return r, err
	} else if ok {
		r.Spans, some = spans, true
	}
	before := p.pos
	if err := p.modifier(&r); err != nil {
		return r, err
	}
	if !some && p.pos == before {
		return r, p.unreadable()
	}
	return r, nil
}

// modifier reads an optional open/off/closed and an optional "comment".
func (p *hoursParser) modifier(r *Rule) error {
	p.space()
	switch {
	case p.word("off"):
		p.pos += 3
		r.Off = true
	case p.word("closed"):
		p.pos += 6
		r.Off = true
	case p.word("open"):
		p.pos += 4
	case p.word("unknown"):
		return p.fail("\"unknown\" opening is not something diagbot can tell a learner: write the times, or leave horaires empty")
	}
	p.space()
	if p.eat(`"`) {
		end := strings.IndexByte(p.s[p.pos:], '"')
		if end < 0 {
			return p.fail("a comment opened with \" is not closed")
		}
		r.Comment = p.s[p.pos : p.pos+end]
		p.pos += end + 1
	}
	return nil
}

// months reads Jan, Jan-Mar, Nov-Feb, Jul,Aug.
func (p *hoursParser) months() (uint16, bool, error) {
	var set uint16
	for {
		from, ok := p.index(monthNames)
		if !ok {
			if set == 0 {
				return 0, false, nil
			}
			return 0, false, p.fail("a month (Jan … Dec) was expected after the comma")
		}
		to := from
		if p.eat("-") {
			if to, ok = p.index(monthNames); !ok {
				return 0, false, p.fail("a month (Jan … Dec) was expected after the dash")
			}
		}
		for m := from; ; m = (m + 1) % 12 {
			set |= 1 << m
			if m == to {
				break
			}
		}
		if p.dayNumber() {
			return 0, false, p.fail("dates (Dec 25) are not read by diagbot: give whole months, weekdays and times")
		}
		save := p.pos
		if !p.eat(",") {
			return set, true, nil
		}
		if _, ok := p.peekIndex(monthNames); !ok {
			p.pos = save
			return set, true, nil
		}
	}
}

// weekdays reads Mo, Mo-Fr, Fr-Mo, Mo,We,Fr, PH and their lists.
func (p *hoursParser) weekdays() (uint8, bool, bool, error) {
	var (
		set  uint8
		ph   bool
		seen bool
	)
	for {
		switch {
		case p.word("PH"):
			p.pos += 2
			ph, seen = true, true
		default:
			from, ok := p.index(weekdayNames)
			if !ok {
				if !seen {
					return 0, false, false, nil
				}
				return 0, false, false, p.unreadable()
			}
			to := from
			if p.eat("-") {
				if to, ok = p.index(weekdayNames); !ok {
					return 0, false, false, p.fail("a weekday (Mo Tu We Th Fr Sa Su) was expected after the dash")
				}
			}
			for d := from; ; d = (d + 1) % 7 {
				set |= 1 << d
				if d == to {
					break
				}
			}
			seen = true
		}
		if strings.HasPrefix(p.s[p.pos:], "[") {
			return 0, false, false, p.unreadable()
		}
		save := p.pos
		if !p.eat(",") {
			return set, ph, true, nil
		}
		p.space()
		if _, ok := p.peekIndex(weekdayNames); !ok && !p.word("PH") {
			p.pos = save // a comma between rules
			return set, ph, true, nil
		}
	}
}

// dayNumber reports whether a day of the month (not a time) follows.
func (p *hoursParser) dayNumber() bool {
	i := p.pos
	for i < len(p.s) && p.s[i] == ' ' {
		i++
	}
	n := 0
	for i+n < len(p.s) && digit(p.s[i+n]) {
		n++
	}
	return n > 0 && (i+n == len(p.s) || p.s[i+n] != ':')
}

func (p *hoursParser) peekIndex(names []string) (int, bool) {
	save := p.pos
	i, ok := p.index(names)
	p.pos = save
	return i, ok
}

// times reads 09:00-12:00,14:00-17:00.
func (p *hoursParser) times() ([]Span, bool, error) {
	var spans []Span
	for {
		start, ok, err := p.clock()
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, nil
		}
		if start >= 1440 {
			return nil, false, p.fail("a span starts before 24:00; a span past midnight is written 22:00-02:00")
		}
		if !p.eat("-") {
			if p.eat("+") {
				return nil, false, p.fail("an open end (09:00+) is not read by diagbot: give the closing time")
			}
			return nil, false, p.fail("a time span needs a start and an end: 09:00-12:00")
		}
		end, ok, err := p.clock()
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, p.fail("a closing time (HH:MM) was expected after the dash")
		}
		switch {
		case end == start:
			return nil, false, p.fail("a span that ends when it starts is empty: check the times")
		case end < start:
			end += 1440 // past midnight
		}
		if end > 2880 {
			return nil, false, p.fail("a span may end at 48:00 at the latest")
		}
		spans = append(spans, Span{start, end})
		p.space()
		comma := p.pos
		if !p.eat(",") {
			return spans, true, nil
		}
		p.space()
		if p.done() || !digit(p.s[p.pos]) {
			p.pos = comma // the comma separates rules
			return spans, true, nil
		}
	}
}

// clock reads HH:MM (one-digit hours accepted); ok is false when no digit
// stands at the position.
func (p *hoursParser) clock() (int, bool, error) {
	rest := p.s[p.pos:]
	n := 0
	for n < len(rest) && n < 5 && digit(rest[n]) {
		n++
	}
	if n == 0 {
		return 0, false, nil
	}
	if n == 4 && (len(rest) == 4 || rest[4] != '-') {
		return 0, false, p.fail("years, dates and day numbers are not read by diagbot: write weekdays (Mo-Fr) and times (09:00-12:00)")
	}
	if n > 2 || len(rest) < n+3 || rest[n] != ':' || !digit(rest[n+1]) || !digit(rest[n+2]) {
		if n <= 2 && len(rest) > n && (rest[n] == 'h' || rest[n] == 'H') {
			return 0, false, p.fail("write times as 09:00 (a colon, not h)")
		}
		return 0, false, p.fail("write times as HH:MM, e.g. 09:00")
	}
	h := int(rest[0] - '0')
	if n == 2 {
		h = h*10 + int(rest[1]-'0')
	}
	m := int(rest[n+1]-'0')*10 + int(rest[n+2]-'0')
	if m > 59 || h > 48 || h == 48 && m > 0 {
		return 0, false, p.fail("%s is not a time of day", rest[:n+3])
	}
	p.pos += n + 3
	return h*60 + m, true, nil
}

func digit(b byte) bool { return b >= '0' && b <= '9' }
