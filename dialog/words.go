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
// a short word and the buttons again, and changes nothing.
//
// At the campaign's question, whose yes replaces the answers given, a bare
// number is not taken: it arrives unasked (the advisor's link) under the
// diagnostic's question, whose choices are numbered, while its own buttons
// show no number on a phone; "1" there was most likely meant for the
// question. Yes there is pressed or said in words.
func (st *step) typedButton(text string) error {
	buttons, yn := st.menuOf(st.lang())
	if len(buttons) == 0 {
		st.say("not_understood")
		return st.resend()
	}
	if st.m.current() == StateConfirmCampaign {
		if _, err := strconv.Atoi(words(text)); err == nil {
			st.say("use_menu")
			return st.resend()
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
		st.say("consent_first")
	} else {
		st.say("use_menu")
	}
	return st.resend()
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
	if k, err := strconv.Atoi(f); err == nil {
		return k - 1, k >= 1 && k <= n
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

func isDontKnow(text string) bool {
	switch bank.Fold(text) {
	case "je ne sais pas", "jsp", "je sais pas", "sais pas", "?", "i don't know", "i dont know", "idk", "dont know":
		return true
	}
	return false
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
			if tok == "et" || tok == "and" {
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
	num := strings.TrimSuffix(strings.TrimSuffix(tok, "."), ")")
	if k, err := strconv.Atoi(num); err == nil && k >= 1 && k <= len(choices) {
		found[k-1] = true
	}
	if len(num) == 1 && num[0] >= 'a' && int(num[0]-'a') < len(choices) {
		found[int(num[0]-'a')] = true
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

// yesNo reads a typed yes (1), no (-1) or anything else (0).
func yesNo(text string) int {
	switch bank.Fold(text) {
	case "oui", "yes", "ok", "d'accord", "daccord", "j'accepte", "i agree", "1", "o", "y":
		return 1
	case "non", "no", "je refuse", "i refuse", "2", "n":
		return -1
	}
	return 0
}
