package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/diagbot/diagbot/engine/bank"
)

// export is the documented format of `diagbot content export --json`:
// everything in the bank, so that anyone can review it without Go.
type export struct {
	Items    []exportedItem   `json:"items"`
	Lessons  []exportedLesson `json:"lessons"`
	Glossary []*bank.Term     `json:"glossary"`
}

// exportedItem keeps the first export's keys (id, competence, skill, level,
// type, a, b) and adds every field of the item.
type exportedItem struct {
	ID         string            `json:"id"`
	Competence string            `json:"competence"`
	Skill      string            `json:"skill"`
	Level      int               `json:"level"`
	Type       string            `json:"type"`
	A          float64           `json:"a"`
	B          float64           `json:"b"`
	Prompt     string            `json:"prompt"`
	Choices    []bank.Choice     `json:"choices,omitempty"`
	Answers    []string          `json:"answers,omitempty"`
	Typo       *bool             `json:"typo,omitempty"` // text items only
	Tip        string            `json:"tip"`
	Why        string            `json:"why,omitempty"`
	Source     string            `json:"source,omitempty"`
	Checked    string            `json:"checked,omitempty"`
	Image      string            `json:"image,omitempty"` // path inside the bank
	Alt        string            `json:"alt,omitempty"`
	Screen     any               `json:"screen,omitempty"` // the picture's description, as written
	EN         *bank.Translation `json:"en,omitempty"`
	File       string            `json:"file"`
	Line       int               `json:"line"`
}

type exportedLesson struct {
	Competence string           `json:"competence"`
	Skill      string           `json:"skill"`
	Can        string           `json:"can,omitempty"`
	Priority   int              `json:"priority"`
	Title      string           `json:"title"`
	Text       string           `json:"text"`
	Try        string           `json:"try"`
	Link       string           `json:"link,omitempty"`
	Check      string           `json:"check"`
	EN         *exportedLessonT `json:"en,omitempty"`
	File       string           `json:"file"`
	Line       int              `json:"line"`
}

type exportedLessonT struct {
	Can   string `json:"can,omitempty"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Try   string `json:"try"`
}

func contentExport(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("content export", flag.ContinueOnError)
	fl.SetOutput(stdout)
	asJSON := fl.Bool("json", false, "print JSON (the only format)")
	dir := fl.String("bank", "", "bank directory (default: the embedded bank)")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	if !*asJSON {
		return fmt.Errorf("content export prints JSON: add --json: %w", errUsage)
	}
	fsys, _, err := bankFS(*dir)
	if err != nil {
		return err
	}
	b, err := bank.Load(fsys)
	if err != nil {
		return err
	}
	out, err := exportBank(b)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func exportBank(b *bank.Bank) (export, error) {
	out := export{Items: make([]exportedItem, 0, len(b.Items)), Lessons: []exportedLesson{}, Glossary: b.Glossary()}
	if out.Glossary == nil {
		out.Glossary = []*bank.Term{}
	}
	for _, it := range b.Items {
		e := exportedItem{ID: it.ID, Competence: it.Competence, Skill: it.Skill, Level: it.Level, Type: string(it.Type),
			A: it.A, B: it.B, Prompt: it.Prompt, Choices: it.Choices, Answers: it.Answers, Tip: it.Tip, Why: it.Why,
			Source: it.Source, Checked: it.Checked, Image: it.Image, Alt: it.Alt, EN: it.EN, File: it.File, Line: it.Line}
		if it.Type == bank.Text {
			typo := it.Typo
			e.Typo = &typo
		}
		if it.Screen != nil {
			var screen map[string]any
			if err := it.Screen.Decode(&screen); err != nil {
				return out, fmt.Errorf("%s:%d: item %s: screen: %w", it.File, it.Line, it.ID, err)
			}
			e.Screen = screen
		}
		out.Items = append(out.Items, e)
	}
	for _, l := range b.Lessons() {
		e := exportedLesson{Competence: l.Competence, Skill: l.Skill, Can: l.Can, Priority: l.Priority, Title: l.Title,
			Text: l.Text, Try: l.Try, Link: l.Link, Check: l.Check, File: l.File, Line: l.Line}
		if l.EN != nil {
			e.EN = &exportedLessonT{Can: l.EN.Can, Title: l.EN.Title, Text: l.EN.Text, Try: l.EN.Try}
		}
		out.Lessons = append(out.Lessons, e)
	}
	return out, nil
}
