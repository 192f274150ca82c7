package dialog

import "strings"

// yours turns a skill written for anyone into words for the learner. The
// bank writes each skill as an action of anybody ("ranger ses papiers",
// "se méfier d'un QR code"): advisors read it so ("sait ranger ses
// papiers"), while the results speak to the learner ("Vous savez déjà …",
// "apprendre à …"), where it must read "ranger vos papiers", "vous méfier
// d'un QR code". In French, the reflexive "se"/"s'" of the skill's verb (at
// the start, or after "sans" or "pour"), "soi", and the possessives
// ses/son/sa become the learner's; "le son" (the sound) stays. The bank
// keeps those words for what is the learner's own and writes a thing's
// otherwise ("la pièce jointe du mail"): engine/bank/README.md says so.
// English skills are written with "your" already.
func yours(lang, can string) string {
	if lang != "fr" || can == "" {
		return can
	}
	toks := strings.Fields(can)
	out := make([]string, 0, len(toks)+1)
	for i, t := range toks {
		prev := ""
		if i > 0 {
			prev = strings.ToLower(toks[i-1])
		}
		verbStart := i == 0 || prev == "sans" || prev == "pour"
		switch low := strings.ToLower(t); {
		case verbStart && low == "se":
			out = append(out, "vous")
		case verbStart && reflexive(low):
			_, rest, _ := strings.Cut(t, "'")
			if strings.HasPrefix(low, "s’") {
				rest = t[len("s’"):]
			}
			out = append(out, "vous", rest)
		case low == "soi":
			out = append(out, "vous")
		case low == "ses":
			out = append(out, "vos")
		case (low == "son" && prev != "le" && prev != "du" && prev != "au") || low == "sa":
			out = append(out, "votre")
		default:
			out = append(out, t)
		}
	}
	return strings.Join(out, " ")
}

// reflexive tells "s'inscrire" (a verb's "se" before a vowel) from "s'il".
func reflexive(low string) bool {
	for _, p := range []string{"s'", "s’"} {
		if rest, ok := strings.CutPrefix(low, p); ok {
			return len(rest) > 2 && rest != "il" && rest != "ils"
		}
	}
	return false
}
