package dialog

import (
	"fmt"
	"strings"
)

// Every text a learner reads, French first, English second. Short sentences,
// one idea per message. Texts are plain: channels escape them for their markup.
// A test checks both languages have every key and the same placeholders.
var texts = map[string]map[string]string{
	"fr": {
		"welcome":           "Bonjour{name} ! 👋\nJe vais vous poser des questions courtes sur le numérique.\nÀ la fin, vous verrez votre niveau dans chaque compétence.",
		"welcome_campaign":  "Bonjour{name} ! 👋\nVous rejoignez « {campaign} ».\nJe vais vous poser des questions courtes sur le numérique.",
		"unknown_code":      "Je ne trouve pas le code {code}. Vérifiez-le avec votre conseiller·e.\nVous pouvez quand même faire le diagnostic.",
		"privacy":           "Avant de commencer :\n• Je garde vos réponses et vos résultats pendant 12 mois.\n• Votre conseiller·e les voit, personne d'autre.\n• /mesdonnees pour tout voir, /supprimer pour tout effacer.\nÊtes-vous d'accord ?",
		"btn_accept":        "✅ J'accepte",
		"btn_refuse":        "Je refuse",
		"refused":           "D'accord. Je n'ai rien gardé.\nSi vous changez d'avis, écrivez /start.",
		"ask_external_id":   "Votre conseiller·e demande votre identifiant France Travail.\nÉcrivez-le ici, ou appuyez sur « Passer ».",
		"btn_skip_id":       "Passer",
		"external_id_bad":   "Cet identifiant semble incorrect. Il fait entre 4 et 20 lettres ou chiffres. Réessayez, ou appuyez sur « Passer ».",
		"intro":             "C'est parti ! Au plus {max} questions.\nPrenez votre temps.\nSi vous ne savez pas, appuyez sur « Je ne sais pas » : c'est une bonne réponse aussi.",
		"question_header":   "Question {n} · {bar}",
		"dont_know":         "🤷 Je ne sais pas",
		"validate":          "✔️ Valider",
		"type_answer":       "✍️ Écrivez votre réponse.",
		"multiple_hint":     "Cochez toutes les bonnes réponses, puis « Valider ».",
		"answer_recorded":   "Réponse : {answer}",
		"skipped":           "Réponse : je ne sais pas",
		"right":             "✅ Bonne réponse !",
		"wrong":             "❌ Pas tout à fait.",
		"tip":               "💡 {tip}",
		"choose_first":      "Cochez au moins une réponse, ou appuyez sur « Je ne sais pas ».",
		"use_buttons":       "Je n'ai pas compris. Appuyez sur un bouton, ou écrivez le numéro de la réponse.",
		"too_long":          "Votre message est très long. Écrivez une réponse courte, s'il vous plaît.",
		"not_text":          "Je ne peux pas lire ce type de message. Écrivez du texte ou appuyez sur un bouton.",
		"stale":             "Cette question est déjà passée. Voici la question en cours :",
		"stale_plain":       "Ce bouton n'est plus valable.",
		"unknown_command":   "Je ne connais pas cette commande. Écrivez /aide pour la liste.",
		"finished":          "🎉 Bravo, c'est terminé ! Vous avez répondu à {n} questions.",
		"results_title":     "Vos résultats",
		"results_level":     "Niveau général : {level} sur 8 · {pix} pix sur {pixmax}",
		"to_train":          "À travailler ensuite :",
		"offer_review":      "Voulez-vous revoir les questions manquées, avec un conseil pour chacune ?",
		"btn_review":        "📖 Oui, revoir",
		"btn_later":         "Plus tard",
		"no_missed":         "Vous n'avez manqué aucune question. Bravo !",
		"review_item":       "À revoir ({i}/{n})\n{prompt}\nBonne réponse : {answer}",
		"btn_next":          "Suivant ➡️",
		"review_done":       "C'est tout pour la révision.",
		"done":              "Merci ! Votre conseiller·e verra vos résultats.\n/resultats pour les revoir. /start pour un nouveau diagnostic.",
		"help":              "Besoin d'aide ? J'ai prévenu votre conseiller·e. 🙋\nÉcrivez votre question ici : je la transmets.\n/reprendre pour continuer.",
		"help_no_advisor":   "Besoin d'aide ? Écrivez votre question ici.\n/reprendre pour continuer.",
		"help_sent":         "Message transmis à votre conseiller·e.",
		"commands":          "Les commandes :\n/start : commencer\n/pause : faire une pause\n/reprendre : continuer\n/resultats : mes résultats\n/langue : changer de langue\n/mesdonnees : mes données\n/supprimer : tout effacer\n/aide : demander de l'aide",
		"paused":            "Pause. ⏸ Vos réponses sont gardées.\nÉcrivez /reprendre quand vous voulez.",
		"still_paused":      "Vous êtes en pause. Écrivez /reprendre pour continuer.",
		"resume":            "On reprend ! ▶️",
		"nothing_to_resume": "Il n'y a rien à reprendre. Écrivez /start pour commencer.",
		"in_progress":       "Vous avez un diagnostic en cours. On continue !",
		"no_results":        "Pas encore de résultats : finissez d'abord le diagnostic. Vous avez répondu à {n} questions.",
		"lang_choose":       "Choisissez votre langue :",
		"lang_set":          "D'accord, je vous parle en français.",
		"lang_unknown":      "Je parle français (fr) et anglais (en). Exemple : /langue en",
		"erase_confirm":     "Tout effacer ? Vos réponses et vos résultats seront supprimés. On ne pourra pas les récupérer.",
		"btn_erase_yes":     "🗑 Oui, tout effacer",
		"btn_erase_no":      "Non, garder",
		"erased":            "C'est fait : tout est effacé. Au revoir ! Écrivez /start pour recommencer.",
		"erase_cancel":      "D'accord, je garde tout.",
		"export":            "Voici tout ce que je garde sur vous.",
		"stopped":           "D'accord, j'arrête. Vos réponses sont gardées. Écrivez /reprendre pour continuer.",
		"start_first":       "Écrivez /start pour commencer.",
		"consent_first":     "Répondez d'abord : acceptez-vous les conditions ?",
		"yes":               "Oui",
		"no":                "Non",
		"true":              "Vrai",
		"false":             "Faux",
	},
	"en": {
		"welcome":           "Hello{name}! 👋\nI will ask you short questions about digital skills.\nAt the end, you will see your level in each competence.",
		"welcome_campaign":  "Hello{name}! 👋\nYou are joining “{campaign}”.\nI will ask you short questions about digital skills.",
		"unknown_code":      "I cannot find the code {code}. Check it with your advisor.\nYou can still take the diagnostic.",
		"privacy":           "Before we start:\n• I keep your answers and results for 12 months.\n• Your advisor sees them, nobody else.\n• /mesdonnees to see everything, /supprimer to erase everything.\nDo you agree?",
		"btn_accept":        "✅ I agree",
		"btn_refuse":        "I refuse",
		"refused":           "All right. I kept nothing.\nIf you change your mind, type /start.",
		"ask_external_id":   "Your advisor asks for your France Travail identifier.\nType it here, or press “Skip”.",
		"btn_skip_id":       "Skip",
		"external_id_bad":   "This identifier looks wrong. It has 4 to 20 letters or digits. Try again, or press “Skip”.",
		"intro":             "Let's go! {max} questions at most.\nTake your time.\nIf you don't know, press “I don't know”: that is a fine answer too.",
		"question_header":   "Question {n} · {bar}",
		"dont_know":         "🤷 I don't know",
		"validate":          "✔️ Confirm",
		"type_answer":       "✍️ Type your answer.",
		"multiple_hint":     "Tick all the right answers, then “Confirm”.",
		"answer_recorded":   "Answer: {answer}",
		"skipped":           "Answer: I don't know",
		"right":             "✅ Right!",
		"wrong":             "❌ Not quite.",
		"tip":               "💡 {tip}",
		"choose_first":      "Tick at least one answer, or press “I don't know”.",
		"use_buttons":       "I did not understand. Press a button, or type the number of the answer.",
		"too_long":          "Your message is very long. Please type a short answer.",
		"not_text":          "I cannot read this kind of message. Type text or press a button.",
		"stale":             "This question is over. Here is the current question:",
		"stale_plain":       "This button is no longer valid.",
		"unknown_command":   "I don't know this command. Type /aide for the list.",
		"finished":          "🎉 Well done, you finished! You answered {n} questions.",
		"results_title":     "Your results",
		"results_level":     "Overall level: {level} out of 8 · {pix} pix out of {pixmax}",
		"to_train":          "To train next:",
		"offer_review":      "Do you want to review the questions you missed, with a tip for each?",
		"btn_review":        "📖 Yes, review",
		"btn_later":         "Later",
		"no_missed":         "You did not miss any question. Well done!",
		"review_item":       "To review ({i}/{n})\n{prompt}\nRight answer: {answer}",
		"btn_next":          "Next ➡️",
		"review_done":       "That's all for the review.",
		"done":              "Thank you! Your advisor will see your results.\n/resultats to see them again. /start for a new diagnostic.",
		"help":              "Need help? I told your advisor. 🙋\nType your question here: I will pass it on.\n/reprendre to continue.",
		"help_no_advisor":   "Need help? Type your question here.\n/reprendre to continue.",
		"help_sent":         "Message passed on to your advisor.",
		"commands":          "Commands:\n/start: begin\n/pause: take a break\n/reprendre: continue\n/resultats: my results\n/langue: change language\n/mesdonnees: my data\n/supprimer: erase everything\n/aide: ask for help",
		"paused":            "Paused. ⏸ Your answers are kept.\nType /reprendre whenever you want.",
		"still_paused":      "You are on a break. Type /reprendre to continue.",
		"resume":            "Let's continue! ▶️",
		"nothing_to_resume": "There is nothing to continue. Type /start to begin.",
		"in_progress":       "You have a diagnostic in progress. Let's continue!",
		"no_results":        "No results yet: finish the diagnostic first. You answered {n} questions.",
		"lang_choose":       "Choose your language:",
		"lang_set":          "All right, I will speak English.",
		"lang_unknown":      "I speak French (fr) and English (en). Example: /langue en",
		"erase_confirm":     "Erase everything? Your answers and results will be deleted. They cannot be recovered.",
		"btn_erase_yes":     "🗑 Yes, erase everything",
		"btn_erase_no":      "No, keep",
		"erased":            "Done: everything is erased. Goodbye! Type /start to begin again.",
		"erase_cancel":      "All right, I keep everything.",
		"export":            "Here is everything I keep about you.",
		"stopped":           "All right, I stop. Your answers are kept. Type /reprendre to continue.",
		"start_first":       "Type /start to begin.",
		"consent_first":     "Please answer first: do you agree to the conditions?",
		"yes":               "Yes",
		"no":                "No",
		"true":              "True",
		"false":             "False",
	},
}

// Languages lists the languages diagbot speaks, the first being the default.
var Languages = []string{"fr", "en"}

// T returns the text of key in lang with {placeholders} replaced by pairs of
// name, value. An unknown language falls back to French.
func T(lang, key string, kv ...any) string {
	m, ok := texts[lang]
	if !ok {
		m = texts["fr"]
	}
	s, ok := m[key]
	if !ok {
		s = texts["fr"][key]
	}
	if s == "" {
		panic(fmt.Sprintf("dialog: no text %q", key)) // a programming error, caught by the texts test
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(kv[i])+"}", fmt.Sprint(kv[i+1]))
	}
	return s
}
