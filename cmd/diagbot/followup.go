package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the learners' time zone even on a machine without zoneinfo

	"github.com/diagbot/diagbot/dialog"
)

// Follow-up settings, from the environment.
const (
	envTimezone       = "DIAGBOT_TIMEZONE"
	envQuietHours     = "DIAGBOT_QUIET_HOURS"
	envWeekends       = "DIAGBOT_WEEKENDS"
	defaultTimezone   = "Europe/Paris"
	defaultQuietHours = "21-9"
)

// followUpFromEnv reads when micro-lessons may be sent.
func followUpFromEnv() (dialog.FollowUp, error) {
	return parseFollowUp(envOr(envTimezone, defaultTimezone), envOr(envQuietHours, defaultQuietHours), os.Getenv(envWeekends))
}

func parseFollowUp(zone, quiet, weekends string) (dialog.FollowUp, error) {
	var f dialog.FollowUp
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return f, fmt.Errorf("%s=%q is not a time zone: use a name such as Europe/Paris or America/Cayenne", envTimezone, zone)
	}
	f.Location = loc
	a, b, ok := strings.Cut(quiet, "-")
	start, err1 := strconv.Atoi(strings.TrimSpace(a))
	end, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || start < 0 || start > 23 || end < 0 || end > 23 || start == end {
		return f, fmt.Errorf("%s=%q: give the quiet hours as START-END in whole hours, e.g. 21-9 (no message from 21:00 to 9:00)", envQuietHours, quiet)
	}
	// Slots are at 10, 14 and 18 h: the quiet hours must leave them room
	// (checked on a Tuesday that is no public holiday).
	f.QuietStart, f.QuietEnd = start, end
	if (dialog.FollowUp{Location: time.UTC, QuietStart: start, QuietEnd: end, Weekends: true}).Quiet(time.Date(2026, 1, 6, 14, 0, 0, 0, time.UTC)) {
		return f, fmt.Errorf("%s=%q covers 14:00: lessons need daytime hours", envQuietHours, quiet)
	}
	switch strings.ToLower(strings.TrimSpace(weekends)) {
	case "", "0", "false", "non", "no":
	case "1", "true", "oui", "yes":
		f.Weekends = true
	default:
		return f, fmt.Errorf("%s=%q: use oui or non", envWeekends, weekends)
	}
	return f, nil
}
