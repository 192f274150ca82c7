// Package bank holds the question content of diagbot — one YAML file per
// competence, embedded in the binary — and the validator that checks it.
//
// The format is documented for content authors in README.md beside this file.
package bank

import (
	"go.yaml.in/yaml/v3"

	"github.com/diagbot/diagbot/engine"
)

// Type is the kind of answer an item expects.
type Type string

const (
	Single    Type = "single"    // one right choice
	Multiple  Type = "multiple"  // all that apply
	Text      Type = "text"      // a short typed answer
	TrueFalse Type = "truefalse" // vrai / faux, rendered as two choices
)

// Choice is one answer a learner can pick.
type Choice struct {
	Text    string `json:"text"`
	Correct bool   `json:"correct,omitempty"`
}

// Translation is the English version of an item. Empty fields fall back to French.
type Translation struct {
	Prompt  string   `json:"prompt,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Answers []string `json:"answers,omitempty"`
	Tip     string   `json:"tip,omitempty"`
	Alt     string   `json:"alt,omitempty"`
	Why     string   `json:"why,omitempty"`
}

// Item is one question with everything needed to ask it, score it and teach
// from it.
type Item struct {
	ID         string   `json:"id"`
	Competence string   `json:"competence"`
	Skill      string   `json:"skill"`
	Level      int      `json:"level"`
	Type       Type     `json:"type"`
	Prompt     string   `json:"prompt"`
	Choices    []Choice `json:"choices,omitempty"` // true/false items get "Vrai" and "Faux" here
	Answers    []string `json:"answers,omitempty"` // text items
	Typo       bool     `json:"typo"`              // text items: forgive small typos
	Tip        string   `json:"tip"`
	A          float64  `json:"a"`
	B          float64  `json:"b"`
	Image      string   `json:"image,omitempty"` // path inside the bank
	Alt        string   `json:"alt,omitempty"`
	Why        string   `json:"why,omitempty"`     // why the key is right, for advisors and reviewers
	Source     string   `json:"source,omitempty"`  // where a fact that can change was checked (a URL)
	Checked    string   `json:"checked,omitempty"` // when it was checked, YYYY-MM-DD
	// Pilot marks a new item being field-tested: asked at most once per
	// diagnostic, never counted, until a calibration gives it parameters.
	Pilot bool         `json:"pilot,omitempty"`
	EN    *Translation `json:"en,omitempty"`
	// Screen is the picture's description (a phone-screen mock-up), from
	// which the image file is drawn; nil when the item has no drawn picture.
	Screen *yaml.Node `json:"-"`

	File string `json:"-"` // where it was read, for messages
	Line int    `json:"-"`
}

// Engine returns the measurement view of the item.
func (it *Item) Engine() engine.Item {
	return engine.Item{ID: it.ID, Competence: it.Competence, Skill: it.Skill, Level: it.Level, A: it.A, B: it.B, Pilot: it.Pilot}
}

// Localized is an item's text in one language, ready to show.
type Localized struct {
	Prompt  string
	Choices []string
	Tip     string
	Alt     string
}

// In returns the item's texts in lang ("fr" or "en"); missing English texts
// fall back to French.
func (it *Item) In(lang string) Localized {
	l := Localized{Prompt: it.Prompt, Tip: it.Tip, Alt: it.Alt}
	l.Choices = make([]string, len(it.Choices))
	for i, c := range it.Choices {
		l.Choices[i] = c.Text
	}
	if lang != "en" {
		return l
	}
	if it.Type == TrueFalse {
		l.Choices = []string{"True", "False"}
	}
	if it.EN == nil {
		return l
	}
	if it.EN.Prompt != "" {
		l.Prompt = it.EN.Prompt
	}
	if it.EN.Tip != "" {
		l.Tip = it.EN.Tip
	}
	if it.EN.Alt != "" {
		l.Alt = it.EN.Alt
	}
	if len(it.EN.Choices) == len(it.Choices) && it.Type != TrueFalse {
		copy(l.Choices, it.EN.Choices)
	}
	return l
}

// Response is a learner's answer to an item.
type Response struct {
	Choices []int  `json:"choices,omitempty"` // 0-based indices of the chosen choices
	Text    string `json:"text,omitempty"`    // typed answer
	Skip    bool   `json:"skip,omitempty"`    // "Je ne sais pas"
}

// Correct tells whether r answers the item right. "Je ne sais pas" is never right.
func (it *Item) Correct(r Response) bool {
	if r.Skip {
		return false
	}
	switch it.Type {
	case Text:
		accepted := it.Answers
		if it.EN != nil {
			accepted = append(append([]string(nil), accepted...), it.EN.Answers...)
		}
		return MatchText(r.Text, accepted, it.Typo)
	default:
		chosen := make(map[int]bool, len(r.Choices))
		for _, c := range r.Choices {
			if c < 0 || c >= len(it.Choices) {
				return false
			}
			chosen[c] = true
		}
		if len(chosen) == 0 {
			return false
		}
		for i, c := range it.Choices {
			if c.Correct != chosen[i] {
				return false
			}
		}
		return true
	}
}

// CorrectChoices returns the 0-based indices of the right choices.
func (it *Item) CorrectChoices() []int {
	var out []int
	for i, c := range it.Choices {
		if c.Correct {
			out = append(out, i)
		}
	}
	return out
}
