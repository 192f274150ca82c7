package dialog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/diagbot/diagbot/engine/bank"
)

// The learner's words: everything that reads free text (commands, yes and
// no, choices, "je ne sais pas") is here, apart from what it means in a state.

// ParseText turns a typed message into an Input: "/start CODE" (also
// "/start@diagbot CODE", "/Résultats") is a command with its arguments;
// anything else is free text. Unknown commands keep their name, so Step can
// answer kindly.
func ParseText(text string) Input {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "/") || len(t) < 2 {
		return Input{Kind: InText, Text: text}
	}
	// The name ends at any space: on a phone, Enter often starts a new line
	// ("/aide" then the question below it).
	name, args := t[1:], ""
	if i := strings.IndexFunc(name, unicode.IsSpace); i >= 0 {
		name, args = name[:i], name[i:]
	}
	name, _, _ = strings.Cut(name, "@")
	name = foldASCII(strings.ToLower(name)) // lower first: "/ÈTAPE" is "/etape"
	if canon, ok := Commands[name]; ok {
		name = canon
	} else if name == "" || len(name) > 32 || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' }) >= 0 {
		return Input{Kind: InText, Text: text} // "/ 2", "/-)": not a command
	}
	return Input{Kind: InCommand, Command: name, Args: strings.TrimSpace(args)}
}

// foldASCII removes French accents from a command name ("résultats").
func foldASCII(s string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ê", "e", "à", "a", "ç", "c", "ô", "o", "î", "i", "û", "u").Replace(s)
}

// typedButton reads text typed where buttons were shown: the button's
// number ("2"), its words when they name one button only ("plus tard"), or
// yes and no for a yes-or-no question act as pressing it. Anything else gets
// a short word and the buttons again (not the whole message), and changes
// nothing.
//
// At the campaign's question, whose yes replaces the answers given, a bare
// number is not taken: it arrives unasked (the advisor's link) under the
// diagnostic's question, whose choices are numbered, while its own buttons
// show no number on a phone; "1" there was most likely meant for the
// question. Yes there is pressed or said in words.
func (st *step) typedButton(text string) error {
	buttons, yn := st.menuOf(st.lang())
	if len(buttons) == 0 {
		st.notUnderstood("not_understood", nil)
		return st.resend()
	}
	if st.m.current() == StateConfirmCampaign {
		if _, err := strconv.Atoi(words(text)); err == nil {
			st.notUnderstood("use_menu", rows(buttons))
			return nil
		}
	}
	menus := [][]ButtonView{buttons}
	for _, l := range Languages {
		if l != st.lang() {
			other, _ := st.menuOf(l)
			menus = append(menus, other)
		}
	}
	if i, ok := matchButton(text, yn, menus...); ok {
		b, err := ParseButton(buttons[i].Data)
		if err != nil {
			return fmt.Errorf("dialog: a menu button of state %s: %w", st.m.current(), err)
		}
		return st.menuButton(b)
	}
	if st.m.current() == StateConsent {
		st.notUnderstood("consent_first", rows(buttons))
	} else {
		st.notUnderstood("use_menu", rows(buttons))
	}
	return nil
}

// matchButton finds the button text names among buttons (menus holds the
// same buttons in each language): by number, by words naming one button
// only, or, for a yes-or-no question (yes first, no last), by yes or no.
func matchButton(text string, yn bool, menus ...[]ButtonView) (int, bool) {
	n := len(menus[0])
	f := words(text)
	if f == "" {
		return 0, false
	}
	if k, ok := choiceNumber(text, false); ok {
		return k - 1, k <= n
	}
	match := -1
	for _, m := range menus {
		for i, b := range m {
			label := " " + words(b.Label) + " "
			if label == " "+f+" " || len(f) >= 3 && !filler(f) && strings.Contains(label, " "+f+" ") {
				if match >= 0 && match != i {
					return 0, false // words of two buttons
				}
				match = i
			}
		}
	}
	if match >= 0 {
		return match, true
	}
	if yn {
		switch yesNo(text) {
		case 1:
			return 0, true
		case -1:
			return n - 1, n > 1
		}
	}
	return 0, false
}

// fillers are words of a label that alone name no choice: "merci" is a
// thank-you, not "Non merci"; "tout ?" asks, it does not say "Oui, tout
// effacer".
var fillers = map[string]bool{
	"merci": true, "beaucoup": true, "thanks": true, "thank": true, "you": true,
	"tout": true, "everything": true, "ici": true, "here": true,
}

