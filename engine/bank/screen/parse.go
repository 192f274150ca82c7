package screen

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

var (
	timePattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	cellPattern = regexp.MustCompile(`^([A-Z])([1-9][0-9]?)$`)
)

// Parse reads the `screen:` mapping of an item. It returns the Spec, or every
// problem found, each at the line of the YAML node at fault.
func Parse(n *yaml.Node) (*Spec, error) {
	p := &parser{}
	s := p.screen(n)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return s, nil
}

type parser struct{ errs Errors }

func (p *parser) add(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, Error{Line: line, Msg: fmt.Sprintf(format, args...)})
}

// mapping returns the keys of a mapping node in order, reporting unknown and
// repeated ones.
func (p *parser) mapping(n *yaml.Node, what string, allowed []string) ([]string, map[string]*yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		p.add(n, "%s must be a mapping (key: value lines)", what)
		return nil, nil
	}
	var keys []string
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(allowed, k.Value):
			p.add(k, "unknown key %q in %s: allowed are %s", k.Value, what, strings.Join(allowed, ", "))
			continue
		case out[k.Value] != nil:
			p.add(k, "key %q given twice in %s", k.Value, what)
			continue
		}
		keys = append(keys, k.Value)
		out[k.Value] = v
	}
	return keys, out
}

// text reads a scalar of at most limit characters; required says an empty
// one is a problem.
func (p *parser) text(n *yaml.Node, key string, limit int, required bool) string {
	if n.Kind != yaml.ScalarNode {
		p.add(n, "`%s` must be a text", key)
		return ""
	}
	s := n.Value
	if n.Tag == "!!null" {
		s = ""
	}
	s = strings.Join(strings.Fields(s), " ")
	if required && s == "" {
		p.add(n, "`%s` is empty", key)
	}
	if c := utf8.RuneCountInString(s); c > limit {
		p.add(n, "`%s` is %d characters; keep it to %d so it fits the screen", key, c, limit)
	}
	return s
}

func (p *parser) boolean(n *yaml.Node, key string) bool {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		return b
	}
	p.add(n, "`%s` must be true or false", key)
	return false
}

func (p *parser) number(n *yaml.Node, key string, lo, hi int) int {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil || v < lo || v > hi {
		p.add(n, "`%s` must be a whole number from %d to %d", key, lo, hi)
		return lo
	}
	return v
}

func (p *parser) enum(n *yaml.Node, key string, values []string) string {
	if n.Kind == yaml.ScalarNode && slices.Contains(values, n.Value) {
		return n.Value
	}
	shown := make([]string, len(values))
	for i, v := range values {
		shown[i] = strconv.Quote(v)
	}
	p.add(n, "`%s` must be one of %s", key, strings.Join(shown, ", "))
	return values[0]
}

func (p *parser) list(n *yaml.Node, key string, lo, hi, limit int) []string {
	if n.Kind != yaml.SequenceNode {
		p.add(n, "`%s` must be a list of texts, e.g. [\"Copier\", \"Coller\"]", key)
		return nil
	}
	if len(n.Content) < lo || len(n.Content) > hi {
		p.add(n, "`%s` has %d entries; give %d to %d", key, len(n.Content), lo, hi)
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, p.text(c, key, limit, true))
	}
	return out
}

func (p *parser) screen(n *yaml.Node) *Spec {
	s := &Spec{Status: DefaultStatus}
	_, f := p.mapping(n, "screen", screenKeys)
	if f == nil {
		return s
	}
	if v, ok := f["app"]; ok {
		s.App = p.text(v, "app", MaxShort, true)
	} else {
		p.add(n, "screen: missing `app:` (the title bar: an app, a contact or a site's name)")
	}
	if v, ok := f["subtitle"]; ok {
		s.Subtitle = p.text(v, "subtitle", MaxShort, true)
	}
	if v, ok := f["url"]; ok {
		s.URL = p.text(v, "url", 120, true)
		if s.URL != "" && !strings.HasPrefix(s.URL, "https://") && !strings.HasPrefix(s.URL, "http://") {
			p.add(v, "`url` must start with https:// (a padlock) or http:// (« Non sécurisé »)")
		}
	}
	if v, ok := f["status"]; ok {
		s.Status = p.status(v)
	}
	if v, ok := f["blocks"]; ok {
		s.Blocks = p.blocks(v)
	} else {
		p.add(n, "screen: missing `blocks:` (the content of the screen, top to bottom)")
	}
	if v, ok := f["dialog"]; ok {
		s.Dialog = p.dialog(v)
	}
	return s
}

