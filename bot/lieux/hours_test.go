package lieux

import (
	"strings"
	"testing"
	"time"
)

// at is a wall-clock time in Paris. 2026-12-07 is a Monday.
func at(day, h, m int) time.Time { return time.Date(2026, 12, day, h, m, 0, 0, paris) }

func TestHoursStatus(t *testing.T) {
	cases := []struct {
		hours string
		now   time.Time
		fr    string
		en    string
	}{
		{"Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00", at(7, 10, 0), "Ouvert maintenant, jusqu'à 12h", "Open now, until 12:00"},
		{"Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00", at(7, 12, 30), "Fermé. Ouvre aujourd'hui à 14h", "Closed. Opens today at 14:00"},
		{"Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00", at(12, 12, 0), "Fermé. Ouvre lundi à 9h", "Closed. Opens on Monday at 9:00"},
		{"Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00", at(11, 18, 0), "Fermé. Ouvre demain à 9h", "Closed. Opens tomorrow at 9:00"},
		{"Tu 09:00-12:00", at(7, 10, 0), "Fermé. Ouvre demain à 9h", "Closed. Opens tomorrow at 9:00"},
		{"Mo,We 14:00-17:00", at(7, 18, 0), "Fermé. Ouvre mercredi à 14h", "Closed. Opens on Wednesday at 14:00"},
		{"Mo,We 14:00-17:00", at(9, 16, 59), "Ouvert maintenant, jusqu'à 17h", "Open now, until 17:00"},
		{"24/7", at(7, 3, 0), "Ouvert maintenant, jour et nuit", "Open now, day and night"},
		{"24/7; PH off", at(25, 3, 0), "Fermé. Ouvre demain à 0h", "Closed. Opens tomorrow at 0:00"},
		// A later rule replaces what earlier ones said of its days.
		{"Mo-Th 09:00-12:00,14:00-18:00; Tu 14:00-18:00", at(8, 10, 0), "Fermé. Ouvre aujourd'hui à 14h", "Closed. Opens today at 14:00"},
		{"Tu-Fr 10:00-12:30,15:00-18:00; Sa 10:00-12:30; Th off", at(10, 11, 0), "Fermé. Ouvre demain à 10h", "Closed. Opens tomorrow at 10:00"},
		// PH: Christmas is closed, the next working day opens.
		{"Mo-Fr 09:00-17:00; PH off", at(25, 10, 0), "Fermé. Ouvre lundi à 9h", "Closed. Opens on Monday at 9:00"},
		{"Mo-Fr 09:00-17:00, PH 10:00-12:00", at(25, 11, 0), "Ouvert maintenant, jusqu'à 17h", "Open now, until 17:00"},
		// An additional rule (`,`) adds; a fallback (`||`) fills days no rule spoke of.
		{"Mo 09:00-12:00, We 14:00-17:00", at(9, 15, 0), "Ouvert maintenant, jusqu'à 17h", "Open now, until 17:00"},
		{"Mo-Fr 09:00-17:00 || Sa,Su 10:00-11:00", at(12, 8, 0), "Fermé. Ouvre aujourd'hui à 10h", "Closed. Opens today at 10:00"},
		// Past midnight, and stretches that join.
		{"Fr 22:00-02:00", at(12, 1, 0), "Ouvert maintenant, jusqu'à 2h", "Open now, until 2:00"},
		{"Mo-Su 20:00-24:00, Mo-Su 00:00-08:00", at(7, 21, 0), "Ouvert maintenant, jusqu'à demain à 8h", "Open now, until tomorrow at 8:00"},
		// Closed for a part of a day.
		{"Mo-Fr 08:00-18:00; We 12:00-14:00 off", at(9, 12, 30), "Fermé. Ouvre aujourd'hui à 14h", "Closed. Opens today at 14:00"},
		// Months: open only in July and August.
		{"Jul-Aug Mo-Fr 09:00-12:00", at(7, 10, 0), "Fermé. Ouvre le 1 juillet à 9h", "Closed. Opens on 1 July at 9:00"},
		{"Mo 09:30-12:30 \"sur rendez-vous\"", at(7, 10, 0), "Ouvert maintenant, jusqu'à 12h30 (sur rendez-vous)", "Open now, until 12:30 (sur rendez-vous)"},
		{"off", at(7, 10, 0), "Fermé, pas d'ouverture prévue", "Closed, no opening known"},
		{"Mo-Fr: 09:00-12:00", at(7, 10, 0), "Ouvert maintenant, jusqu'à 12h", "Open now, until 12:00"},
		{"Mo-Fr 9:00-12:00", at(7, 10, 0), "Ouvert maintenant, jusqu'à 12h", "Open now, until 12:00"},
	}
	for _, c := range cases {
		h, err := ParseHours(c.hours)
		if err != nil {
			t.Errorf("%q: %v", c.hours, err)
			continue
		}
		st := h.At(c.now)
		if got := st.Text("fr", c.now); got != c.fr {
			t.Errorf("%q at %s: fr %q, want %q", c.hours, c.now.Format("Mon 02 15:04"), got, c.fr)
		}
		if got := st.Text("en", c.now); got != c.en {
			t.Errorf("%q at %s: en %q, want %q", c.hours, c.now.Format("Mon 02 15:04"), got, c.en)
		}
	}
}

