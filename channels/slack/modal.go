package slack

import (
	"strconv"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/diagbot/diagbot/engine"
)

// The "Créer une campagne" form: the same settings as the slash command's
// grammar, without having to learn it.

// Block ids of the form; errors point at them.
const (
	blockName      = "c_name"
	blockComps     = "c_comps"
	blockQuestions = "c_questions"
	blockPath      = "c_path"
	blockOptions   = "c_options"
	blockChannel   = "c_channel"
	blockPaliers   = "c_paliers"
	blockResult    = "c_result"
	blockLinkLabel = "c_link_label"
	blockLinkURL   = "c_link_url"
	blockIDKind    = "c_id_kind"
	blockProfile   = "c_profile"
	blockHelpHours = "c_help_hours"
	optFeedback    = "feedback"
	optExternalID  = "external_id"
	optStop        = "stop"
)

// questionChoices and pathChoices are the form's menus.
var (
	questionChoices = []int{4, 8, 12, 16, 20, 24, 32}
	pathChoices     = []int{-1, 1, 2, 3, 4, 5}
)

// CreateModal is the form to create a campaign.
func CreateModal() slackapi.ModalViewRequest {
	var groups []*slackapi.OptionGroupBlockObject
	for _, a := range engine.Areas() {
		var opts []*slackapi.OptionBlockObject
		for _, c := range engine.Competences() {
			if c.Area == a.ID {
				opts = append(opts, slackapi.NewOptionBlockObject(c.ID, plain(cut(c.ID+" "+c.Name("fr"), 75)), nil))
			}
		}
		groups = append(groups, slackapi.NewOptionGroupBlockElement(plain(cut(strconv.Itoa(a.ID)+". "+a.NameFR, 75)), opts...))
	}
	comps := slackapi.NewOptionsGroupMultiSelectBlockElement(slackapi.MultiOptTypeStatic, plain("Toutes les compétences"), "comps", groups...)

	var qOpts []*slackapi.OptionBlockObject
	for _, n := range questionChoices {
		qOpts = append(qOpts, slackapi.NewOptionBlockObject(strconv.Itoa(n), plain(strconv.Itoa(n)+" questions au plus"), nil))
	}
	questions := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Selon les compétences"), "questions", qOpts...)

	var pOpts []*slackapi.OptionBlockObject
	for _, n := range pathChoices {
		label := "Pas de leçons"
		if n > 0 {
			label = count(n, "leçon", "leçons") + " au plus"
		}
		pOpts = append(pOpts, slackapi.NewOptionBlockObject(strconv.Itoa(n), plain(label), nil))
	}
	path := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("5 leçons au plus"), "path", pOpts...)

	options := slackapi.NewCheckboxGroupsBlockElement("options",
		slackapi.NewOptionBlockObject(optFeedback, plain("Correction après chaque réponse"), plain("Le jeune voit la bonne réponse et une astuce")),
		slackapi.NewOptionBlockObject(optExternalID, plain("Demander un identifiant"), plain("Par exemple le n° France Travail, pour retrouver le jeune dans vos dossiers")),
		slackapi.NewOptionBlockObject(optStop, plain("S'arrêter quand le niveau est connu"), plain(StopHint)))

	channel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeConversations, plain("Le canal par défaut"), "channel")
	channel.Filter = &slackapi.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeBotUsers: true}

	name := slackapi.NewPlainTextInputBlockElement(plain("Atelier numérique mardi"), "name")
	name.MaxLength = MaxCampaignName
	paliers := slackapi.NewPlainTextInputBlockElement(plain("0 ; Premiers pas ; atelier numérique ; Bravo pour ce premier pas !"), "paliers")
	paliers.Multiline = true
	paliers.MaxLength = 2000
	result := slackapi.NewPlainTextInputBlockElement(plain("Passez nous voir mardi à 14 h pour en parler."), "result")
	result.Multiline = true
	result.MaxLength = 300
	linkLabel := slackapi.NewPlainTextInputBlockElement(plain("Prendre rendez-vous"), "link_label")
	linkLabel.MaxLength = 30
	linkURL := slackapi.NewURLTextInputBlockElement(plain("https://…"), "link_url")
	var profOpts []*slackapi.OptionBlockObject
	for _, p := range engine.Profiles() {
		label := p.NameFR + " : " + strconv.Itoa(len(p.Competences)) + " compétences, " + strconv.Itoa(p.MaxQuestions) + " questions"
		profOpts = append(profOpts, slackapi.NewOptionBlockObject(p.ID, plain(cut(label, 75)), nil))
	}
	profile := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Les compétences choisies ci-dessous"), "profile", profOpts...)
	idKind := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("N° France Travail"), "id_kind",
		slackapi.NewOptionBlockObject("france_travail", plain("N° France Travail"), nil),
		slackapi.NewOptionBlockObject("mission_locale", plain("N° de dossier Mission Locale"), nil))
	helpHours := slackapi.NewPlainTextInputBlockElement(plain("sous 2 jours ouvrés"), "help_hours")
	helpHours.MaxLength = 80

	return slackapi.ModalViewRequest{
		Type:       slackapi.VTModal,
		CallbackID: CallbackCreate,
		Title:      plain("Nouvelle campagne"),
		Submit:     plain("Créer"),
		Close:      plain("Annuler"),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{
			inputBlock(blockName, "Nom de la campagne", name, false, "Le groupe ou l'atelier, tel que vous le reconnaîtrez."),
			inputBlock(blockProfile, "Profil", profile, true, "Emploi : les 6 compétences utiles pour chercher un emploi, 4 questions au moins chacune. Un profil remplace la liste ci-dessous."),
			inputBlock(blockComps, "Compétences évaluées", comps, true, "Sans choix, les 16 sont évaluées. Pour une recherche d'emploi : 1.1, 2.1, 2.2, 2.4, 4.1, 4.2."),
			inputBlock(blockQuestions, "Nombre de questions", questions, true, "Moins de questions, c'est plus court mais moins précis."),
			inputBlock(blockPath, "Leçons après le test", path, true, "Une mini-leçon par jour, sur les points à travailler."),
			inputBlock(blockOptions, "Options", options, true, ""),
			inputBlock(blockIDKind, "Identifiant demandé", idKind, true, "Avec l'option « Demander un identifiant »."),
			inputBlock(blockHelpHours, "Quand répondez-vous aux demandes d'aide ?", helpHours, true, "Le jeune le lit quand il demande de l'aide. Par exemple « le mardi et le jeudi ». Sans rien : sous 2 jours ouvrés."),
			inputBlock(blockChannel, "Canal des notifications", channel, true, "Invitez-y diagbot (/invite @diagbot). Sans choix : le canal par défaut."),
			inputBlock(blockPaliers, "Paliers (facultatif)", paliers, true,
				"3 à 5 lignes : niveau de départ ; titre ; ce que vous proposez ; message au jeune. Sans rien : Premiers pas (0), Bases en place (2), Autonome (4), À l'aise (6)."),
			inputBlock(blockResult, "Message avec les résultats (facultatif)", result, true, "Montré au jeune avec ses résultats."),
			inputBlock(blockLinkLabel, "Bouton : texte (facultatif)", linkLabel, true, ""),
			inputBlock(blockLinkURL, "Bouton : lien (facultatif)", linkURL, true, "Par exemple votre prise de rendez-vous en ligne."),
		}},
	}
}

