package slack

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// Command operations.
const (
	OpCampaignCreate   = "campaign_create"
	OpCampaignList     = "campaign_list"
	OpCampaignArchive  = "campaign_archive"
	OpCampaignStats    = "campaign_stats"
	OpCampaignExport   = "campaign_export"
	OpCampaignLearners = "campaign_learners"
	OpCampaignTopics   = "campaign_topics"
	OpCampaignLesson   = "campaign_lesson" // send a skill's micro-lesson to the campaign's learners who lack it (Code, Lacks "4.1/skill")
	OpLearner          = "learner"
	OpHelp             = "help"
)

// Limits of what ParseCommand accepts.
const (
	MaxCampaignName = 80  // as the bot's CreateCampaign checks
	MaxPathLength   = 30  // follow-up lessons: a month of one a day
	maxArgument     = 100 // a code or a learner id; longer is a paste gone wrong
)

// Command is an advisor's /diagbot command, parsed.
type Command struct {
	Op      string // "campaign_create", "campaign_list", "campaign_archive", "campaign_stats", "campaign_export", "learner", "help"
	User    string // Slack user id
	Channel string // where it was typed (the default Slack channel of a new campaign)
	// BotAbsent says the bot is not a member of Channel (a direct message,
	// or a channel it was not invited to): nothing it posts can arrive there.
	BotAbsent     bool
	Name          string   // campaign_create
	Competences   []string // campaign_create, e.g. ["1.1","4.2"]; empty = all
	MaxQuestions  int      // campaign_create: questions=20; 0 = the default
	StopWhenKnown bool     // campaign_create: arret=oui (stop when the level is known)
	MinQuestions  int      // campaign_create: min=16, with arret=oui
	Feedback      bool     // campaign_create: retour=oui
	AskExternalID bool     // campaign_create: identifiant=oui
	PathLength    int      // campaign_create: parcours=3; 0 = the default, -1 = none (parcours=non)
	Code          string   // archive/stats/export (as typed; the bot normalizes)
	Learner       string   // "learner": LearnerRef, external id or learner id as typed
	Filter        string   // campaign_learners: FilterAll, FilterStuck, FilterFinished, FilterHelp, FilterProgress
	Lacks         string   // campaign_learners: only those lacking this skill (slug, or "4.1/slug")
	Palier        string   // campaign_learners: only those who reached this palier (its number from 1, or the start of its title)
	// campaign_create from the form: paliers as typed (one per line, the
	// bot parses them), the result text and its button.
	Paliers, ResultText, LinkLabel, LinkURL string
	IDKind, HelpHours                       string // the identifier asked, when an advisor answers help requests
	Profile                                 string // campaign_create: "emploi" or "complet" (engine profiles); "" = the competences given
}

// Filters of campaign_learners.
const (
	FilterAll      = "tous"
	FilterStuck    = "bloques"
	FilterFinished = "termines"
	FilterHelp     = "aide"
	FilterProgress = "en_cours"
)

// Usage is the /diagbot help, in Slack mrkdwn.
const Usage = "*Commandes /diagbot*\n" +
	"• `/diagbot campagne créer \"Nom\" 1.1,4.2 questions=20 retour=oui identifiant=oui parcours=3` (ou `profil=emploi` au lieu des compétences) : crée une campagne, avec son code, son lien et son QR code. " +
	"Seul le nom est obligatoire. Sans compétences, les 16 sont évaluées.\n" +
	"• `/diagbot campagne liste` : les campagnes.\n" +
	"• `/diagbot campagne archiver CODE` : ferme une campagne.\n" +
	"• `/diagbot campagne stats CODE` : les niveaux moyens, avec un graphique.\n" +
	"• `/diagbot campagne export CODE` : les résultats en fichier CSV.\n" +
	"• `/diagbot campagne apprenants CODE bloqués` : les jeunes d'une campagne, avec leur prochaine étape (ou `terminés`, `aide`, `en cours`, `tous`, `manque=mdp` pour ceux à qui manque un savoir-faire, `palier=2` pour ceux qui ont atteint un palier).\n" +
	"• `/diagbot campagne sujets CODE` : les savoir-faire qui manquent au plus de jeunes.\n" +
	"• `/diagbot campagne leçon CODE 4.1/smsarnaque` : envoie la mini-leçon de ce savoir-faire aux jeunes à qui il manque, à leur moment de leçon.\n" +
	"• `/diagbot apprenant ID` : où en est un·e apprenant·e (pseudonyme comme A-7KQ2MX, ou identifiant).\n" +
	"• `/diagbot aide` : cette aide.\n" +
	"_Options de création : `questions=` le nombre maximum de questions, `arret=oui` s'arrêter quand le niveau est connu (plus court), `min=` le nombre de questions posées au moins avec `arret=oui`, `retour=oui` une correction après chaque réponse, " +
	"`identifiant=oui` demander un identifiant (n° France Travail…), `parcours=` le nombre de mini-leçons après le test (ou `non`)._"

