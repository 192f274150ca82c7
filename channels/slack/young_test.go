package slack

import (
	"testing"
	"time"
)

func TestYoungThread(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cases := []struct {
		ts   string
		want bool
	}{
		{"1800000000.000100", true},  // posted just now: may not be recorded yet
		{"1799999975.123456", true},  // 25 s ago
		{"1799999960.000000", false}, // 40 s ago: a thread that is not a help request
		{"1700000000.000100", false},
		{"", false},
		{"abc.def", false},
	}
	for _, c := range cases {
		if got := young(c.ts, now); got != c.want {
			t.Errorf("young(%q) = %v", c.ts, got)
		}
	}
}
