package slack

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/diagbot/diagbot/engine"
)

func TestParseCommand(t *testing.T) {
	cases := []struct {
		text string
		want Command
	}{
		{"", Command{Op: OpHelp}},
		{"   ", Command{Op: OpHelp}},
		{"aide", Command{Op: OpHelp}},
		{"AIDE moi", Command{Op: OpHelp}},
		{"help", Command{Op: OpHelp}},
		{"campagne liste", Command{Op: OpCampaignList}},
		{"Campagnes  Liste", Command{Op: OpCampaignList}},
		{"campaign list", Command{Op: OpCampaignList}},
		{`campagne créer "Lille mardi" 1.1,4.2 questions=20 retour=oui identifiant=oui parcours=3`,
			Command{Op: OpCampaignCreate, Name: "Lille mardi", Competences: []string{"1.1", "4.2"}, MaxQuestions: 20, Feedback: true, AskExternalID: true, PathLength: 3}},
		{"campagne creer Lille", Command{Op: OpCampaignCreate, Name: "Lille"}},
		{"CAMPAGNE CRÉER Lille", Command{Op: OpCampaignCreate, Name: "Lille"}},
		{"campagne créer “Garantie jeunes” 4.2 1.1 4.2", Command{Op: OpCampaignCreate, Name: "Garantie jeunes", Competences: []string{"1.1", "4.2"}}},
		{"campagne créer « Atelier CV » 5.1, 3.1", Command{Op: OpCampaignCreate, Name: "Atelier CV", Competences: []string{"3.1", "5.1"}}},
		{"campagne créer \u00abAtelier\u00a0CV\u00bb\u00a05.1", Command{Op: OpCampaignCreate, Name: "Atelier CV", Competences: []string{"5.1"}}},
		{"campagne créer Lille 1,1", Command{Op: OpCampaignCreate, Name: "Lille", Competences: []string{"1.1"}}},
		{"campagne créer Lille toutes", Command{Op: OpCampaignCreate, Name: "Lille"}},
		{"campagne créer Lille Retour=NON Identifiant=Non parcours=non", Command{Op: OpCampaignCreate, Name: "Lille", PathLength: -1}},
		{"campagne créer Lille Questions=32 parcours=0", Command{Op: OpCampaignCreate, Name: "Lille", MaxQuestions: 32, PathLength: -1}},
		{`campagne créer "1.1" 1.1`, Command{Op: OpCampaignCreate, Name: "1.1", Competences: []string{"1.1"}}},
		{"campagne archiver QWERTY789", Command{Op: OpCampaignArchive, Code: "QWERTY789"}},
		{"campagne archive qwe rty 789", Command{Op: OpCampaignArchive, Code: "qwe rty 789"}},
		{"campagne stats QWERTY789", Command{Op: OpCampaignStats, Code: "QWERTY789"}},
		{"campagne statistiques QWERTY789", Command{Op: OpCampaignStats, Code: "QWERTY789"}},
		{"campagne export QWERTY789", Command{Op: OpCampaignExport, Code: "QWERTY789"}},
		{"campagne exporter QWERTY789", Command{Op: OpCampaignExport, Code: "QWERTY789"}},
		{"campagne apprenants QWERTY789", Command{Op: OpCampaignLearners, Code: "QWERTY789", Filter: FilterAll}},
		{"campagne apprenants QWE RTY 789 bloqués", Command{Op: OpCampaignLearners, Code: "QWE RTY 789", Filter: FilterStuck}},
		{"campagne jeunes QWERTY789 en cours", Command{Op: OpCampaignLearners, Code: "QWERTY789", Filter: FilterProgress}},
		{"campagne apprenants Terminés QWERTY789 manque=smsarnaque", Command{Op: OpCampaignLearners, Code: "QWERTY789", Filter: FilterFinished, Lacks: "smsarnaque"}},
		{"campagne apprenants QWERTY789 aide", Command{Op: OpCampaignLearners, Code: "QWERTY789", Filter: FilterHelp}},
		{"campagne sujets QWERTY789", Command{Op: OpCampaignTopics, Code: "QWERTY789"}},
		{"campagne leçon QWERTY789 4.1/smsarnaque", Command{Op: OpCampaignLesson, Code: "QWERTY789", Lacks: "4.1/smsarnaque"}},
		{`campagne créer "Atelier" profil=Emploi`, Command{Op: OpCampaignCreate, Name: "Atelier", Profile: "emploi"}},
		{`campagne créer "Atelier" arrêt=oui min=16`, Command{Op: OpCampaignCreate, Name: "Atelier", StopWhenKnown: true, MinQuestions: 16}},
		{"apprenant A-7KQ2MX", Command{Op: OpLearner, Learner: "A-7KQ2MX"}},
		{"Apprenante FT 12345", Command{Op: OpLearner, Learner: "FT 12345"}},
	}
	for _, c := range cases {
		got, err := ParseCommand(c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		if !sameCommand(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.text, got, c.want)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"bonjour", "Je n'ai pas compris « bonjour »"},
		{"campagne", "Que voulez-vous faire"},
		{"campagne supprimer X", "Je ne connais pas « campagne supprimer »"},
		{"campagne créer", "Donnez un nom"},
		{"campagne créer 1.1,4.2", "Le nom de la campagne vient d'abord"},
		{"campagne créer questions=20", "Le nom de la campagne vient d'abord"},
		{`campagne créer ""`, "est vide"},
		{`campagne créer "Lille`, "Il manque le guillemet"},
		{"campagne créer " + strings.Repeat("a", 81), "trop long"},
		{"campagne créer Lille mardi", "mettez-le entre guillemets : `\"Lille mardi\"`"},
		{"campagne créer Lille 7.1", "« 7.1 » n'est pas une compétence"},
		{"campagne créer Lille 1.1,9", "« 9 » n'est pas une compétence"},
		{`campagne créer Lille "Autre"`, "n'a qu'un nom"},
		{"campagne créer Lille couleur=bleu", "Je ne connais pas l'option « couleur »"},
		{"campagne créer Lille questions=beaucoup", "`questions=` attend un nombre"},
		{"campagne créer Lille questions=0", "`questions=` attend un nombre"},
		{"campagne créer Lille arret=peut-être", "`arret=` attend `oui` ou `non`"},
		{"campagne créer Lille arret=oui min=zéro", "`min=` attend le nombre de questions"},
		{"campagne créer Lille questions=999", "`questions=` attend un nombre"},
		{"campagne créer Lille retour=peut-être", "`retour=` attend `oui` ou `non`"},
		{"campagne créer Lille parcours=99", "`parcours=` attend"},
		{"campagne stats", "Indiquez le code"},
		{"campagne export", "`/diagbot campagne export QWERTY789`"},
		{"apprenant", "Indiquez l'apprenant·e"},
		{"apprenant " + strings.Repeat("x", 101), "trop long"},
		{"<b>?", "&lt;b&gt;"},
	}
	for _, c := range cases {
		_, err := ParseCommand(c.text)
		if err == nil {
			t.Errorf("%q: no error", c.text)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %q lacks %q", c.text, err, c.want)
		}
		if !strings.HasSuffix(err.Error(), Usage) {
			t.Errorf("%q: the error does not end with the usage", c.text)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"", "aide", "campagne liste", `campagne créer "Lille mardi" 1.1,4.2 questions=20 retour=oui identifiant=oui parcours=3`,
		"campagne créer « x » 1,1", "campagne stats Q", "apprenant A-1", "campagne créer \"", "\xff\xfe", "campagne créer a =", "campagne créer a b=c=d",
		"campagne apprenants Q bloqués manque=x", "campagne apprenants en cours", "campagne sujets"} {
		f.Add(s)
	}
	ops := map[string]bool{OpCampaignCreate: true, OpCampaignList: true, OpCampaignArchive: true, OpCampaignStats: true, OpCampaignExport: true, OpLearner: true, OpHelp: true,
		OpCampaignLearners: true, OpCampaignTopics: true}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCommand(text)
		if err != nil {
			if !utf8.ValidString(err.Error()) || !strings.HasSuffix(err.Error(), Usage) {
				t.Fatalf("%q: bad error %q", text, err)
			}
			return
		}
		if !ops[c.Op] {
			t.Fatalf("%q: op %q", text, c.Op)
		}
		switch c.Op {
		case OpCampaignCreate:
			if n := utf8.RuneCountInString(c.Name); n == 0 || n > MaxCampaignName || !utf8.ValidString(c.Name) {
				t.Fatalf("%q: name %q", text, c.Name)
			}
			seen := map[string]bool{}
			for _, id := range c.Competences {
				if _, ok := engine.CompetenceByID(id); !ok || seen[id] {
					t.Fatalf("%q: competences %v", text, c.Competences)
				}
				seen[id] = true
			}
			if c.MaxQuestions < 0 || c.MaxQuestions > engine.MaxQuestionsLimit || c.PathLength < -1 || c.PathLength > MaxPathLength {
				t.Fatalf("%q: options %+v", text, c)
			}
		case OpCampaignLearners:
			if c.Code == "" || c.Filter == "" {
				t.Fatalf("%q: %+v", text, c)
			}
			fallthrough
		case OpCampaignArchive, OpCampaignStats, OpCampaignExport, OpCampaignTopics:
			if c.Code == "" || utf8.RuneCountInString(c.Code) > maxArgument {
				t.Fatalf("%q: code %q", text, c.Code)
			}
		case OpLearner:
			if c.Learner == "" || utf8.RuneCountInString(c.Learner) > maxArgument {
				t.Fatalf("%q: learner %q", text, c.Learner)
			}
		}
	})
}
