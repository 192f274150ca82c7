package dialog

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/diagbot/diagbot/engine/bank"
)

func TestLearnersWords(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int
	}{
		{"ouais", 1}, {"ouai", 1}, {"oue", 1}, {"wé", 1}, {"Vas-y", 1}, {"grave", 1}, {"carrément !", 1},
		{"ok go", 1}, {"OK", 1}, {"d'accord", 1}, {"Oui", 1}, {"yes", 1},
		{"nan", -1}, {"non merci", -1}, {"pas maintenant", -1}, {"Non", -1}, {"no", -1},
		{"peut-être", 0}, {"merci", 0}, {"", 0},
	} {
		if got := yesNo(tt.text); got != tt.want {
			t.Errorf("yesNo(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"je ne sais pas", true}, {"chai pas", true}, {"j'sais pas", true}, {"je c pas", true},
		{"aucune idée", true}, {"jsp", true}, {"JSP", true}, {"?", true}, {"??", true}, {"Je sais pas.", true},
		{"I don't know", true}, {"idk", true},
		{"je sais", false}, {"pas", false}, {"2", false}, {"wifi ?", false},
	} {
		if got := isDontKnow(tt.text); got != tt.want {
			t.Errorf("isDontKnow(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	choices := []string{"Un lien", "Un mot de passe", "Une photo"}
	for _, tt := range []struct {
		text string
		want []int
	}{
		{"le 2", []int{1}}, {"la 2", []int{1}}, {"2)", []int{1}}, {"n°2", []int{1}}, {"N° 2", []int{1}},
		{"deux", []int{1}}, {"la deuxième", []int{1}}, {"c'est la 3", []int{2}}, {"réponse 1", []int{0}},
		{"la b", []int{1}}, {"le 5", nil}, {"le", nil}, {"la 2 et la 3", nil},
	} {
		got, ok := parseChoices(tt.text, choices, choices, false)
		if !slices.Equal(got, tt.want) || ok != (tt.want != nil) {
			t.Errorf("parseChoices(%q) = %v %v, want %v", tt.text, got, ok, tt.want)
		}
	}
	if got, ok := parseChoices("la 1 et la 3", choices, choices, true); !ok || !slices.Equal(got, []int{0, 2}) {
		t.Errorf(`parseChoices("la 1 et la 3", multiple) = %v %v, want [0 2]`, got, ok)
	}
	// Menus: "le 2" presses the second button; "n" is no, not a letter.
	menu := []ButtonView{{Label: "✅ J'accepte"}, {Label: "Je refuse"}}
	for _, tt := range []struct {
		text string
		want int
		ok   bool
	}{
		{"le 2", 1, true}, {"deux", 1, true}, {"ouais", 0, true}, {"nan", 1, true}, {"le 3", 0, false}, {"b", 0, false},
	} {
		if got, ok := matchButton(tt.text, true, menu); ok != tt.ok || ok && got != tt.want {
			t.Errorf("matchButton(%q) = %d %v, want %d %v", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDefineQuery(t *testing.T) {
	context := words("Quel navigateur ouvre une pièce jointe sur le wifi ? Un lien")
	for _, tt := range []struct {
		text, want string
		explicit   bool
	}{
		{"c koi un navigateur", "navigateur", true},
		{"C'est quoi une pièce jointe ?", "piece jointe", true},
		{"ça veut dire quoi hameçonnage", "hameconnage", true},
		{"ca veut dire quoi, le cloud", "cloud", true},
		{"navigateur c koi", "navigateur", true},
		{"what is a browser?", "browser", true},
		{"wifi ?", "wifi", false},
		{"pièce jointe ?", "piece jointe", false},
		{"cloud ?", "", false}, // not a word of the question
		{"?", "", false},
		{"navigateur", "", false},
		{"2", "", false},
		{"c koi", "", false},
	} {
		got, explicit := defineQuery(tt.text, context)
		if got != tt.want || explicit != tt.explicit {
			t.Errorf("defineQuery(%q) = %q %v, want %q %v", tt.text, got, explicit, tt.want, tt.explicit)
		}
	}
}

// TestDefinitionThenTheQuestion: "c koi X" gets the glossary's definition,
// then the same question again; nothing is recorded, nothing moves.
func TestDefinitionThenTheQuestion(t *testing.T) {
	glossary := func(lang, word string) (string, string, bool) {
		switch word {
		case "navigateur":
			return "Navigateur", "L'application pour aller sur internet.", true
		case "cuisine":
			return "Cuisine", "La pièce où l'on fait à manger.", true
		}
		return "", "", false
	}
	s := stateSessions()["question"]
	for _, tt := range []struct {
		text, want string
		define     func(lang, word string) (string, string, bool)
	}{
		{"c koi un navigateur", "📖 Navigateur : L'application pour aller sur internet.", glossary},
		{"C'est quoi un navigateur ?", "📖 Navigateur : L'application pour aller sur internet.", glossary},
		{"cuisine ?", T("fr", "definition_later", "word", "cuisine"), glossary}, // a word of the choices: not now
		{"c koi un zorglub", T("fr", "no_definition", "word", "zorglub"), glossary},
		{"c koi un navigateur", T("fr", "no_definition", "word", "navigateur"), nil}, // no glossary yet
	} {
		env := Env{Now: s.UpdatedAt.Add(time.Minute), Engine: testEngine, Bank: testBank, Random: 9, Define: tt.define}
		turn, err := Step(s, ParseText(tt.text), env)
		if err != nil {
			t.Fatal(err)
		}
		if len(turn.Answers) != 0 || !sameSession(s, turn.Session) || turn.Session.Misses != 0 {
			t.Errorf("%q recorded or moved: %+v", tt.text, turn.Answers)
		}
		if len(turn.Outputs) == 0 || turn.Outputs[0].Text != tt.want {
			t.Errorf("%q: got %+v, want %q first", tt.text, turn.Outputs, tt.want)
			continue
		}
		l := turn.Outputs[len(turn.Outputs)-1]
		if tt.want[0] == 0xf0 && !strings.Contains(tt.want, "fait partie") { // 📖: the question again, unchanged
			if l.Question == nil || l.Question.Item != s.Engine.Pending || l.Question.Number != s.Question {
				t.Errorf("%q: the question is not asked again: %+v", tt.text, turn.Outputs)
			}
		} else if len(l.Buttons) == 0 {
			t.Errorf("%q: no buttons with the word: %+v", tt.text, turn.Outputs)
		}
	}
}

// FuzzLearnersWords: the readers of the learner's words never panic, and
// never read one text two ways.
func FuzzLearnersWords(f *testing.F) {
	for _, s := range []string{"ouais", "nan", "le 2", "n°2", "deux", "la deuxième", "jsp", "chai pas", "?", "c koi un navigateur",
		"ça veut dire quoi hameçonnage", "wifi ?", "c'est quoi", "", "🤷", "2)", "la b"} {
		f.Add(s)
	}
	context := words("Quel navigateur ouvre une pièce jointe sur le wifi ?")
	f.Fuzz(func(t *testing.T, text string) {
		yn := yesNo(text)
		if yn != 0 && isDontKnow(text) {
			t.Fatalf("%q is both %d and je ne sais pas", text, yn)
		}
		if k, ok := choiceNumber(text, true); ok && k < 1 {
			t.Fatalf("choiceNumber(%q) = %d", text, k)
		}
		q, explicit := defineQuery(text, context)
		if q == "" && explicit || len(q) > 60 {
			t.Fatalf("defineQuery(%q) = %q %v", text, q, explicit)
		}
		if q != "" && !explicit && !strings.Contains(" "+context+" ", " "+q+" ") {
			t.Fatalf("defineQuery(%q) = %q, not a word of the question", text, q)
		}
		if name, ok := cleanName(text); ok && (name == "" || utf8.RuneCountInString(name) > MaxAttestationName) {
			t.Fatalf("cleanName(%q) = %q", text, name)
		}
	})
}

// A word that is one of the answers is not defined during the question: the
// definition would hand over the answer. It is said kindly, with the buttons.
func TestNoDefinitionThatGivesTheAnswer(t *testing.T) {
	it := &bank.Item{ID: "x", Type: bank.Single, Choices: []bank.Choice{{Text: "Le navigateur", Correct: true}, {Text: "Le clavier"}, {Text: "La batterie"}}}
	for _, tt := range []struct {
		query, term, def string
		want             bool
	}{
		{"navigateur", "Navigateur", "L'appli pour aller sur internet.", true},
		{"clavier", "Clavier", "Les touches pour écrire.", true},
		{"internet", "Internet", "Le réseau mondial.", false},
		{"appli", "Appli", "Un programme du téléphone, comme le navigateur.", true}, // says the key
		{"appli", "Appli", "Un programme du téléphone.", false},
	} {
		if got := givesAway(it, tt.query, tt.term, tt.def); got != tt.want {
			t.Errorf("givesAway(%q, %q) = %v, want %v", tt.query, tt.def, got, tt.want)
		}
	}
	tf := &bank.Item{ID: "y", Type: bank.TrueFalse, Choices: []bank.Choice{{Text: "Vrai", Correct: true}, {Text: "Faux"}}}
	if givesAway(tf, "cadenas", "Cadenas", "Un vrai symbole de connexion chiffrée.") {
		t.Error("a true/false item's Vrai said nothing, but the definition was refused")
	}

	s := stateSessions()["question"]
	pending, _ := testBank.Item(s.Engine.Pending)
	var word string
	for _, w := range strings.Fields(bank.Fold(pending.In("fr").Choices[0])) {
		if len(w) >= 5 {
			word = w
			break
		}
	}
	if word == "" {
		t.Skip("the pending item's first choice has no long word")
	}
	define := func(lang, q string) (string, string, bool) { return q, "une définition", true }
	env := Env{Now: s.UpdatedAt.Add(time.Minute), Engine: testEngine, Bank: testBank, Random: 9, Define: define}
	turn, err := Step(s, ParseText("c koi "+word), env)
	if err != nil {
		t.Fatal(err)
	}
	if len(turn.Outputs) != 1 || !strings.Contains(turn.Outputs[0].Text, "fait partie des réponses") || len(turn.Outputs[0].Buttons) == 0 ||
		len(turn.Answers) != 0 || !sameSession(s, turn.Session) {
		t.Errorf("c koi %s during the question: %+v", word, turn.Outputs)
	}
}