// inputBlock is a form's field: its label, the element, whether it may be
// left empty, and a hint under it ("" for none).
func inputBlock(id, label string, el slackapi.BlockElement, optional bool, hint string) *slackapi.InputBlock {
	b := slackapi.NewInputBlock(id, plain(label), nil, el)
	b.Optional = optional
	if hint != "" {
		b.Hint = plain(hint)
	}
	return b
}

// ParseCreate reads a submitted form into a campaign_create command, or
// says, field by field, what to fix.
func ParseCreate(state *slackapi.ViewState) (Command, map[string]string) {
	c := Command{Op: OpCampaignCreate}
	errs := map[string]string{}
	if state == nil {
		errs[blockName] = "Le formulaire est arrivé vide : réessayez."
		return c, errs
	}
	get := func(block, action string) slackapi.BlockAction { return state.Values[block][action] }
	c.Name = strings.Join(strings.Fields(get(blockName, "name").Value), " ")
	switch n := utf8.RuneCountInString(c.Name); {
	case n == 0:
		errs[blockName] = "Donnez un nom à la campagne."
	case n > MaxCampaignName:
		errs[blockName] = "Ce nom est trop long : " + strconv.Itoa(MaxCampaignName) + " caractères au plus."
	}
	for _, o := range get(blockComps, "comps").SelectedOptions {
		if _, ok := engine.CompetenceByID(o.Value); !ok {
			errs[blockComps] = "Compétence inconnue : " + o.Value
			continue
		}
		c.Competences = append(c.Competences, o.Value)
	}
	if v := get(blockQuestions, "questions").SelectedOption.Value; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs[blockQuestions] = "Choisissez un nombre de questions dans la liste."
		} else if k := len(c.Competences); k > 0 && n < k {
			errs[blockQuestions] = "Il faut au moins une question par compétence : " + strconv.Itoa(k) + " ici."
		} else {
			c.MaxQuestions = n
		}
	}
	if v := get(blockPath, "path").SelectedOption.Value; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 || n > MaxPathLength {
			errs[blockPath] = "Choisissez un nombre de leçons dans la liste."
		} else {
			c.PathLength = n
		}
	}
	for _, o := range get(blockOptions, "options").SelectedOptions {
		switch o.Value {
		case optFeedback:
			c.Feedback = true
		case optExternalID:
			c.AskExternalID = true
		case optStop:
			c.StopWhenKnown = true
		}
	}
	c.Channel = get(blockChannel, "channel").SelectedConversation
	if v := get(blockProfile, "profile").SelectedOption.Value; v != "" {
		if _, ok := engine.ProfileByID(v); !ok {
			errs[blockProfile] = "Choisissez un profil dans la liste."
		} else if len(c.Competences) > 0 {
			errs[blockProfile] = "Choisissez un profil ou des compétences, pas les deux."
		} else {
			c.Profile = v
		}
	}
	c.IDKind = get(blockIDKind, "id_kind").SelectedOption.Value
	switch c.IDKind {
	case "", "france_travail", "mission_locale":
	default:
		errs[blockIDKind] = "Choisissez l'identifiant dans la liste."
	}
	c.HelpHours = strings.Join(strings.Fields(get(blockHelpHours, "help_hours").Value), " ")
	c.Paliers = strings.TrimSpace(get(blockPaliers, "paliers").Value)
	c.ResultText = strings.TrimSpace(get(blockResult, "result").Value)
	c.LinkLabel = strings.TrimSpace(get(blockLinkLabel, "link_label").Value)
	c.LinkURL = strings.TrimSpace(get(blockLinkURL, "link_url").Value)
	if (c.LinkLabel == "") != (c.LinkURL == "") {
		if c.LinkLabel == "" {
			errs[blockLinkLabel] = "Donnez le texte du bouton, ou videz le lien."
		} else {
			errs[blockLinkURL] = "Donnez le lien du bouton, ou videz son texte."
		}
	}
	if len(errs) == 0 {
		errs = nil
	}
	return c, errs
}

