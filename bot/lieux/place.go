// Package lieux reads places of digital mediation published in the national
// open-data schema "Lieux de médiation numérique" (the standard of the
// Cartographie nationale des lieux d'inclusion numérique, ANCT), reads their
// opening hours (OSM opening_hours), and chooses the few places that suit a
// learner: free, open to young people, offering the services their weakest
// competences need, nearest first.
//
// It does no I/O beyond the io.Reader it is given and reads no clock: the
// time of "open now" is passed in.
package lieux

import (
	"slices"
	"strings"
)

// Place is one place of the schema, in its current field names (v1.0.2).
// Lists are the schema's `|`-separated values, split. Fields the schema does
// not know are kept in Extra, never dropped.
type Place struct {
	ID                string   `json:"id"`
	Pivot             string   `json:"pivot"`
	Nom               string   `json:"nom"`
	Commune           string   `json:"commune"`
	CodePostal        string   `json:"code_postal"`
	CodeInsee         string   `json:"code_insee,omitempty"`
	Adresse           string   `json:"adresse"`
	ComplementAdresse string   `json:"complement_adresse,omitempty"`
	Latitude          *float64 `json:"latitude,omitempty"`
	Longitude         *float64 `json:"longitude,omitempty"`
	Typologie         []string `json:"typologie,omitempty"`
	Telephone         string   `json:"telephone,omitempty"`
	Courriels         []string `json:"courriels,omitempty"`
	SiteWeb           []string `json:"site_web,omitempty"`
	// Horaires is the opening_hours text as published; Hours parses it.
	Horaires           string   `json:"horaires,omitempty"`
	PresentationResume string   `json:"presentation_resume,omitempty"`
	PresentationDetail string   `json:"presentation_detail,omitempty"`
	Source             string   `json:"source,omitempty"`
	Itinerance         []string `json:"itinerance,omitempty"`
	StructureParente   string   `json:"structure_parente,omitempty"`
	DateMaj            string   `json:"date_maj"`
	Services           []string `json:"services,omitempty"`
	Publics            []string `json:"publics_specifiquement_adresses,omitempty"`
	PriseEnCharge      []string `json:"prise_en_charge_specifique,omitempty"`
	Frais              []string `json:"frais_a_charge,omitempty"`
	Dispositifs        []string `json:"dispositif_programmes_nationaux,omitempty"`
	FormationsLabels   []string `json:"formations_labels,omitempty"`
	AutresLabels       string   `json:"autres_formations_labels,omitempty"`
	ModalitesAcces     []string `json:"modalites_acces,omitempty"`
	Accompagnement     []string `json:"modalites_accompagnement,omitempty"`
	FicheAccesLibre    string   `json:"fiche_acces_libre,omitempty"`
	PriseRdv           string   `json:"prise_rdv,omitempty"`
	// PublicsAccueillis is the earlier export's field (values such as
	// "Jeunes (16-26 ans)", "Adultes"): the publics a place welcomes, which
	// is not the same as the publics it specifically addresses, so it is kept
	// as it came.
	PublicsAccueillis []string `json:"publics_accueillis,omitempty"`
	// Extra holds the fields the schema does not know, by name, as written.
	Extra map[string]string `json:"extra,omitempty"`
}

// Position returns the place's coordinates; ok is false when it has none.
func (p Place) Position() (pos Position, ok bool) {
	if p.Latitude == nil || p.Longitude == nil {
		return Position{}, false
	}
	return Position{Lat: *p.Latitude, Lon: *p.Longitude}, true
}

// Free reports whether the place says it is free ("Gratuit"). "Gratuit sous
// condition" is not free for a learner who does not know the condition.
func (p Place) Free() bool { return slices.Contains(p.Frais, "Gratuit") }

// ForYoung reports whether young people may come: the place addresses no
// specific public, or addresses "Jeunes"; in the earlier export, it lists no
// public welcomed, or lists "Jeunes (16-26 ans)".
func (p Place) ForYoung() bool {
	if len(p.Publics) > 0 && !slices.Contains(p.Publics, "Jeunes") {
		return false
	}
	if len(p.PublicsAccueillis) > 0 && !slices.ContainsFunc(p.PublicsAccueillis, func(s string) bool {
		return strings.HasPrefix(s, "Jeunes")
	}) {
		return false
	}
	return true
}

// Receives reports whether the place receives the public at all.
func (p Place) Receives() bool {
	return !slices.Contains(p.ModalitesAcces, "Ce lieu n'accueille pas de public")
}

// The schema's closed vocabularies (the enumerations of its patterns).
var (
	// ServiceValues are the values of `services`.
	ServiceValues = []string{
		"Aide aux démarches administratives",
		"Maîtrise des outils numériques du quotidien",
		"Insertion professionnelle via le numérique",
		"Utilisation sécurisée du numérique",
		"Parentalité et éducation avec le numérique",
		"Loisirs et créations numériques",
		"Compréhension du monde numérique",
		"Accès internet et matériel informatique",
		"Acquisition de matériel informatique à prix solidaire",
	}
	publicValues = []string{"Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"}
	priseValues  = []string{"Surdité", "Handicaps moteurs", "Handicaps mentaux", "Illettrisme",
		"Langues étrangères (anglais)", "Langues étrangères (autres)", "Déficience visuelle"}
	fraisValues      = []string{"Gratuit", "Gratuit sous condition", "Payant"}
	dispositifValues = []string{"Aidants Connect", "Bibliothèques numérique de référence", "Certification PIX",
		"Conseillers numériques", "Emmaüs Connect", "France Services", "Grande école du numérique",
		"La Croix Rouge", "Point d'accès numérique CAF", "Promeneurs du net", "Relais numérique (Emmaüs Connect)"}
	formationValues = []string{"Formé à « Mon Espace Santé »", "Formé à « DUPLEX » (illettrisme)",
		"Arnia/MedNum BFC (Bourgogne-Franche-Comté)", "Collectif ressources et acteurs réemploi (Normandie)",
		"Étapes numériques(La Poste)", "Fabriques de Territoire", "Les Éclaireurs du numérique (Drôme)",
		"Mes Papiers (Métropole de Lyon)", "ORDI 3.0", "SUD LABS (PACA)"}
	accesValues = []string{"Se présenter", "Téléphoner", "Contacter par mail", "Prendre un RDV en ligne",
		"Ce lieu n'accueille pas de public", "Envoyer un mail avec une fiche de prescription"}
	accompagnementValues = []string{"En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance"}
	itineranceValues     = []string{"Itinérant", "Fixe"}
)

// legacyNames maps the earlier export's field names to the current ones.
var legacyNames = map[string]string{
	"courriel":         "courriels",
	"labels_nationaux": "dispositif_programmes_nationaux",
	"accessibilite":    "fiche_acces_libre",
	"labels_autres":    "autres_formations_labels",
}

// legacyDispositifs maps the earlier vocabulary of labels_nationaux to the
// current one; values already current pass as they are.
var legacyDispositifs = map[string]string{
	"CNFS": "Conseillers numériques",
}

// requiredFields are the schema's required fields.
var requiredFields = []string{"id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj"}

// knownFields are every field the importer reads, current names first.
var knownFields = []string{
	"id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
	"latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires",
	"presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente",
	"date_maj", "services", "publics_specifiquement_adresses", "prise_en_charge_specifique",
	"frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
	"autres_formations_labels", "modalites_acces", "modalites_accompagnement",
	"fiche_acces_libre", "prise_rdv", "publics_accueillis",
}
