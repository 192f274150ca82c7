package bank

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Fold prepares a typed answer for comparison: lower case, no accents, no
// punctuation at either end, single spaces.
func Fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if f, ok := accentFold[r]; ok {
			b.WriteString(f)
			space = false
			continue
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if unicode.Is(unicode.Mn, r) { // combining accents typed separately
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	folded := b.String()
	trimmed := strings.TrimFunc(folded, func(r rune) bool {
		return unicode.IsPunct(r) && r != '%' && r != '€'
	})
	if trimmed == "" { // the answer is a symbol ("@", "#"): keep it
		return folded
	}
	return trimmed
}

var accentFold = map[rune]string{
	'à': "a", 'â': "a", 'ä': "a", 'á': "a", 'ã': "a", 'å': "a",
	'ç': "c", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'î': "i", 'ï': "i", 'í': "i", 'ì': "i", 'ñ': "n",
	'ô': "o", 'ö': "o", 'ó': "o", 'ò': "o", 'õ': "o",
	'ù': "u", 'û': "u", 'ü': "u", 'ú': "u", 'ÿ': "y",
	'œ': "oe", 'æ': "ae", '’': "'", 'ʼ': "'",
}

// ParseNumber reads a number as a learner types it: "12", "12,5", "1 200",
// "12 €", "15 %". It reports false for anything else.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "€")
	s = strings.TrimSuffix(s, "%")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) || r == '\u202f' || r == '\u00a0':
			return -1
		case r == ',':
			return '.'
		}
		return r
	}, s)
	if s == "" || len(s) > 32 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// MatchText tells whether a typed answer matches one of the accepted ones.
// Numbers compare as numbers. Otherwise case, accents and spaces are folded,
// and with typo set, an edit distance of up to a quarter of the accepted
// answer's length is forgiven.
func MatchText(typed string, accepted []string, typo bool) bool {
	if len(typed) > 1000 {
		return false
	}
	got := Fold(typed)
	if got == "" {
		return false
	}
	gotNum, gotIsNum := ParseNumber(typed)
	for _, a := range accepted {
		if n, ok := ParseNumber(a); ok {
			if gotIsNum && math.Abs(n-gotNum) <= 1e-9*max(1, math.Abs(n)) {
				return true
			}
			continue
		}
		want := Fold(a)
		if got == want {
			return true
		}
		if typo {
			allowed := len([]rune(want)) / 4
			if allowed > 0 && levenshtein(got, want, allowed) <= allowed {
				return true
			}
		}
	}
	return false
}

// levenshtein returns the edit distance between a and b in runes, or a value
// above limit as soon as it is sure the distance exceeds limit.
func levenshtein(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