func TestHoursDST(t *testing.T) {
	// 2027-03-28: clocks go from 2:00 to 3:00 in Paris. Saturday evening,
	// the next opening is Monday 9:00 local time.
	h, err := ParseHours("Mo-Fr 09:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 27, 20, 0, 0, 0, paris)
	if got, want := h.At(now).Next, time.Date(2027, 3, 29, 9, 0, 0, 0, paris); !got.Equal(want) {
		t.Errorf("next opening %s, want %s", got, want)
	}
	// A time given in UTC is read on the Paris wall clock.
	if st := h.At(time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC)); !st.Open {
		t.Errorf("8:30 UTC is 9:30 in Paris in winter: open, got %+v", st)
	}
}

func TestHoursRefused(t *testing.T) {
	cases := []struct{ hours, want string }{
		{"", "no rule"},
		{"Mo-Fr 9h-12h", "a colon, not h"},
		{"Mo-Fr 0900-1200", "HH:MM"},
		{"Mo-Fr 09:00", "a start and an end"},
		{"Mo-Fr 09:00-", "closing time"},
		{"Mo-Fr 09:00+", "open end"},
		{"SH off", "school holidays"},
		{"Mo-Fr 09:00-12:00; SH off", "school holidays"},
		{"week 01-10 Mo 09:00-12:00", "week numbers"},
		{"Mo[1] 09:00-12:00", "nth weekday"},
		{"Dec 25 off", "dates (Dec 25)"},
		{"2024 Mo 09:00-12:00", "years, dates"},
		{"sunrise-sunset", "moving dates"},
		{"Mo-Fr 09:00-12:00;", "separator with no rule"},
		{"Mo-Fr 09:00-09:00", "ends when it starts"},
		{"Mo-Fr 25:70-26:00", "not a time of day"},
		{"Mo-Fr 09:00-12:00 \"rdv", "not closed"},
		{"Mo-Fr 10:00-12:00 unknown", "unknown"},
		{"Lundi 09:00-12:00", "not opening_hours"},
		{"Mo-Xy 09:00-12:00", "weekday"},
		{"Mo-Fr 09:00-12:00 Sa", "not opening_hours"},
	}
	for _, c := range cases {
		_, err := ParseHours(c.hours)
		if err == nil {
			t.Errorf("%q: read, want refused with %q", c.hours, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want it to say %q", c.hours, err, c.want)
		}
	}
}

func TestPublicHolidays(t *testing.T) {
	for _, d := range []string{"2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25",
		"2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25", "2027-03-29", "2024-03-31"[:0] + "2024-04-01"} {
		day, _ := time.Parse(time.DateOnly, d)
		if !PublicHoliday(day) {
			t.Errorf("%s is a public holiday in France", d)
		}
	}
	for _, d := range []string{"2026-04-05", "2026-12-24", "2026-05-02"} {
		day, _ := time.Parse(time.DateOnly, d)
		if PublicHoliday(day) {
			t.Errorf("%s is not a public holiday", d)
		}
	}
}

func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00", "Mo,We 14:00-17:00", "PH off", "24/7",
		"Jul-Aug Mo-Fr 09:00-12:00 \"été\"", "Fr 22:00-02:00", "Mo-Fr 09:00-17:00 || Sa 10:00-11:00", "Mo 09:00-12:00, We off"} {
		f.Add(s)
	}
	now := at(7, 10, 0)
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHours(s)
		if err != nil {
			var he *HoursError
			if !asHoursError(err, &he) || he.Pos < 0 || he.Pos > len(s) || err.Error() == "" {
				t.Fatalf("%q: bad error %v", s, err)
			}
			return
		}
		if h.Raw != s || len(h.Rules) == 0 {
			t.Fatalf("%q: raw %q, %d rules", s, h.Raw, len(h.Rules))
		}
		for _, r := range h.Rules {
			for _, sp := range r.Spans {
				if sp.Start < 0 || sp.End <= sp.Start || sp.End > 2880 {
					t.Fatalf("%q: span %+v", s, sp)
				}
			}
		}
		st := h.At(now)
		if st.Open && !st.Until.IsZero() && !st.Until.After(now) || !st.Open && !st.Next.IsZero() && !st.Next.After(now) {
			t.Fatalf("%q: status %+v at %s", s, st, now)
		}
		_ = st.Text("fr", now)
	})
}

func asHoursError(err error, target **HoursError) bool {
	he, ok := err.(*HoursError)
	*target = he
	return ok
}
