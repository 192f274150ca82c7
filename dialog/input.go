package dialog

import (
	"strings"
	"unicode"
)

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
