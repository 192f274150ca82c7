// Package engine measures digital skills: the competence framework, the item
// model, the estimator, the selector, the stop rule and the results.
//
// It does no I/O and reads no clock: everything it needs is passed in, so the
// same answers with the same seed always give the same questions and results.
package engine

import "sort"

// Level bounds of the framework. Levels 1 to 8 are the CRCN / Pix levels; a
// measured level of 0 means "below level 1".
const (
	MinLevel = 1
	MaxLevel = 8
)

// Area is one of the five areas of the CRCN / Pix framework.
type Area struct {
	ID     int    `json:"id"`
	NameFR string `json:"name_fr"`
	NameEN string `json:"name_en"`
}

// Competence is one of the sixteen competences of the framework, identified by
// its official number ("1.1" … "5.2").
type Competence struct {
	ID      string `json:"id"`
	Area    int    `json:"area"`
	NameFR  string `json:"name_fr"`
	NameEN  string `json:"name_en"`
	ShortFR string `json:"short_fr"` // for charts and buttons
	ShortEN string `json:"short_en"`
}

// Short returns a short label of the competence, for charts.
func (c Competence) Short(lang string) string {
	if lang == "en" {
		return c.ShortEN
	}
	return c.ShortFR
}

// Name returns the competence name in the given language ("fr" or "en"); any
// other language gets French, the reference text.
func (c Competence) Name(lang string) string {
	if lang == "en" {
		return c.NameEN
	}
	return c.NameFR
}

var areas = [...]Area{
	{1, "Informations et données", "Information and data"},
	{2, "Communication et collaboration", "Communication and collaboration"},
	{3, "Création de contenus", "Content creation"},
	{4, "Protection et sécurité", "Protection and security"},
	{5, "Environnement numérique", "Digital environment"},
}

var competences = [...]Competence{
	{"1.1", 1, "Mener une recherche et une veille d'information", "Searching for and monitoring information", "Recherche et veille", "Search"},
	{"1.2", 1, "Gérer des données", "Managing data", "Gérer des données", "Manage data"},
	{"1.3", 1, "Traiter des données", "Processing data", "Traiter des données", "Process data"},
	{"2.1", 2, "Interagir", "Interacting", "Interagir", "Interact"},
	{"2.2", 2, "Partager et publier", "Sharing and publishing", "Partager et publier", "Share and publish"},
	{"2.3", 2, "Collaborer", "Collaborating", "Collaborer", "Collaborate"},
	{"2.4", 2, "S'insérer dans le monde numérique", "Finding one's place in the digital world", "Monde numérique", "Digital world"},
	{"3.1", 3, "Développer des documents textuels", "Developing text documents", "Documents texte", "Text documents"},
	{"3.2", 3, "Développer des documents multimédia", "Developing multimedia documents", "Multimédia", "Multimedia"},
	{"3.3", 3, "Adapter les documents à leur finalité", "Adapting documents to their purpose", "Adapter les documents", "Adapt documents"},
	{"3.4", 3, "Programmer", "Programming", "Programmer", "Programming"},
	{"4.1", 4, "Sécuriser l'environnement numérique", "Securing the digital environment", "Sécurité", "Security"},
	{"4.2", 4, "Protéger les données personnelles et la vie privée", "Protecting personal data and privacy", "Données personnelles", "Personal data"},
	{"4.3", 4, "Protéger la santé, le bien-être et l'environnement", "Protecting health, well-being and the environment", "Santé et environnement", "Health and environment"},
	{"5.1", 5, "Résoudre des problèmes techniques", "Solving technical problems", "Problèmes techniques", "Technical problems"},
	{"5.2", 5, "Évoluer dans un environnement numérique", "Evolving in a digital environment", "Environnement numérique", "Digital environment"},
}

// Areas returns the five areas in order.
func Areas() []Area { return append([]Area(nil), areas[:]...) }

// Competences returns the sixteen competences in framework order.
func Competences() []Competence { return append([]Competence(nil), competences[:]...) }

// CompetenceIDs returns the sixteen competence ids in framework order.
func CompetenceIDs() []string {
	ids := make([]string, len(competences))
	for i, c := range competences {
		ids[i] = c.ID
	}
	return ids
}

// CompetenceByID finds a competence by its id ("2.3").
func CompetenceByID(id string) (Competence, bool) {
	for _, c := range competences {
		if c.ID == id {
			return c, true
		}
	}
	return Competence{}, false
}

// CompetenceIndex returns the position of id in framework order, or -1.
func CompetenceIndex(id string) int {
	for i, c := range competences {
		if c.ID == id {
			return i
		}
	}
	return -1
}

// SortCompetenceIDs sorts ids in framework order and drops duplicates.
func SortCompetenceIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return CompetenceIndex(out[i]) < CompetenceIndex(out[j]) })
	k := 0
	for i, id := range out {
		if i == 0 || id != out[k-1] {
			out[k] = id
			k++
		}
	}
	return out[:k]
}

// BandWord says a level in one plain word, the band a weak reader, an
// advisor and an employer all understand: débutant (0–2), intermédiaire
// (3–4), avancé (5–6), expert (7–8). In French; BandWordEN in English.
func BandWord(level int) string {
	switch {
	case level >= 7:
		return "expert"
	case level >= 5:
		return "avancé"
	case level >= 3:
		return "intermédiaire"
	}
	return "débutant"
}

// BandWordEN is BandWord in English.
func BandWordEN(level int) string {
	switch {
	case level >= 7:
		return "expert"
	case level >= 5:
		return "advanced"
	case level >= 3:
		return "intermediate"
	}
	return "beginner"
}
