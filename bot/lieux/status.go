package lieux

import (
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // Europe/Paris even on a host without a zone database

	"github.com/diagbot/diagbot/dialog"
)

// paris is the time zone of opening hours: the wall clock of the places.
var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil { // cannot happen: time/tzdata is linked in
		panic(err)
	}
	return l
}()

// horizon is how far Status looks for the next opening: a year, so a place
// open only in summer still says when.
const horizon = 370

// Status is whether a place is open at a time, and until when or from when.
type Status struct {
	Open bool
	// Until is when it closes (Open); zero when it never closes within the
	// horizon (24/7).
	Until time.Time
	// Next is when it opens (not Open); zero when it does not open within
	// the horizon.
	Next time.Time
	// Comment is the comment of the rule in force ("sur rendez-vous").
	Comment string
}

// At tells whether the place is open at t, read on the wall clock of
// Europe/Paris, and until when or from when.
func (h Hours) At(t time.Time) Status {
	t = t.In(paris)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, paris)
	var st Status
	var chain bool // inside an open stretch containing t
	for d := -1; d <= horizon; d++ {
		date := day.AddDate(0, 0, d)
		spans, comment := h.day(date)
		for _, s := range spans {
			from := time.Date(date.Year(), date.Month(), date.Day(), 0, s.Start, 0, 0, paris)
			to := time.Date(date.Year(), date.Month(), date.Day(), 0, s.End, 0, 0, paris)
			switch {
			case chain && !from.After(st.Until):
				st.Until = later(st.Until, to) // the stretch goes on
			case chain:
				return st // the stretch ended before this span
			case !from.After(t) && to.After(t):
				st = Status{Open: true, Until: to, Comment: comment}
				chain = true
			case from.After(t):
				return Status{Next: from, Comment: comment}
			}
		}
		if chain && d > 8 { // open for more than a week without a break
			return Status{Open: true, Comment: st.Comment}
		}
	}
	if chain {
		return Status{Open: true, Comment: st.Comment}
	}
	return Status{}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// day returns the open spans of a date (sorted, merged; they may run past
// midnight), and the comment of the last rule that spoke of it.
func (h Hours) day(date time.Time) ([]Span, string) {
	var (
		cur     []Span
		matched bool
		comment string
	)
	for _, r := range h.Rules {
		if !r.matches(date) {
			continue
		}
		switch r.Kind {
		case Fallback:
			if matched {
				continue
			}
			cur = nil
		case Normal:
			if !r.Off || len(r.Spans) == 0 {
				cur = nil // a later rule replaces what earlier ones said of this day
			}
		}
		matched = true
		if r.Comment != "" {
			comment = r.Comment
		}
		spans := r.Spans
		if len(spans) == 0 {
			spans = []Span{{0, 1440}}
		}
		if r.Off {
			cur = subtract(cur, spans)
		} else {
			cur = union(cur, spans)
		}
	}
	return cur, comment
}

func (r Rule) matches(date time.Time) bool {
	if r.Months != 0 && r.Months&(1<<(int(date.Month())-1)) == 0 {
		return false
	}
	if r.Days == 0 && !r.Holidays {
		return true
	}
	wd := (int(date.Weekday()) + 6) % 7 // Monday 0
	return r.Days&(1<<wd) != 0 || r.Holidays && PublicHoliday(date)
}

func union(a, b []Span) []Span {
	all := append(append([]Span(nil), a...), b...)
	slices.SortFunc(all, func(x, y Span) int { return x.Start - y.Start })
	var out []Span
	for _, s := range all {
		if n := len(out); n > 0 && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

func subtract(a, b []Span) []Span {
	out := a
	for _, cut := range b {
		var next []Span
		for _, s := range out {
			if cut.End <= s.Start || cut.Start >= s.End {
				next = append(next, s)
				continue
			}
			if s.Start < cut.Start {
				next = append(next, Span{s.Start, cut.Start})
			}
			if cut.End < s.End {
				next = append(next, Span{cut.End, s.End})
			}
		}
		out = next
	}
	return out
}

// PublicHoliday reports whether date (its calendar day) is a French public
// holiday: the follow-up's calendar (dialog.Holiday), one for the whole bot.
func PublicHoliday(date time.Time) bool { return dialog.Holiday(date) }

// Text says the status to a person at now: "Ouvert maintenant, jusqu'à 12h"
// or "Fermé. Ouvre mardi à 9h" (lang "en": English).
func (s Status) Text(lang string, now time.Time) string {
	now = now.In(paris)
	en := lang == "en"
	var out string
	switch {
	case s.Open && s.Until.IsZero():
		out = pick(en, "Open now, day and night", "Ouvert maintenant, jour et nuit")
	case s.Open:
		out = pick(en, "Open now, until ", "Ouvert maintenant, jusqu'à ") + clockText(en, s.Until)
		if d := dayText(en, now, s.Until); d != pick(en, "today", "aujourd'hui") {
			out = pick(en, "Open now, until ", "Ouvert maintenant, jusqu'à ") + d + pick(en, " at ", " à ") + clockText(en, s.Until)
		}
	case s.Next.IsZero():
		out = pick(en, "Closed, no opening known", "Fermé, pas d'ouverture prévue")
	default:
		out = pick(en, "Closed. Opens ", "Fermé. Ouvre ") + dayText(en, now, s.Next) + pick(en, " at ", " à ") + clockText(en, s.Next)
	}
	if s.Comment != "" {
		out += " (" + s.Comment + ")"
	}
	return out
}

func pick(en bool, e, f string) string {
	if en {
		return e
	}
	return f
}

var (
	joursFR = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	moisFR  = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// dayText names t's day from now: today, tomorrow, a weekday within the
// week, else the date.
func dayText(en bool, now, t time.Time) string {
	t = t.In(paris)
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, paris)
	d1 := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, paris)
	days := int(d1.Sub(d0).Round(24*time.Hour) / (24 * time.Hour))
	switch {
	case days == 0:
		return pick(en, "today", "aujourd'hui")
	case days == 1:
		return pick(en, "tomorrow", "demain")
	case days < 7 && en:
		return "on " + t.Weekday().String()
	case days < 7:
		return joursFR[t.Weekday()]
	case en:
		return fmt.Sprintf("on %d %s", t.Day(), t.Month())
	}
	return fmt.Sprintf("le %d %s", t.Day(), moisFR[t.Month()-1])
}

// clockText is 9h, 14h30 in French, 9:00, 14:30 in English.
func clockText(en bool, t time.Time) string {
	t = t.In(paris)
	if en {
		return fmt.Sprintf("%d:%02d", t.Hour(), t.Minute())
	}
	if t.Minute() == 0 {
		return fmt.Sprintf("%dh", t.Hour())
	}
	return fmt.Sprintf("%dh%02d", t.Hour(), t.Minute())
}