func (p *parser) status(n *yaml.Node) Status {
	st := DefaultStatus
	_, f := p.mapping(n, "status", statusKeys)
	for k, v := range f {
		switch k {
		case "time":
			if st.Time = p.text(v, k, 5, true); !timePattern.MatchString(st.Time) {
				p.add(v, "`time` must be written HH:MM, e.g. \"10:24\" (in quotes)")
			}
		case "battery":
			st.Battery = p.number(v, k, 0, 100)
		case "charging":
			st.Charging = p.boolean(v, k)
		case "wifi":
			st.WiFi = p.boolean(v, k)
		case "network":
			st.Network = p.enum(v, k, networkValues)
		case "signal":
			st.Signal = p.number(v, k, 0, 4)
		case "airplane":
			st.Airplane = p.boolean(v, k)
		}
	}
	return st
}

func (p *parser) dialog(n *yaml.Node) *Dialog {
	d := &Dialog{Line: n.Line}
	_, f := p.mapping(n, "dialog", dialogKeys)
	if f == nil {
		return d
	}
	if v, ok := f["title"]; ok {
		d.Title = p.text(v, "title", 120, true)
	} else {
		p.add(n, "dialog: missing `title:`")
	}
	if v, ok := f["text"]; ok {
		d.Text = p.text(v, "text", 200, true)
	}
	if v, ok := f["buttons"]; ok {
		d.Buttons = p.list(v, "buttons", 1, MaxDialogBtns, 24)
	} else {
		p.add(n, "dialog: missing `buttons:` (1 to %d, e.g. [\"Refuser\", \"Autoriser\"])", MaxDialogBtns)
	}
	return d
}

func (p *parser) blocks(n *yaml.Node) []Block {
	if n.Kind != yaml.SequenceNode {
		p.add(n, "`blocks` must be a list, each entry starting with `- ` and a kind (bubble, text, field …)")
		return nil
	}
	if len(n.Content) == 0 || len(n.Content) > MaxBlocks {
		p.add(n, "`blocks` has %d entries; give 1 to %d", len(n.Content), MaxBlocks)
	}
	out := make([]Block, 0, len(n.Content))
	for _, bn := range n.Content {
		if b, ok := p.block(bn); ok {
			out = append(out, b)
		}
	}
	return out
}

func kindNames() string {
	names := make([]string, len(kindOrder))
	for i, k := range kindOrder {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// block reads one block: exactly one kind key, then that kind's options.
func (p *parser) block(n *yaml.Node) (Block, bool) {
	b := Block{Line: n.Line, From: "them", FileKind: "other", Color: "blue"}
	if n.Kind != yaml.MappingNode {
		p.add(n, "a block must be a mapping such as `- text: \"…\"`; kinds are %s", kindNames())
		return b, false
	}
	var kindNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if _, ok := kinds[Kind(k.Value)]; !ok {
			continue
		}
		if kindNode != nil {
			p.add(k, "a block has one kind; %q and %q are two: start a new block with `- `", b.Kind, k.Value)
			return b, false
		}
		kindNode, b.Kind = n.Content[i+1], Kind(k.Value)
	}
	if kindNode == nil {
		p.add(n, "a block needs one kind key: %s", kindNames())
		return b, false
	}
	def := kinds[b.Kind]
	allowed := append([]string{string(b.Kind)}, def.options...)
	before := len(p.errs)
	_, f := p.mapping(n, string(b.Kind)+" block", allowed)
	p.value(&b, def.value, kindNode)
	for _, k := range def.options {
		if v, ok := f[k]; ok {
			p.option(&b, k, v)
		}
	}
	p.blockRules(&b, n)
	return b, len(p.errs) == before
}

func (p *parser) value(b *Block, vk valueKind, v *yaml.Node) {
	key := string(b.Kind)
	switch vk {
	case vText:
		b.Text = p.text(v, key, MaxText, true)
	case vShort:
		b.Text = p.text(v, key, MaxShort, true)
	case vQR:
		b.Text = p.text(v, key, MaxQRText, true)
		if len(b.Text) > MaxQRText {
			p.add(v, "`qr` is %d bytes; keep it to %d", len(b.Text), MaxQRText)
		}
	case vList:
		hi := MaxMenuItems
		if b.Kind == Apps {
			hi = MaxApps
		}
		b.Items = p.list(v, key, 1, hi, 24)
	case vTrue:
		if !p.boolean(v, key) {
			p.add(v, "write `divider: true`")
		}
	case vTable:
		b.Cells = p.table(v)
	}
}

func (p *parser) table(n *yaml.Node) [][]string {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n, "`table` must be a list of rows, each a list of cells: [\"Nom\", \"Heures\"]")
		return nil
	}
	if len(n.Content) > MaxTableRows {
		p.add(n, "`table` has %d rows; keep it to %d", len(n.Content), MaxTableRows)
	}
	var rows [][]string
	for i, rn := range n.Content {
		if rn.Kind != yaml.SequenceNode {
			p.add(rn, "table row %d must be a list of cells: [\"a\", \"b\"]", i+1)
			continue
		}
		row := make([]string, 0, len(rn.Content))
		for _, cn := range rn.Content {
			if cn.Kind != yaml.ScalarNode {
				p.add(cn, "a table cell must be a text")
				continue
			}
			s := strings.Join(strings.Fields(cn.Value), " ")
			if c := utf8.RuneCountInString(s); c > MaxCell {
				p.add(cn, "table cell %q is %d characters; keep it to %d", s, c, MaxCell)
			}
			row = append(row, s)
		}
		if len(row) == 0 || len(row) > MaxTableCols {
			p.add(rn, "table row %d has %d cells; give 1 to %d", i+1, len(row), MaxTableCols)
		}
		if len(rows) > 0 && len(row) != len(rows[0]) {
			p.add(rn, "table row %d has %d cells, the first row %d: give every row the same number", i+1, len(row), len(rows[0]))
		}
		rows = append(rows, row)
	}
	return rows
}

