package dialog

// Plain names of the framework, for a weak reader: the CRCN's names
// ("Sécuriser l'environnement numérique") are shown beside them, never
// alone, in the details.
var (
	plainCompetence = map[string]map[string]string{
		"fr": {
			"1.1": "Chercher une information", "1.2": "Ranger ses fichiers", "1.3": "Utiliser un tableau",
			"2.1": "Écrire des messages et des e-mails", "2.2": "Partager et publier", "2.3": "Travailler à plusieurs",
			"2.4": "Bien se comporter en ligne", "3.1": "Écrire un document (CV, lettre)", "3.2": "Photos, vidéos et sons",
			"3.3": "Mettre en forme un document", "3.4": "Programmer", "4.1": "Se protéger en ligne",
			"4.2": "Protéger ses données", "4.3": "Sa santé et la planète", "5.1": "Régler un problème technique",
			"5.2": "Se débrouiller avec les outils",
		},
		"en": {
			"1.1": "Finding information", "1.2": "Organising files", "1.3": "Using a spreadsheet",
			"2.1": "Writing messages and e-mails", "2.2": "Sharing and posting", "2.3": "Working together",
			"2.4": "Behaving well online", "3.1": "Writing a document (CV, letter)", "3.2": "Photos, video and sound",
			"3.3": "Formatting a document", "3.4": "Programming", "4.1": "Staying safe online",
			"4.2": "Protecting your data", "4.3": "Health and the planet", "5.1": "Fixing a technical problem",
			"5.2": "Getting by with digital tools",
		},
	}
	plainArea = map[string]map[int]string{
		"fr": {1: "Chercher l'information", 2: "Communiquer", 3: "Créer des documents", 4: "Se protéger", 5: "Utiliser les outils"},
		"en": {1: "Finding information", 2: "Communicating", 3: "Making documents", 4: "Staying safe", 5: "Using the tools"},
	}
)

// plainName is a competence's plain name in lang.
func plainName(lang, id string) string {
	if m, ok := plainCompetence[lang]; ok {
		return m[id]
	}
	return plainCompetence["fr"][id]
}

// plainAreaName is an area's plain name in lang.
func plainAreaName(lang string, id int) string {
	if m, ok := plainArea[lang]; ok {
		return m[id]
	}
	return plainArea["fr"][id]
}

// band is the plain word of a level: débutant 0–2, intermédiaire 3–4,
// avancé 5–6, expert 7–8.
func band(lang string, level int) string {
	switch {
	case level <= 2:
		return T(lang, "band_beginner")
	case level <= 4:
		return T(lang, "band_intermediate")
	case level <= 6:
		return T(lang, "band_advanced")
	}
	return T(lang, "band_expert")
}
