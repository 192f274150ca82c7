package main

import (
	"strings"
	"testing"
)

func TestParseFollowUp(t *testing.T) {
	cases := []struct {
		zone, quiet, weekends string
		err                   string
		start, end            int
		we                    bool
	}{
		{"Europe/Paris", "21-9", "", "", 21, 9, false},
		{"America/Cayenne", "20-8", "oui", "", 20, 8, true},
		{"Mars/Olympus", "21-9", "", "DIAGBOT_TIMEZONE", 0, 0, false},
		{"Europe/Paris", "21h-9h", "", "DIAGBOT_QUIET_HOURS", 0, 0, false},
		{"Europe/Paris", "9-9", "", "DIAGBOT_QUIET_HOURS", 0, 0, false},
		{"Europe/Paris", "12-16", "", "covers 14:00", 0, 0, false},
		{"Europe/Paris", "21-9", "peut-être", "DIAGBOT_WEEKENDS", 0, 0, false},
	}
	for _, c := range cases {
		f, err := parseFollowUp(c.zone, c.quiet, c.weekends)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: error %v, want one naming %s", c, err, c.err)
			}
			continue
		}
		if err != nil || f.QuietStart != c.start || f.QuietEnd != c.end || f.Weekends != c.we || f.Location.String() != c.zone {
			t.Errorf("%v: %+v %v", c, f, err)
		}
	}
}