// usageError is a kind sentence followed by the usage.
func usageError(format string, args ...any) error {
	return errors.New(fmt.Sprintf(format, args...) + "\n\n" + Usage)
}

// ParseCommand reads the text typed after /diagbot. Words are read without
// regard to accents or capitals ("Créer", "creer"); a campaign name is quoted
// ("…", “…” or «…») or a single word. Errors are kind French sentences
// followed by the usage, ready to show to the advisor.
func ParseCommand(text string) (Command, error) {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "�")
	}
	toks, err := tokenize(text)
	if err != nil {
		return Command{}, err
	}
	if len(toks) == 0 {
		return Command{Op: OpHelp}, nil
	}
	switch word(toks[0]) {
	case "aide", "help", "?", "usage":
		return Command{Op: OpHelp}, nil
	case "campagne", "campagnes", "campaign", "campaigns":
		return parseCampaign(toks[1:])
	case "apprenant", "apprenante", "apprenant·e", "apprenants", "learner", "jeune":
		arg, err := argument(toks[1:])
		if err != nil {
			return Command{}, err
		}
		if arg == "" {
			return Command{}, usageError("Indiquez l'apprenant·e : son pseudonyme (comme A-7KQ2MX) ou son identifiant, par exemple `/diagbot apprenant A-7KQ2MX`.")
		}
		return Command{Op: OpLearner, Learner: arg}, nil
	}
	return Command{}, usageError("Je n'ai pas compris « %s ». Voici ce que je sais faire :", shortText(toks[0].text))
}

func parseCampaign(toks []token) (Command, error) {
	if len(toks) == 0 {
		return Command{}, usageError("Que voulez-vous faire avec les campagnes ? Par exemple `/diagbot campagne liste`.")
	}
	sub, rest := word(toks[0]), toks[1:]
	switch sub {
	case "creer", "cree", "creation", "create", "nouvelle", "new", "ajouter":
		return parseCreate(rest)
	case "liste", "lister", "list", "voir", "toutes":
		return Command{Op: OpCampaignList}, nil
	case "apprenants", "apprenant", "jeunes", "learners", "tri":
		return parseLearners(rest)
	}
	var op, example string
	switch sub {
	case "archiver", "archive", "fermer", "clore":
		op, example = OpCampaignArchive, "archiver"
	case "stats", "stat", "statistiques", "statistics", "resultats":
		op, example = OpCampaignStats, "stats"
	case "export", "exporter", "exports", "csv":
		op, example = OpCampaignExport, "export"
	case "sujets", "sujet", "topics", "lacunes", "a-travailler", "atravailler":
		op, example = OpCampaignTopics, "sujets"
	case "lecon", "lecons", "lesson":
		return parseLesson(rest)
	default:
		return Command{}, usageError("Je ne connais pas « campagne %s ». Voici ce que je sais faire :", shortText(toks[0].text))
	}
	code, err := argument(rest)
	if err != nil {
		return Command{}, err
	}
	if code == "" {
		return Command{}, usageError("Indiquez le code de la campagne, par exemple `/diagbot campagne %s QWERTY789`.", example)
	}
	return Command{Op: op, Code: code}, nil
}

// filterWords are the words of campaign_learners' filters.
var filterWords = map[string]string{
	"tous": FilterAll, "toutes": FilterAll, "all": FilterAll,
	"bloques": FilterStuck, "bloque": FilterStuck, "bloquees": FilterStuck, "stuck": FilterStuck,
	"termines": FilterFinished, "termine": FilterFinished, "terminees": FilterFinished, "finished": FilterFinished,
	"aide": FilterHelp, "help": FilterHelp,
	"en-cours": FilterProgress, "encours": FilterProgress,
}

