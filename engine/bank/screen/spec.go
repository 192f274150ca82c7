// Package screen draws the pictures of the question bank: phone-screen
// mock-ups described in an item's `screen:` mapping (a status bar, a title
// bar, blocks such as text bubbles, form fields or a spreadsheet, and an
// optional dialog over the dimmed screen).
//
// Parse turns the YAML description into a Spec, naming the line of every
// problem; Render draws a Spec as a PNG, 720 px wide, the same bytes every
// time. The format is documented for authors in engine/bank/README.md.
package screen

import (
	"fmt"
	"strings"
)

// Kind is the kind of a block, the one key that names it in the YAML.
type Kind string

// The kinds of block, in the order of the format's documentation.
const (
	Bubble       Kind = "bubble"
	TextBlock    Kind = "text"
	Field        Kind = "field"
	Button       Kind = "button"
	Toggle       Kind = "toggle"
	Check        Kind = "check"
	Row          Kind = "row"
	Link         Kind = "link"
	Attachment   Kind = "attachment"
	File         Kind = "file"
	Table        Kind = "table"
	Notification Kind = "notification"
	Banner       Kind = "banner"
	Picture      Kind = "picture"
	Progress     Kind = "progress"
	Menu         Kind = "menu"
	Apps         Kind = "apps"
	QR           Kind = "qr"
	Divider      Kind = "divider"
)

// Limits of a description, so that it fits a phone screen of at most about
// 1,400 px and every text stays readable.
const (
	MaxBlocks     = 14
	MaxText       = 300 // characters of one block's text
	MaxShort      = 60  // characters of a label, a title, a button
	MaxTableRows  = 10
	MaxTableCols  = 5
	MaxCell       = 24 // characters of a table cell
	MaxMenuItems  = 8
	MaxApps       = 16
	MaxQRText     = 300 // bytes of a QR code's text
	MaxDialogBtns = 3
)

// Status is the phone's status bar.
type Status struct {
	Time     string // "10:24"
	Battery  int    // percent; 20 or less is drawn red
	Charging bool
	WiFi     bool
	Network  string // "5G", "4G", "3G", "E" or "" (no mobile data)
	Signal   int    // bars, 0 to 4
	Airplane bool
}

// DefaultStatus is the status bar when the description gives none.
var DefaultStatus = Status{Time: "10:24", Battery: 80, WiFi: true, Network: "4G", Signal: 4}

// Block is one element of the screen. Kind says which fields matter; the
// others stay empty.
type Block struct {
	Kind Kind
	Line int // in the YAML file, for messages

	Text   string // the kind key's value: a bubble's text, a field's label, a QR code's text …
	From   string // bubble: "them" or "me"
	Sender string // bubble: a group chat's sender
	Time   string // bubble, notification

	Style       string // text: normal, title, bold, small, muted, red, green; button: primary, secondary, danger
	Value       string // field, row
	Error       string // field
	Placeholder string // field
	Password    bool   // field
	On          bool   // toggle, check
	Detail      string // toggle, row, file, progress
	Size        string // attachment: "245 Ko"; picture: small, medium, large
	FileKind    string // file: folder, pdf, image …
	App         string // notification
	Title       string // notification, menu
	Color       string // banner
	Percent     int    // progress
	Caption     string // qr

	Cells    [][]string // table, first row the header
	Letters  bool       // table: spreadsheet column letters and row numbers
	Selected string     // table: "C2"
	Formula  string     // table: a formula bar
	Items    []string   // menu, apps
}

// Dialog is a system box drawn over the dimmed screen.
type Dialog struct {
	Title   string
	Text    string
	Buttons []string
	Line    int
}

// Spec is a parsed, valid screen description.
type Spec struct {
	App      string
	Subtitle string
	URL      string
	Status   Status
	Blocks   []Block
	Dialog   *Dialog
}

// Error is one problem of a description, at a line of its YAML file.
type Error struct {
	Line int
	Msg  string
}

func (e Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Errors is every problem found in one description.
type Errors []Error

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, x := range e {
		parts[i] = x.Error()
	}
	return "screen: " + strings.Join(parts, "; ")
}

// Secure tells whether the address bar shows a padlock (an https address).
func (s *Spec) Secure() bool { return strings.HasPrefix(s.URL, "https://") }

// kinds lists, per kind, what its own key holds and the options it takes.
var kinds = map[Kind]kindDef{
	Bubble:       {value: vText, options: []string{"from", "sender", "time"}},
	TextBlock:    {value: vText, options: []string{"style"}},
	Field:        {value: vShort, options: []string{"value", "error", "placeholder", "password"}},
	Button:       {value: vShort, options: []string{"style"}},
	Toggle:       {value: vShort, options: []string{"on", "detail"}},
	Check:        {value: vText, options: []string{"on"}},
	Row:          {value: vShort, options: []string{"value", "detail"}},
	Link:         {value: vText},
	Attachment:   {value: vShort, options: []string{"size"}},
	File:         {value: vShort, options: []string{"kind", "detail"}},
	Table:        {value: vTable, options: []string{"letters", "selected", "formula"}},
	Notification: {value: vText, options: []string{"app", "title", "time"}},
	Banner:       {value: vText, options: []string{"color"}},
	Picture:      {value: vText, options: []string{"size"}},
	Progress:     {value: vShort, options: []string{"value", "detail"}},
	Menu:         {value: vList, options: []string{"title"}},
	Apps:         {value: vList},
	QR:           {value: vQR, options: []string{"caption"}},
	Divider:      {value: vTrue},
}

// kindOrder is the kinds as the documentation lists them, for messages.
var kindOrder = []Kind{Bubble, TextBlock, Field, Button, Toggle, Check, Row, Link, Attachment, File,
	Table, Notification, Banner, Picture, Progress, Menu, Apps, QR, Divider}

type valueKind int

const (
	vText  valueKind = iota // a text of at most MaxText characters
	vShort                  // a label of at most MaxShort characters
	vTable                  // a list of rows, each a list of cells
	vList                   // a list of short texts
	vQR                     // a QR code's text
	vTrue                   // `true`
)

type kindDef struct {
	value   valueKind
	options []string
}

// Enumerated option values.
var (
	fromValues    = []string{"them", "me"}
	textStyles    = []string{"normal", "title", "bold", "small", "muted", "red", "green"}
	buttonStyles  = []string{"primary", "secondary", "danger"}
	fileKinds     = []string{"folder", "pdf", "image", "doc", "sheet", "video", "audio", "zip", "apk", "other"}
	bannerColors  = []string{"red", "orange", "green", "blue"}
	pictureSizes  = []string{"small", "medium", "large"}
	networkValues = []string{"5G", "4G", "3G", "E", ""}
	screenKeys    = []string{"app", "subtitle", "url", "status", "blocks", "dialog"}
	statusKeys    = []string{"time", "battery", "charging", "wifi", "network", "signal", "airplane"}
	dialogKeys    = []string{"title", "text", "buttons"}
)
