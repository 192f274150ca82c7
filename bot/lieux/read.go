package lieux

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Import is what a file gave: the places taken, every row refused and why,
// and what the reader noticed about the fields.
type Import struct {
	Form    string // "csv" or "json"
	Places  []Place
	Refused []Refused
	// Unknown lists, once each, the fields the schema does not know: their
	// values are kept in each place's Extra.
	Unknown []string
	// Renamed lists, once each, the earlier names read as current ones
	// ("courriel → courriels").
	Renamed []string
	// Notes are about places taken: opening hours that could not be read
	// (kept as written, shown as such).
	Notes []Refused
}

// Refused names a row of the file and why it was refused (or, in Notes,
// what is wrong with a row taken).
type Refused struct {
	Line    int    // the line where the row starts, from 1 (CSV: the header is line 1)
	Index   int    // JSON: the entry's position in the array, from 0; -1 in a CSV
	ID      string // the row's id, when it has one
	Reasons []string
}

// Where names the row for a person: "line 12", or "index 11 (line 240)".
func (r Refused) Where() string {
	if r.Index >= 0 {
		return fmt.Sprintf("index %d (line %d)", r.Index, r.Line)
	}
	return fmt.Sprintf("line %d", r.Line)
}

func (r Refused) String() string {
	id := ""
	if r.ID != "" {
		id = fmt.Sprintf(" (id %q)", r.ID)
	}
	return fmt.Sprintf("%s%s: %s", r.Where(), id, strings.Join(r.Reasons, "; "))
}

// Read reads a file of places in either form: a JSON array (the earlier
// export) or the schema's CSV, told apart by the first character.
func Read(r io.Reader) (*Import, error) {
	br := bufio.NewReader(r)
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("the file is empty: give a CSV of the schema Lieux de médiation numérique or a JSON array of places")
			}
			return nil, err
		}
		switch {
		case b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n':
			_, _ = br.ReadByte()
			continue
		case b[0] == '[' || b[0] == '{':
			return ReadJSON(br)
		}
		return ReadCSV(br)
	}
}

// collector gathers rows into an Import, checking ids are unique.
type collector struct {
	imp     *Import
	seps    string
	ids     map[string]string // id -> where it was first seen
	unknown map[string]bool
	renamed map[string]bool
}

func newCollector(form, seps string) *collector {
	return &collector{imp: &Import{Form: form}, seps: seps, ids: map[string]string{},
		unknown: map[string]bool{}, renamed: map[string]bool{}}
}

// names maps a field name as written to its current name, noting renames.
func (c *collector) name(n string) string {
	if cur, ok := legacyNames[n]; ok {
		if !c.renamed[n] {
			c.renamed[n] = true
			c.imp.Renamed = append(c.imp.Renamed, n+" → "+cur)
		}
		return cur
	}
	if !slices.Contains(knownFields, n) && !c.unknown[n] {
		c.unknown[n] = true
		c.imp.Unknown = append(c.imp.Unknown, n)
	}
	return n
}

// add checks one row; pre are reasons found while reading it.
func (c *collector) add(r row, where Refused, pre []string) {
	p, errs := build(r, c.seps)
	errs = append(pre, errs...)
	where.ID = p.ID
	if p.ID != "" {
		if first, dup := c.ids[p.ID]; dup {
			errs = append(errs, fmt.Sprintf("id %q is already used by %s: every place needs its own id", p.ID, first))
		} else if len(errs) == 0 {
			c.ids[p.ID] = where.Where()
		}
	}
	if len(errs) > 0 {
		where.Reasons = errs
		c.imp.Refused = append(c.imp.Refused, where)
		return
	}
	if p.Horaires != "" {
		if _, err := ParseHours(p.Horaires); err != nil {
			where.Reasons = []string{fmt.Sprintf("horaires %q kept as written, not read: %v", p.Horaires, err)}
			c.imp.Notes = append(c.imp.Notes, where)
		}
	}
	c.imp.Places = append(c.imp.Places, p)
}

