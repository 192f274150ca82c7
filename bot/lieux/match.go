package lieux

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/diagbot/diagbot/engine"
	"go.yaml.in/yaml/v3"
)

// ServicesFile is the map of competences to services, in the bank's files
// (bank.Embedded()): content an author reviews, beside the questions.
const ServicesFile = "lieux/services.yaml"

// ServiceMap says which services of the schema help with each competence,
// and how much each competence matters for a job search.
type ServiceMap struct {
	// Enough is the level from which a competence is no longer to work.
	Enough int
	// Fallback are the services of places that help with the digital in
	// general, proposed when no place near offers a focused one.
	Fallback []string
	byComp   map[string]CompetenceServices
}

// CompetenceServices is one competence's entry.
type CompetenceServices struct {
	Competence string
	Priority   int // 1: needed to look for a job … 3: least urgent
	Services   []string
}

// Of returns the entry of a competence.
func (m *ServiceMap) Of(comp string) (CompetenceServices, bool) {
	c, ok := m.byComp[comp]
	return c, ok
}

// ParseServices reads the map (name is the file's name, for messages). Every
// competence of the framework must be there once, with a priority of 1 to 3
// and services of the schema's vocabulary.
func ParseServices(r io.Reader, name string) (*ServiceMap, error) {
	var doc struct {
		Enough      int         `yaml:"enough"`
		Fallback    []yaml.Node `yaml:"fallback"`
		Competences []yaml.Node `yaml:"competences"`
	}
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	m := &ServiceMap{Enough: doc.Enough, byComp: map[string]CompetenceServices{}}
	if m.Enough < engine.MinLevel || m.Enough > engine.MaxLevel {
		bad(1, "enough: %d: give the level (1 to 8) from which a competence is no longer to work", m.Enough)
	}
	for _, f := range doc.Fallback {
		if !slices.Contains(ServiceValues, f.Value) {
			bad(f.Line, "fallback: %q is not a service of the schema; write one of: %s", f.Value, strings.Join(ServiceValues, " ; "))
		}
		m.Fallback = append(m.Fallback, f.Value)
	}
	for _, n := range doc.Competences {
		var e struct {
			Competence string      `yaml:"competence"`
			Priority   int         `yaml:"priority"`
			Services   []yaml.Node `yaml:"services"`
		}
		if err := n.Decode(&e); err != nil {
			bad(n.Line, "%v", err)
			continue
		}
		if _, ok := engine.CompetenceByID(e.Competence); !ok {
			bad(n.Line, "competence %q is not one of the framework (1.1 … 5.2)", e.Competence)
			continue
		}
		if _, dup := m.byComp[e.Competence]; dup {
			bad(n.Line, "competence %s is given twice: merge its services into one entry", e.Competence)
			continue
		}
		if e.Priority < 1 || e.Priority > 3 {
			bad(n.Line, "competence %s: priority %d: write 1 (needed to look for a job), 2 or 3", e.Competence, e.Priority)
		}
		if len(e.Services) == 0 {
			bad(n.Line, "competence %s has no services: list at least one value of the schema's services", e.Competence)
		}
		var services []string
		for _, s := range e.Services {
			if !slices.Contains(ServiceValues, s.Value) {
				bad(s.Line, "competence %s: %q is not a service of the schema; write one of: %s", e.Competence, s.Value, strings.Join(ServiceValues, " ; "))
			}
			services = append(services, s.Value)
		}
		m.byComp[e.Competence] = CompetenceServices{e.Competence, e.Priority, services}
	}
	for _, id := range engine.CompetenceIDs() {
		if _, ok := m.byComp[id]; !ok {
			bad(1, "competence %s is missing: give it its services and priority", id)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// Focus orders the competences to work, at most n: those below Enough,
// the most needed for a job search first, then the weakest, then framework
// order. With no level below Enough, the weakest of all; with no levels at
// all, the competences a job search needs most.
func (m *ServiceMap) Focus(levels map[string]int, n int) []string {
	var ids []string
	for _, id := range engine.CompetenceIDs() {
		if l, ok := levels[id]; ok && l < m.Enough {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		for _, id := range engine.CompetenceIDs() {
			if _, ok := levels[id]; ok || len(levels) == 0 {
				ids = append(ids, id)
			}
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(m.byComp[a].Priority, m.byComp[b].Priority), cmp.Compare(levels[a], levels[b]))
	})
	return ids[:min(n, len(ids))]
}

// Defaults of Suggest.
const (
	DefaultMax   = 3    // places proposed
	DefaultMaxKm = 50.0 // farther is no help to a learner without a car
)

// Suggestion is a place proposed, and why.
type Suggestion struct {
	Place Place
	Km    float64 // distance from the learner's postcode
	HasKm bool    // false: the place has no coordinates, it is in the same department
	Needs []string
}

// Suggestions is what Suggest found for a postcode.
type Suggestions struct {
	Located Located
	Focus   []string
	Places  []Suggestion
	MaxKm   float64
	// General is true when no place near offers a service of the focus:
	// the places proposed help with the digital in general.
	General bool
}

// Suggest proposes up to max places (DefaultMax when 0) for a learner at
// postcode who should work the focus competences: free, open to young
// people, receiving the public, offering a service of one of them; nearest
// first within maxKm (DefaultMaxKm when 0), then places of the same
// department that have no coordinates. One place per address. When no
// place offers such a service, the places offering a Fallback service
// (General is then true).
func (m *ServiceMap) Suggest(places []Place, postcode string, focus []string, max int, maxKm float64) Suggestions {
	max = cmp.Or(max, DefaultMax)
	maxKm = cmp.Or(maxKm, DefaultMaxKm)
	out := Suggestions{Located: Locate(places, postcode), Focus: focus, MaxKm: maxKm}
	out.Places = m.choose(places, out.Located, focus, func(c string) []string { return m.byComp[c].Services }, max, maxKm)
	if len(out.Places) == 0 && len(m.Fallback) > 0 {
		out.Places = m.choose(places, out.Located, focus, func(string) []string { return m.Fallback }, max, maxKm)
		out.General = len(out.Places) > 0
	}
	return out
}

// choose keeps the places that suit and offer one of services(c) for a
// focus competence c, nearest first.
func (m *ServiceMap) choose(places []Place, at Located, focus []string, services func(string) []string, max int, maxKm float64) []Suggestion {
	dept := Department(at.Postcode)
	// Candidates by index: a Place is large, and sorting copies.
	type cand struct {
		i     int
		km    float64
		hasKm bool
		needs []string
	}
	var cands []cand
	for i := range places {
		p := &places[i]
		if !p.Free() || !p.ForYoung() || !p.Receives() {
			continue
		}
		var needs []string
		for _, c := range focus {
			if slices.ContainsFunc(services(c), func(s string) bool { return slices.Contains(p.Services, s) }) {
				needs = append(needs, c)
			}
		}
		if len(needs) == 0 {
			continue
		}
		c := cand{i: i, needs: needs}
		pos, ok := p.Position()
		switch {
		case ok && at.By != "":
			c.km, c.hasKm = DistanceKm(at.Position, pos), true
			if c.km > maxKm {
				continue
			}
		case !ok && dept != "" && Department(p.CodePostal) == dept:
		default:
			continue
		}
		cands = append(cands, c)
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.hasKm != b.hasKm {
			if a.hasKm {
				return -1
			}
			return 1
		}
		pa, pb := &places[a.i], &places[b.i]
		return cmp.Or(cmp.Compare(a.km, b.km), cmp.Compare(pa.Nom, pb.Nom), cmp.Compare(pa.ID, pb.ID), cmp.Compare(a.i, b.i))
	})
	var out []Suggestion
	seen := map[string]bool{}
	for _, c := range cands {
		p := places[c.i]
		addr := strings.ToLower(strings.Join(strings.Fields(p.Adresse+" "+p.CodePostal), " "))
		if seen[addr] {
			continue
		}
		seen[addr] = true
		out = append(out, Suggestion{Place: p, Km: c.km, HasKm: c.hasKm, Needs: c.needs})
		if len(out) == max {
			break
		}
	}
	return out
}