// parseLearners reads "CODE [bloqués|terminés|aide|en cours|tous] [manque=SKILL]".
func parseLearners(toks []token) (Command, error) {
	c := Command{Op: OpCampaignLearners, Filter: FilterAll}
	var code []token
	for i := 0; i < len(toks); i++ {
		w := word(toks[i])
		if w == "en" && i+1 < len(toks) && word(toks[i+1]) == "cours" {
			c.Filter = FilterProgress
			i++
			continue
		}
		if f, ok := filterWords[w]; ok {
			c.Filter = f
			continue
		}
		if k, v, ok := strings.Cut(toks[i].text, "="); ok && (bank.Fold(k) == "manque" || bank.Fold(k) == "competence" || bank.Fold(k) == "lacks") {
			c.Lacks = strings.TrimSpace(v)
			continue
		}
		if k, v, ok := strings.Cut(toks[i].text, "="); ok && bank.Fold(k) == "palier" {
			c.Palier = strings.TrimSpace(v)
			continue
		}
		code = append(code, toks[i])
	}
	arg, err := argument(code)
	if err != nil {
		return Command{}, err
	}
	if arg == "" {
		return Command{}, usageError("Indiquez le code de la campagne, par exemple `/diagbot campagne apprenants QWERTY789 bloqués`.")
	}
	c.Code = arg
	return c, nil
}

// parseLesson reads "CODE 4.1/skill".
func parseLesson(toks []token) (Command, error) {
	if len(toks) < 2 || !strings.Contains(toks[len(toks)-1].text, "/") {
		return Command{}, usageError("Indiquez le code et le savoir-faire, par exemple `/diagbot campagne leçon QWERTY789 4.1/smsarnaque` (voir `campagne sujets`).")
	}
	skill := strings.TrimSpace(toks[len(toks)-1].text)
	code, err := argument(toks[:len(toks)-1])
	if err != nil {
		return Command{}, err
	}
	return Command{Op: OpCampaignLesson, Code: code, Lacks: skill}, nil
}

// argument joins the remaining words: a code typed with spaces
// ("QWE RTY 789") or a learner id; the bot normalizes it.
func argument(toks []token) (string, error) {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.text
	}
	arg := strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
	if utf8.RuneCountInString(arg) > maxArgument {
		return "", usageError("« %s » est trop long pour un code ou un identifiant.", shortText(arg))
	}
	return arg, nil
}

func parseCreate(toks []token) (Command, error) {
	c := Command{Op: OpCampaignCreate}
	if len(toks) == 0 {
		return c, usageError("Donnez un nom à la campagne, par exemple `/diagbot campagne créer \"Lille mardi\"`.")
	}
	name := toks[0]
	if !name.quoted && (strings.Contains(name.text, "=") || looksLikeCompetences(name.text)) {
		return c, usageError("Le nom de la campagne vient d'abord, par exemple `/diagbot campagne créer \"Lille mardi\" %s`.", shortText(name.text))
	}
	c.Name = strings.Join(strings.FieldsFunc(name.text, unicode.IsSpace), " ")
	switch n := utf8.RuneCountInString(c.Name); {
	case n == 0:
		return c, usageError("Le nom de la campagne est vide : écrivez-le entre les guillemets.")
	case n > MaxCampaignName:
		return c, usageError("Ce nom est trop long (%d caractères) : %d au plus.", n, MaxCampaignName)
	}
	seen := map[string]bool{}
	for _, t := range toks[1:] {
		if t.quoted {
			return c, usageError("Une campagne n'a qu'un nom : « %s » est en trop.", shortText(t.text))
		}
		if k, v, ok := strings.Cut(t.text, "="); ok {
			if err := c.option(k, v); err != nil {
				return c, err
			}
			continue
		}
		if f := word(t); f == "toutes" || f == "tout" || f == "all" {
			c.Competences, seen = nil, map[string]bool{}
			continue
		}
		ids, err := competences(t.text, c.Name)
		if err != nil {
			return c, err
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				c.Competences = append(c.Competences, id)
			}
		}
	}
	c.Competences = engine.SortCompetenceIDs(c.Competences)
	return c, nil
}

// competences reads "1.1,4.2" (or "1,1", the French decimal comma, alone).
func competences(s, name string) ([]string, error) {
	if len(s) == 3 && s[1] == ',' && isDigit(s[0]) && isDigit(s[2]) {
		s = s[:1] + "." + s[2:]
	}
	var ids []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, ok := engine.CompetenceByID(part); ok {
			ids = append(ids, part)
			continue
		}
		if looksLikeCompetences(part) {
			return nil, usageError("« %s » n'est pas une compétence du référentiel : les numéros vont de 1.1 à 5.2 (1.1 à 1.3, 2.1 à 2.4, 3.1 à 3.4, 4.1 à 4.3, 5.1 et 5.2).", shortText(part))
		}
		return nil, usageError("« %s » n'est ni une compétence (1.1 à 5.2) ni une option (questions=20…). "+
			"Si le nom a plusieurs mots, mettez-le entre guillemets : `\"%s %s\"`.", shortText(part), shortText(name), shortText(part))
	}
	return ids, nil
}