// TextModal shows a command's answer (mrkdwn) in a modal, cut into sections
// within Block Kit's limits, with its buttons (at most 10) after the text.
func TextModal(title, text string, actions ...ReplyAction) slackapi.ModalViewRequest {
	var bs []slackapi.Block
	room := maxViewBlocks - 1 - min(len(actions), 10)
	for _, part := range splitText(text, maxSectionText) {
		if len(bs) == room {
			bs = append(bs, slackapi.NewContextBlock("", mrkdwn("… la suite est trop longue pour cette fenêtre : utilisez l'export CSV.")))
			break
		}
		bs = append(bs, slackapi.NewSectionBlock(mrkdwn(part), nil, nil))
	}
	for i, a := range actions {
		if i == 10 {
			break
		}
		bs = append(bs, slackapi.NewActionBlock("act_"+strconv.Itoa(i),
			slackapi.NewButtonBlockElement(a.ActionID, cut(a.Value, 2000), plain(cut(a.Label, 75)))))
	}
	return slackapi.ModalViewRequest{Type: slackapi.VTModal, Title: plain(cut(title, maxViewTitle)), Close: plain("Fermer"),
		Blocks: slackapi.Blocks{BlockSet: bs}}
}

// splitText cuts text at line ends into parts of at most n characters (a
// line longer than n is cut).
func splitText(text string, n int) []string {
	var parts []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(line) > n {
			line = cut(line, n)
		}
		if cur.Len() > 0 && utf8.RuneCountInString(cur.String())+1+utf8.RuneCountInString(line) > n {
			parts = append(parts, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n")
		}
		cur.WriteString(line)
	}
	if strings.TrimSpace(cur.String()) != "" || len(parts) == 0 {
		parts = append(parts, cur.String())
	}
	return parts
}

// StopHint tells an advisor what stopping when the level is known costs.
// (an option's description: 75 characters at most in Block Kit).
const StopHint = "Plus court, un peu moins précis pour les compétences faibles"
