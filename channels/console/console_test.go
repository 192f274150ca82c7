package console

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/dialog"
)

func TestShowAndInput(t *testing.T) {
	var out bytes.Buffer
	c := New(&out)
	q := &dialog.QuestionView{Header: "Question 1 · ▓░", Prompt: "Quel site ?", Buttons: [][]dialog.ButtonView{
		{{Label: "1. Ameli", Data: "a:1:1:0"}}, {{Label: "2. CAF", Data: "a:1:1:1"}}, {{Label: "🤷 Je ne sais pas", Data: "a:1:1:skip"}},
	}}
	c.Show(dialog.Output{Kind: dialog.OutQuestion, Question: q})
	for _, want := range []string{"Question 1", "Quel site ?", "[1] Ameli", "[2] CAF", "[3] 🤷 Je ne sais pas"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	tests := []struct {
		line string
		want dialog.Input
	}{
		{"2", dialog.Input{Kind: dialog.InButton, Data: "a:1:1:1"}},
		{" 3 ", dialog.Input{Kind: dialog.InButton, Data: "a:1:1:skip"}},
		{"4", dialog.Input{Kind: dialog.InText, Text: "4"}},
		{"/aide", dialog.Input{Kind: dialog.InCommand, Command: "aide"}},
		{"CAF", dialog.Input{Kind: dialog.InText, Text: "CAF"}},
	}
	for _, tt := range tests {
		if got := c.Input(tt.line); got != tt.want {
			t.Errorf("Input(%q) = %+v, want %+v", tt.line, got, tt.want)
		}
	}
	// Long choices listed with number buttons: the terminal shows each
	// number's choice; "2" presses the second number.
	out.Reset()
	c.Show(dialog.Output{Kind: dialog.OutQuestion, Question: &dialog.QuestionView{Prompt: "Que faire ?",
		Choices: []string{"Cliquer sur le lien pour voir", "Chercher sur un site officiel"},
		Buttons: [][]dialog.ButtonView{{{Label: "☐ 1", Data: "a:1:3:t1"}, {Label: "✅ 2", Data: "a:1:3:t0"}}, {{Label: "Valider", Data: "a:1:3:ok"}}}}})
	for _, want := range []string{"[1] ☐ Cliquer sur le lien pour voir", "[2] ✅ Chercher sur un site officiel", "[3] Valider"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if got := c.Input("2"); got.Data != "a:1:3:t0" {
		t.Errorf("2 read as %+v", got)
	}
	// A typed-answer question: numbers are answers, not buttons.
	c.Show(dialog.Output{Kind: dialog.OutQuestion, Question: &dialog.QuestionView{Prompt: "Combien ?", TypeIn: true,
		Buttons: [][]dialog.ButtonView{{{Label: "Je ne sais pas", Data: "a:1:2:skip"}}}}})
	if got := c.Input("1"); got.Kind != dialog.InText || got.Text != "1" {
		t.Errorf("typed answer 1 read as %+v", got)
	}
	if err := c.WaitShown(context.Background(), 3); err != nil || c.Shown() != 3 {
		t.Errorf("shown %d", c.Shown())
	}

	// A menu's numbers last until a message without buttons; a question's
	// stay under such a message.
	menu := dialog.Output{Kind: dialog.OutText, Text: "Voir vos réponses ?", Buttons: [][]dialog.ButtonView{{{Label: "Suivant", Data: "m:review:next"}}}}
	word := dialog.Output{Kind: dialog.OutText, Text: "C'est fini."}
	c.Show(menu)
	if got := c.Input("1"); got.Kind != dialog.InButton || got.Data != "m:review:next" {
		t.Errorf("menu button 1 read as %+v", got)
	}
	c.Show(word)
	if got := c.Input("1"); got.Kind != dialog.InText || got.Text != "1" {
		t.Errorf("after the menu ended, 1 read as %+v, want text", got)
	}
	c.Show(dialog.Output{Kind: dialog.OutQuestion, Question: q})
	c.Show(word)
	if got := c.Input("2"); got.Kind != dialog.InButton || got.Data != "a:1:1:1" {
		t.Errorf("question button 2 under a short word read as %+v", got)
	}
	// Once the question is answered its buttons are gone: after the last
	// question (results, "done"), a number is text for the dialog.
	c.Show(dialog.Output{Kind: dialog.OutAnswered, Answered: &dialog.AnsweredView{Number: 1, Text: "Réponse : CAF"}})
	c.Show(word)
	if got := c.Input("1"); got.Kind != dialog.InText || got.Text != "1" {
		t.Errorf("after the question was answered, 1 read as %+v, want text", got)
	}
	// An answer shown under a menu (the path's check question answered
	// while its moments are offered) leaves the menu's buttons.
	c.Show(menu)
	c.Show(dialog.Output{Kind: dialog.OutAnswered, Answered: &dialog.AnsweredView{Number: 1001, Text: "Réponse : 2"}})
	if got := c.Input("1"); got.Kind != dialog.InButton || got.Data != "m:review:next" {
		t.Errorf("menu button 1 after an answer read as %+v", got)
	}
}

func TestReadLinesStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var got []string
	err := ReadLines(ctx, strings.NewReader("a\nb\n"), func(l string) error {
		got = append(got, l)
		if l == "b" {
			cancel()
		}
		return nil
	})
	if err != nil || strings.Join(got, ",") != "a,b" {
		t.Errorf("got %v, %v", got, err)
	}
}

// TestShowPicture: a terminal cannot show a picture, so a question with one
// shows its text alternative and the file's path.
func TestShowPicture(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		q    dialog.QuestionView
		want []string
		not  []string
	}{
		{"alt and path", nil, dialog.QuestionView{Prompt: "Que faites-vous ?", Image: "images/c24-sms-1.png", Alt: "Un SMS du 06 39 98 12 34."},
			[]string{"Que faites-vous ?\n[image : Un SMS du 06 39 98 12 34.]\n[fichier : engine/bank/items/images/c24-sms-1.png]\n"}, nil},
		{"another folder", []Option{WithPictureDir("/srv/bank")}, dialog.QuestionView{Prompt: "Q", Image: "images/x.png", Alt: "A"},
			[]string{"[fichier : /srv/bank/images/x.png]"}, nil},
		{"no alt", nil, dialog.QuestionView{Prompt: "Q", Image: "images/x.png"},
			[]string{"[fichier : engine/bank/items/images/x.png]"}, []string{"[image"}},
		{"no picture", nil, dialog.QuestionView{Prompt: "Q", Alt: "A"}, nil, []string{"[image", "[fichier"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			q := tt.q
			New(&out, tt.opts...).Show(dialog.Output{Kind: dialog.OutQuestion, Question: &q})
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.not {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestAttestationFilesAreWrittenAndListed(t *testing.T) {
	dir := t.TempDir() + "/fichiers"
	var out bytes.Buffer
	c := New(&out).SaveFilesIn(dir)
	o := dialog.Output{Kind: dialog.OutAttestation, Text: "Voici votre attestation.", Files: []dialog.OutFile{
		{Name: "attestation-positionnement.pdf", Data: []byte("%PDF")}, {Name: "../attestation-positionnement.jwt", Data: []byte("eyJ")}}}
	if err := c.Show(o); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"attestation-positionnement.pdf", "attestation-positionnement.jwt"} {
		path := dir + "/" + name
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v", path, err)
		}
		if !strings.Contains(out.String(), path) {
			t.Errorf("the path %s is not printed:\n%s", path, out.String())
		}
	}
	if err := New(&out).Show(o); err != nil || !strings.Contains(out.String(), "(3 octets)") {
		t.Errorf("without a folder: %v\n%s", err, out.String())
	}
}