func (p *parser) option(b *Block, k string, v *yaml.Node) {
	switch k {
	case "from":
		b.From = p.enum(v, k, fromValues)
	case "sender":
		b.Sender = p.text(v, k, 40, true)
	case "time":
		b.Time = p.text(v, k, 20, true)
	case "style":
		if b.Kind == Button {
			b.Style = p.enum(v, k, buttonStyles)
		} else {
			b.Style = p.enum(v, k, textStyles)
		}
	case "value":
		if b.Kind == Progress {
			b.Percent = p.number(v, k, 0, 100)
		} else {
			b.Value = p.text(v, k, MaxShort, true)
		}
	case "error":
		b.Error = p.text(v, k, MaxShort, true)
	case "placeholder":
		b.Placeholder = p.text(v, k, MaxShort, true)
	case "password":
		b.Password = p.boolean(v, k)
	case "on":
		b.On = p.boolean(v, k)
	case "detail":
		b.Detail = p.text(v, k, 80, true)
	case "size":
		if b.Kind == Picture {
			b.Size = p.enum(v, k, pictureSizes)
		} else {
			b.Size = p.text(v, k, 20, true)
		}
	case "kind":
		b.FileKind = p.enum(v, k, fileKinds)
	case "app", "title":
		s := p.text(v, k, 40, true)
		if k == "app" {
			b.App = s
		} else {
			b.Title = s
		}
	case "color":
		b.Color = p.enum(v, k, bannerColors)
	case "caption":
		b.Caption = p.text(v, k, 120, true)
	case "letters":
		b.Letters = p.boolean(v, k)
	case "selected":
		b.Selected = p.text(v, k, 3, true)
	case "formula":
		b.Formula = p.text(v, k, 40, true)
	}
}

// blockRules checks what depends on several options of a block.
func (p *parser) blockRules(b *Block, n *yaml.Node) {
	if b.Kind != Table || b.Selected == "" {
		return
	}
	m := cellPattern.FindStringSubmatch(b.Selected)
	if !b.Letters {
		p.add(n, "`selected` needs `letters: true` (the cell is named by its column letter and row number)")
		return
	}
	if m == nil {
		p.add(n, "`selected` must name a cell such as \"C2\" (column letter, row number)")
		return
	}
	col := int(m[1][0] - 'A')
	row, _ := strconv.Atoi(m[2])
	if len(b.Cells) == 0 || col >= len(b.Cells[0]) || row > len(b.Cells) {
		p.add(n, "`selected` cell %s is outside the table (%d columns, %d rows)", b.Selected, colsOf(b.Cells), len(b.Cells))
	}
}

func colsOf(cells [][]string) int {
	if len(cells) == 0 {
		return 0
	}
	return len(cells[0])
}

// SelectedCell returns the 0-based row and column of a table's selected
// cell, and false when none is selected.
func (b *Block) SelectedCell() (row, col int, ok bool) {
	m := cellPattern.FindStringSubmatch(b.Selected)
	if m == nil {
		return 0, 0, false
	}
	r, _ := strconv.Atoi(m[2])
	return r - 1, int(m[1][0] - 'A'), true
}
