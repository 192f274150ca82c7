package slack

import (
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/dialog"
)

func TestParseAdvisors(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  string
	}{
		{"", nil, ""},
		{"U1AB, C2CD", []string{"U1AB", "C2CD"}, ""},
		{"U1AB,U1AB  W9ZZ;G0XY\n", []string{"U1AB", "W9ZZ", "G0XY"}, ""},
		{"U1AB, @nadia", nil, "names change"},
		{"#conseil", nil, "names change"},
		{"u1ab", nil, "capitals: U1AB"},
		{"D1AB", nil, "is not a Slack user id"},
		{"U1", nil, "is not a Slack user id"},
		{"junk", nil, EnvAdvisors},
	}
	for _, c := range cases {
		got, err := ParseAdvisors(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), EnvAdvisors) {
				t.Errorf("%q: error %v, want one with %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%q: %v %v, want %v", c.in, got, err, c.want)
		}
	}
}

func TestAPIURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                           DefaultAPIURL,
		"https://slack.com/api":      "https://slack.com/api/",
		" http://127.0.0.1:8080/ ":   "http://127.0.0.1:8080/",
		"https://proxy.example/api/": "https://proxy.example/api/",
	} {
		if got, err := normalizeAPIURL(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"slack.com/api", "ftp://x/", "http://"} {
		if _, err := normalizeAPIURL(bad); err == nil || !strings.Contains(err.Error(), EnvAPIURL) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestPlainText(t *testing.T) {
	names := func(id string) string {
		if id == "U1" {
			return "Nadia"
		}
		return ""
	}
	cases := map[string]string{
		"Bonjour":                           "Bonjour",
		"Tom &amp; Jerry &lt;3 &amp;lt;":    "Tom & Jerry <3 &lt;",
		"Merci <@U1> !":                     "Merci @Nadia !",
		"Merci <@U2> !":                     "Merci !",
		"Merci <@U2|nadia.b>":               "Merci @nadia.b",
		"<!here> <!channel> vite":           "vite",
		"dans <#C1|conseil>":                "dans #conseil",
		"voir <https://a.fr/x?y=1&amp;z=2>": "voir https://a.fr/x?y=1&z=2",
		"voir <https://a.fr|le site>":       "voir le site (https://a.fr)",
		"voir <https://a.fr|https://a.fr>":  "voir https://a.fr",
		"écrire à <mailto:a@b.fr|a@b.fr>":   "écrire à a@b.fr",
		"<!subteam^S1|@conseil> le <!date^1700000000^{date}|24 nov>": "@conseil le 24 nov",
		"ligne 1\n\n  ligne   2  ":                                   "ligne 1\n\nligne 2",
		"<>":                                                         "",
	}
	for in, want := range cases {
		if got := plainText(in, names); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestSmallRenderings(t *testing.T) {
	for l, want := range map[int]string{-1: "▱▱▱▱▱▱▱▱ 0", 0: "▱▱▱▱▱▱▱▱ 0", 3: "▰▰▰▱▱▱▱▱ 3", 8: "▰▰▰▰▰▰▰▰ 8", 9: "▰▰▰▰▰▰▰▰ 8"} {
		if got := levelBar(l); got != want {
			t.Errorf("levelBar(%d) = %q", l, got)
		}
	}
	for d, want := range map[time.Duration]string{0: "", 30 * time.Second: "moins d'une minute", 18 * time.Minute: "18 min",
		65 * time.Minute: "1 h 05", 50 * time.Hour: "2 j 2 h"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%s) = %q", d, got)
		}
	}
	if got := Escape("a & <b> > c"); got != "a &amp; &lt;b&gt; &gt; c" {
		t.Error(got)
	}
	for n, want := range map[string]dialog.Notification{
		"Léa (ID FT1)":           {Event: dialog.Event{FirstName: "Léa", ExternalID: "FT1"}},
		"ID &lt;x&gt;":           {Event: dialog.Event{ExternalID: "<x>"}},
		dialog.LearnerRef("t:1"): {LearnerID: "t:1"},
		"Un·e apprenant·e":       {},
	} {
		if got := who(want); got != n {
			t.Errorf("who(%+v) = %q, want %q", want, got, n)
		}
	}
	if got := quote("a\nb & c"); got != "> a\n> b &amp; c" {
		t.Errorf("quote: %q", got)
	}
	if got := quote("  "); got != "_(sans message)_" {
		t.Errorf("empty quote: %q", got)
	}
}
