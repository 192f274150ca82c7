package dialog

import (
	"strings"
	"testing"
)

// TestYours: a skill written for anyone reads as the learner's own in the
// results; things keep theirs.
func TestYours(t *testing.T) {
	for _, tt := range []struct{ lang, in, want string }{
		{"fr", "ranger ses papiers dans des dossiers", "ranger vos papiers dans des dossiers"},
		{"fr", "se connecter à un wifi public", "vous connecter à un wifi public"},
		{"fr", "s'inscrire sur le site de France Travail", "vous inscrire sur le site de France Travail"},
		{"fr", "s’inscrire en ligne", "vous inscrire en ligne"},
		{"fr", "commenter en public sans se nuire", "commenter en public sans vous nuire"},
		{"fr", "garder pour soi un code reçu par SMS", "garder pour vous un code reçu par SMS"},
		{"fr", "bien éclairer une photo de soi", "bien éclairer une photo de vous"},
		{"fr", "débloquer sa carte SIM avec le code PUK", "débloquer votre carte SIM avec le code PUK"},
		{"fr", "trouver ses rendez-vous dans son espace France Travail", "trouver vos rendez-vous dans votre espace France Travail"},
		{"fr", "rendre une vidéo compréhensible sans le son", "rendre une vidéo compréhensible sans le son"},
		{"fr", "réparer une appli qui se ferme toute seule", "réparer une appli qui se ferme toute seule"},
		{"fr", "ouvrir un fichier reçu qui ne s'ouvre pas", "ouvrir un fichier reçu qui ne s'ouvre pas"},
		{"fr", "", ""},
		{"en", "keep your papers in folders", "keep your papers in folders"},
	} {
		if got := yours(tt.lang, tt.in); got != tt.want {
			t.Errorf("yours(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Every skill of the bank, as the learner reads it after « Vous savez
	// déjà » and « apprendre à »: no word of a third person is left.
	for _, l := range testBank.Lessons() {
		got := " " + yours("fr", l.Can) + " "
		for _, w := range []string{" ses ", " sa ", " soi ", " se connecter", " se méfier"} {
			if strings.Contains(got, w) {
				t.Errorf("%s/%s: the learner reads %q", l.Competence, l.Skill, got)
			}
		}
		if strings.HasPrefix(got, " se ") || strings.Contains(got, " son ") && !strings.Contains(got, " le son ") {
			t.Errorf("%s/%s: the learner reads %q", l.Competence, l.Skill, got)
		}
	}
}