func (c *Command) option(key, value string) error {
	k := bank.Fold(key)
	v := strings.TrimSpace(value)
	switch k {
	case "questions", "question", "max", "nb", "nombre":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > engine.MaxQuestionsLimit {
			return usageError("`questions=` attend un nombre de questions entre 1 et %d, par exemple `questions=20`.", engine.MaxQuestionsLimit)
		}
		c.MaxQuestions = n
	case "retour", "retours", "feedback", "correction", "corrections":
		b, err := yesNo(v, "retour")
		if err != nil {
			return err
		}
		c.Feedback = b
	case "identifiant", "identifiants", "id", "externe", "identifiant_externe":
		b, err := yesNo(v, "identifiant")
		if err != nil {
			return err
		}
		c.AskExternalID = b
	case "parcours", "lecons", "lecon", "path":
		if f := bank.Fold(v); f == "non" || f == "no" || f == "aucun" || f == "0" {
			c.PathLength = -1
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPathLength {
			return usageError("`parcours=` attend un nombre de mini-leçons entre 1 et %d, ou `non`, par exemple `parcours=3`.", MaxPathLength)
		}
		c.PathLength = n
	case "arret", "stop", "court", "arret_anticipe":
		b, err := yesNo(v, "arret")
		if err != nil {
			return err
		}
		c.StopWhenKnown = b
	case "min", "minimum":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > engine.MaxQuestionsLimit {
			return usageError("`min=` attend le nombre de questions posées au moins, entre 1 et %d, par exemple `min=16` (avec `arret=oui`).", engine.MaxQuestionsLimit)
		}
		c.MinQuestions = n
	case "profil", "profile":
		f := bank.Fold(v)
		if _, ok := engine.ProfileByID(f); !ok {
			return usageError("`profil=` attend `emploi` (6 compétences utiles pour chercher un emploi, 24 questions) ou `complet` (les 16, 32 questions).")
		}
		c.Profile = f
	default:
		return usageError("Je ne connais pas l'option « %s ». Les options sont `questions=`, `arret=`, `min=`, `retour=`, `identifiant=`, `parcours=` et `profil=`.", shortText(key))
	}
	return nil
}

func yesNo(v, key string) (bool, error) {
	switch bank.Fold(v) {
	case "oui", "o", "yes", "y", "vrai", "true", "1":
		return true, nil
	case "non", "n", "no", "faux", "false", "0":
		return false, nil
	}
	return false, usageError("`%s=` attend `oui` ou `non`.", key)
}

// looksLikeCompetences tells "1.1", "4.2,5.1" or "7.9" from a word.
func looksLikeCompetences(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != '.' && s[i] != ',' {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// token is a word, or a quoted phrase.
type token struct {
	text   string
	quoted bool
}

func word(t token) string { return bank.Fold(t.text) }

// closing maps an opening quote to the quotes that may close it: phones
// type curly quotes, and French keyboards « ».
var closing = map[rune]string{
	'"': "\"”“",
	'“': "”\"“",
	'”': "”\"",
	'„': "“”\"",
	'«': "»",
}

func tokenize(s string) ([]token, error) {
	var out []token
	r := []rune(s)
	for i := 0; i < len(r); {
		if unicode.IsSpace(r[i]) {
			i++
			continue
		}
		if ends, ok := closing[r[i]]; ok {
			j := i + 1
			for j < len(r) && !strings.ContainsRune(ends, r[j]) {
				j++
			}
			if j == len(r) {
				return nil, usageError("Il manque le guillemet qui ferme %s.", shortText(string(r[i:])))
			}
			out = append(out, token{text: strings.TrimSpace(string(r[i+1 : j])), quoted: true})
			i = j + 1
			continue
		}
		j := i
		for j < len(r) && !unicode.IsSpace(r[j]) {
			j++
		}
		out = append(out, token{text: string(r[i:j])})
		i = j
	}
	return out, nil
}

// shortText quotes what the advisor typed back to them, cut to a readable
// length and without backquotes, which would break the mrkdwn around it.
func shortText(s string) string {
	s = strings.ReplaceAll(s, "`", "'")
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:39]) + "…"
	}
	return Escape(s)
}