// filler tells whether the words f (folded) are all fillers.
func filler(f string) bool {
	for _, w := range strings.Fields(f) {
		if !fillers[w] {
			return false
		}
	}
	return true
}

// words folds text to its lower-case words without accents, emoji or
// punctuation: "☀️ L'après-midi" is "l apres midi".
func words(text string) string {
	return strings.Join(strings.FieldsFunc(bank.Fold(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// dontKnow is "je ne sais pas" as learners type it, folded to words.
var dontKnow = set(
	"je ne sais pas", "je sais pas", "sais pas", "ne sais pas", "jsp", "jcp", "jsais pas", "j sais pas",
	"chai pas", "chais pas", "chaipas", "chepa", "chepas", "je c pas", "je ne c pas", "jsp pas",
	"je sai pas", "je sait pas", "je ne sait pas", "jse pas", "je se pas", "aucune idee", "pas d idee",
	"aucune", "je sais pas trop", "jsp trop", "sais pas trop", "je vois pas", "je ne vois pas",
	"i don t know", "i dont know", "idk", "dont know", "don t know", "no idea", "dunno",
)

// isDontKnow tells whether text says "je ne sais pas", in any of its
// spellings, or is only question marks.
func isDontKnow(text string) bool {
	t := strings.TrimSpace(text)
	if t != "" && strings.Trim(t, "?？ ") == "" {
		return true
	}
	return dontKnow[words(text)]
}

func set(list ...string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, w := range list {
		m[w] = true
	}
	return m
}

// numberWords are choice numbers written out ("deux", "la deuxième").
// "un" and "une" are not among them: they begin choices ("Une photo").
var numberWords = map[string]int{
	"premier": 1, "premiere": 1, "one": 1, "first": 1,
	"deux": 2, "deuxieme": 2, "second": 2, "seconde": 2, "two": 2,
	"trois": 3, "troisieme": 3, "three": 3, "third": 3,
	"quatre": 4, "quatrieme": 4, "four": 4, "fourth": 4,
	"cinq": 5, "cinquieme": 5, "five": 5, "fifth": 5,
	"six": 6, "sixieme": 6, "sixth": 6,
}

// choiceLead are words before a choice's number: "le 2", "la 2", "n°2",
// "réponse 2", "c'est la 2", "the 2nd".
var choiceLead = set("le", "la", "l", "n", "no", "num", "numero", "reponse", "choix", "c", "est", "cest",
	"ce", "je", "prends", "choisis", "dis", "the", "number", "answer", "option", "choice", "it", "s", "is")

// choiceNumber reads text as a choice's number, from 1: "2", "2)", "le 2",
// "la 2", "n°2", "deux", "la deuxième"; with letters, "b" or "la b" too.
func choiceNumber(text string, letters bool) (int, bool) {
	f := strings.Fields(words(text))
	for len(f) > 1 && choiceLead[f[0]] {
		f = f[1:]
	}
	if len(f) != 1 {
		return 0, false
	}
	w := f[0]
	if k, err := strconv.Atoi(w); err == nil {
		return k, k >= 1
	}
	if k, ok := numberWords[w]; ok {
		return k, true
	}
	if letters && len(w) == 1 && w[0] >= 'a' && w[0] <= 'z' {
		return int(w[0]-'a') + 1, true
	}
	return 0, false
}

// defineLead and defineTail frame a request for a word's meaning: "c koi X",
// "c'est quoi X", "ça veut dire quoi X", "X c'est quoi", "what is X".
var (
	defineLead = []string{"c est quoi", "cest quoi", "c est koi", "cest koi", "c koi", "ckoi", "c quoi", "cquoi",
		"ca veut dire quoi", "sa veut dire quoi", "ca veut dire koi", "sa veut dire koi", "ca veut dire", "sa veut dire",
		"ca signifie quoi", "que veut dire", "que signifie", "qu est ce que c est", "qu est ce que", "qu est ce qu",
		"quest ce que", "keske", "kesako", "definition de", "definition", "what is", "what s", "whats",
		"what does", "what do you mean by", "define", "meaning of"}
	defineTail = []string{"c est quoi", "cest quoi", "c est koi", "c koi", "c quoi", "ckoi", "ca veut dire quoi",
		"sa veut dire quoi", "ca veut dire koi", "kesako", "ca signifie quoi", "mean", "means"}
	articles = set("un", "une", "le", "la", "les", "l", "des", "du", "de", "d", "a", "an", "the", "un e")
)

// defineQuery reads a request for a word's meaning. explicit is true for
// "c koi X" and its kin; a bare "X ?" (one to three words and a question
// mark) is a request only when X is among the words of the question asked
// (context, folded).
func defineQuery(text, context string) (query string, explicit bool) {
	f := words(text)
	q := ""
	for _, lead := range defineLead {
		if rest, ok := strings.CutPrefix(f, lead+" "); ok {
			q, explicit = rest, true
			break
		}
	}
	if !explicit {
		for _, tail := range defineTail {
			if rest, ok := strings.CutSuffix(f, " "+tail); ok {
				q, explicit = rest, true
				break
			}
		}
	}
	if !explicit {
		if !strings.HasSuffix(strings.TrimSpace(text), "?") || f == "" || len(strings.Fields(f)) > 3 {
			return "", false
		}
		q = f
	}
	fields := strings.Fields(q)
	for len(fields) > 1 && articles[fields[0]] {
		fields = fields[1:]
	}
	q = strings.Join(fields, " ")
	if q == "" || len(q) > 60 {
		return "", false
	}
	if !explicit && !strings.Contains(" "+context+" ", " "+q+" ") {
		return "", false
	}
	return q, explicit
}

// parseChoices reads "2", "b", "2.", the text of a choice (in either
// language) when it names one choice only, or "1, 3" for multiple choice.
// A text that could name two different choices ("2" when another choice
// reads "2", two choices with the same words) is not taken: the learner is
// asked to use the buttons rather than have a guess recorded.
func parseChoices(text string, choices, choicesFR []string, multiple bool) ([]int, bool) {
	f := bank.Fold(text)
	if f == "" {
		return nil, false
	}
	whole, n := readChoice(f, choices, choicesFR)
	if n > 1 {
		return nil, false
	}
	var picks []int
	if multiple {
		fields := strings.FieldsFunc(f, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '+' })
		for _, tok := range fields {
			if tok == "et" || tok == "and" || tok == "la" || tok == "le" || tok == "l" {
				continue
			}
			i, n := readChoice(tok, choices, choicesFR)
			if n != 1 {
				picks = nil
				break
			}
			if !slices.Contains(picks, i) {
				picks = append(picks, i)
			}
		}
		slices.Sort(picks)
	}
	switch {
	case n == 1 && len(picks) > 0 && !slices.Equal(picks, []int{whole}):
		return nil, false // "1 2" is a choice's label and two choices' numbers
	case n == 1:
		return []int{whole}, true
	case len(picks) > 0:
		return picks, true
	}
	return nil, false
}

// readChoice reads tok (folded) as one choice: its number, its letter or its
// words in either language. n is how many different choices it could name.
func readChoice(tok string, choices, choicesFR []string) (i, n int) {
	found := map[int]bool{}
	if k, ok := choiceNumber(tok, true); ok && k <= len(choices) {
		found[k-1] = true
	}
	for _, list := range [][]string{choices, choicesFR} {
		for k, c := range list {
			if k < len(choices) && bank.Fold(c) == tok {
				found[k] = true
			}
		}
	}
	for k := range found {
		i = k
	}
	return i, len(found)
}

// yesWords and noWords are yes and no as learners type them, folded to words.
var (
	yesWords = set("oui", "ouais", "ouai", "oue", "ouep", "ouaip", "ouii", "ouiii", "wi", "we", "wai", "vas y", "vasy",
		"grave", "carrement", "ok", "okay", "oki", "okok", "ok go", "go", "allez", "allez y", "d accord", "daccord", "dac",
		"j accepte", "jaccepte", "bien sur", "yes", "yep", "yeah", "yup", "sure", "i agree", "1", "o", "y")
	noWords = set("non", "nan", "nn", "nope", "non merci", "pas maintenant", "pas envie", "non pas maintenant",
		"je refuse", "jrefuse", "no", "no thanks", "not now", "i refuse", "2", "n")
)

// yesNo reads a typed yes (1), no (-1) or anything else (0).
func yesNo(text string) int {
	f := words(text)
	switch {
	case yesWords[f]:
		return 1
	case noWords[f]:
		return -1
	}
	return 0
}