// ReadCSV reads the schema's CSV: a header of field names, then one place
// per row, lists separated by `|`. A file separated by `;` is read too.
func ReadCSV(r io.Reader) (*Import, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: cannot read the header of the CSV: %w", err)
	}
	c := newCollector("csv", "|")
	seen := map[string]int{}
	for i, h := range header {
		h = c.name(strings.TrimSpace(h))
		if j, dup := seen[h]; dup {
			return nil, fmt.Errorf("line 1: columns %d and %d are both %q: keep one", j+1, i+1, h)
		}
		seen[h] = i
		header[i] = h
	}
	var missing []string
	for _, f := range requiredFields {
		if _, ok := seen[f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("line 1: the header has no column %s, required by the schema Lieux de médiation numérique: check the first line names the fields (id,pivot,nom,…)",
			strings.Join(missing, ", "))
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && !errors.Is(err, csv.ErrFieldCount) {
			c.imp.Refused = append(c.imp.Refused, Refused{Line: pe.StartLine, Index: -1,
				Reasons: []string{fmt.Sprintf("not readable as CSV (%v): check the quotes of this row", pe.Err)}})
			continue
		}
		if err != nil && !errors.Is(err, csv.ErrFieldCount) {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		var pre []string
		if len(rec) != len(header) {
			pre = append(pre, fmt.Sprintf("%d fields where the header has %d: check the separators and quotes of this row", len(rec), len(header)))
		}
		rw := row{}
		for i, v := range rec {
			if i < len(header) {
				rw[header[i]] = v
			}
		}
		c.add(rw, Refused{Line: line, Index: -1}, pre)
	}
	return c.imp, nil
}

// ReadJSON reads a JSON array of places (the earlier export's form): each an
// object of fields whose values are text, numbers, or arrays of them; lists
// in text are separated by `|` or `;`.
func ReadJSON(r io.Reader) (*Import, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	// lineAt counts lines incrementally: offsets only grow.
	var lastOff int64
	lastLine := 1
	lineAt := func(off int64) int {
		off = min(off, int64(len(data)))
		if off >= lastOff {
			lastLine += bytes.Count(data[lastOff:off], []byte("\n"))
			lastOff = off
		}
		return lastLine
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('[') {
		return nil, errors.New("line 1: expected a JSON array of places ([{\"id\": …}, …])")
	}
	c := newCollector("json", "|;")
	for i := 0; dec.More(); i++ {
		start := dec.InputOffset()
		for start < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[start]) >= 0 {
			start++
		}
		where := Refused{Line: lineAt(start), Index: i}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s: not valid JSON, nothing from there on was read: %w", where.Where(), err)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			where.Reasons = []string{"not an object of fields ({\"id\": …, \"nom\": …})"}
			c.imp.Refused = append(c.imp.Refused, where)
			continue
		}
		rw, pre, from := row{}, []string(nil), map[string]string{}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys) // reasons in a stable order
		for _, k := range keys {
			name := c.name(k)
			if first, dup := from[name]; dup {
				pre = append(pre, fmt.Sprintf("%s is given twice, as %s and as %s (the earlier name): keep one", name, k, first))
				continue
			}
			from[name] = k
			v, err := jsonText(obj[k])
			if err != nil {
				pre = append(pre, fmt.Sprintf("%s: %v", k, err))
				continue
			}
			rw[name] = v
		}
		c.add(rw, where, pre)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("line %d: the array of places does not end properly: %w", lineAt(dec.InputOffset()), err)
	}
	return c.imp, nil
}

// jsonText turns a JSON value into the field's text: lists become `|` lists.
func jsonText(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", errors.New("no value")
	}
	switch c := v[0]; {
	case c == 'n' && string(v) == "null":
		return "", nil
	case c == '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f':
		return string(v), nil // a number or a boolean, as written
	case c == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return "", err
		}
		parts := make([]string, 0, len(items))
		for _, it := range items {
			it = bytes.TrimSpace(it)
			if len(it) == 0 || it[0] == '[' || it[0] == '{' || it[0] == 'n' {
				return "", errors.New("a list may hold only text or numbers")
			}
			s, err := jsonText(it)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "|"), nil
	}
	return "", errors.New("an object where text, a number or a list was expected")
}
