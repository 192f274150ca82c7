package dialog

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The attestation de positionnement: after the results, the learner asks for
// it (a button or /attestation), types the name to print, confirms it; the
// caller issues the document (OutAttestation) and sends its files.

// MaxAttestationName is the longest name printed on an attestation.
const MaxAttestationName = 60

// askAttestation asks for the name to print, once a diagnostic is finished.
func (st *step) askAttestation() error {
	if st.s.FinishedAt.IsZero() || st.s.Engine == nil {
		st.say("attest_not_yet")
		return nil
	}
	st.s.AttestAsk, st.s.AttestName = true, ""
	st.say("attest_ask_name")
	return nil
}

// attestationName reads the name typed: refused when empty, too long or
// only digits; otherwise the learner is asked to confirm it.
func (st *step) attestationName(text string) error {
	name, ok := cleanName(text)
	if !ok {
		st.say("attest_name_bad", "max", MaxAttestationName)
		return nil
	}
	st.s.AttestName = name
	st.sayButtons(T(st.lang(), "attest_confirm", "name", name),
		ButtonView{Label: T(st.lang(), "btn_attest_yes"), Data: Button{Menu: "attest", Value: "yes"}.Encode()},
		ButtonView{Label: T(st.lang(), "btn_attest_fix"), Data: Button{Menu: "attest", Value: "no"}.Encode()})
	return nil
}

// cleanName trims a name and joins its spaces; it is not a name when empty,
// longer than MaxAttestationName or without a letter ("123456").
func cleanName(text string) (string, bool) {
	name := strings.Join(strings.Fields(text), " ")
	if name == "" || utf8.RuneCountInString(name) > MaxAttestationName || strings.IndexFunc(name, unicode.IsLetter) < 0 {
		return "", false
	}
	return name, true
}

// attestationButton handles the attestation's buttons: start, the yes to
// the name, or a correction.
func (st *step) attestationButton(value string) error {
	switch {
	case value == "start":
		return st.askAttestation()
	case value == "no" && st.s.AttestAsk:
		st.s.AttestName = ""
		st.say("attest_ask_name")
		return nil
	case value == "yes" && st.s.AttestAsk && st.s.AttestName != "":
		res, err := st.env.Engine.Result(st.s.Engine)
		if err != nil {
			return err
		}
		v := &AttestationView{Name: st.s.AttestName, Result: res, Questions: res.Questions, Campaign: st.campaignCode(), FinishedAt: st.s.FinishedAt}
		st.s.AttestAsk, st.s.AttestName = false, ""
		st.t.Outputs = append(st.t.Outputs, Output{Kind: OutAttestation, Lang: st.lang(), Text: T(st.lang(), "attest_sent"), Attestation: v})
		return nil
	}
	st.say("stale_plain")
	return nil
}
