package dialog

import (
	"slices"
	"strings"
	"testing"
)

// pathDone runs a path of three lessons to its end, every check right.
func pathDone(t *testing.T) *conv {
	t.Helper()
	c := toPath(t, 3)
	c.menu("path", "soir")
	for i := 0; i < 60 && c.s.Path.State == PathActive; i++ {
		c.tick()
		if c.s.Path.Check != nil {
			c.answer(true)
		}
	}
	if c.s.Path.State != PathFinished {
		t.Fatalf("path not finished: %+v", c.s.Path)
	}
	return c
}

// TestRetestAfterThePath: the path over, a short test on the competences
// worked, with questions never asked before, shows before → after.
func TestRetestAfterThePath(t *testing.T) {
	c := pathDone(t)
	r := c.s.Path.Retest
	if r == nil || len(r.Items) == 0 || len(last(c.last).Buttons) != 2 {
		t.Fatalf("no re-test offered: %+v", c.last.Outputs)
	}
	seen := map[string]bool{}
	for _, x := range c.s.Engine.Responses {
		seen[x.Item] = true
	}
	for _, x := range c.s.Path.Responses {
		seen[x.Item] = true
	}
	var comps []string
	for _, id := range r.Items {
		it, _ := testBank.Item(id)
		if seen[id] || slices.Contains(comps, it.Competence) {
			t.Errorf("re-test item %s seen before or a competence twice", id)
		}
		comps = append(comps, it.Competence)
	}
	n := len(r.Items)
	c.text("ouais") // yes, in the learner's words
	for i := 0; i < n; i++ {
		q := c.question()
		if !strings.HasPrefix(q.Header, "Petit test") || q.Item != r.Items[i] {
			t.Fatalf("question %d: %+v", i, q)
		}
		if i == 1 {
			c.text("jsp")
			continue
		}
		c.answer(true)
	}
	if c.s.Path.Retest != nil || !has(c.last, "avant → après") {
		t.Fatalf("after the re-test: %+v", c.last.Outputs)
	}
	if got := len(c.s.Path.Responses); got < n {
		t.Errorf("the re-test's answers do not count: %d responses", got)
	}
	// Declined: nothing asked, /progres named.
	d := pathDone(t)
	d.menu("retest", "no")
	if d.s.Path.Retest != nil || !has(d.last, "/progres") {
		t.Errorf("declined: %+v", d.last.Outputs)
	}
}
