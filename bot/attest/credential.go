// Package attest issues the attestation de positionnement: an Open Badges 3.0
// OpenBadgeCredential on the W3C Verifiable Credentials 2.0 data model,
// secured as a VC-JWT exactly as OB 3.0 §8.2 says (RS256, header alg, kid,
// typ and nothing else; the payload is the credential itself with iss, jti,
// nbf and sub mirroring it), with a W3C Bitstring Status List entry so that
// an erased learner's attestations read as revoked.
//
// It also renders the attestation (a one-page PDF and a PNG with a QR code
// to the verification page), keeps the signing keys (keys.go), verifies a
// credential (verify.go) and serves the public address (server.go). It is
// never called a certification: it says where a learner stood on a given
// day, measured by an adaptive diagnostic.
package attest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the printed dates are Paris dates, on any host

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
)

// The fixed identifiers of the Open Badges 3.0 and VC 2.0 specifications.
const (
	ContextVC      = "https://www.w3.org/ns/credentials/v2"
	ContextOB      = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	SchemaURL      = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json-ld/ob_v3p0_achievementcredential_schema.json"
	SchemaType     = "1EdTechJsonSchemaValidator2019"
	CRCNURL        = "https://eduscol.education.fr/721/evaluer-et-certifier-les-competences-numeriques"
	DigCompURL     = "https://publications.jrc.ec.europa.eu/repository/handle/JRC128415"
	AchievementFR  = "Positionnement sur les compétences numériques"
	NotCertificate = "Attestation de positionnement — ce n'est pas une certification"
)

// Band is the word of a level's band, as the attestation prints it.
func Band(level int) string {
	switch {
	case level <= 0:
		return "non atteint"
	case level <= 2:
		return "débutant"
	case level <= 4:
		return "intermédiaire"
	case level <= 6:
		return "avancé"
	default:
		return "expert"
	}
}

// digComp aligns each CRCN competence to the DigComp 2.2 competences it was
// drawn from (the CRCN adapts DigComp 2.1, whose 21 competences DigComp 2.2
// keeps).
var digComp = map[string][]string{
	"1.1": {"1.1 Browsing, searching and filtering data, information and digital content", "1.2 Evaluating data, information and digital content"},
	"1.2": {"1.3 Managing data, information and digital content"},
	"1.3": {"1.3 Managing data, information and digital content"},
	"2.1": {"2.1 Interacting through digital technologies"},
	"2.2": {"2.2 Sharing through digital technologies"},
	"2.3": {"2.4 Collaborating through digital technologies"},
	"2.4": {"2.3 Engaging citizenship through digital technologies", "2.5 Netiquette", "2.6 Managing digital identity"},
	"3.1": {"3.1 Developing digital content"},
	"3.2": {"3.1 Developing digital content"},
	"3.3": {"3.2 Integrating and re-elaborating digital content", "3.3 Copyright and licences"},
	"3.4": {"3.4 Programming"},
	"4.1": {"4.1 Protecting devices"},
	"4.2": {"4.2 Protecting personal data and privacy"},
	"4.3": {"4.3 Protecting health and well-being", "4.4 Protecting the environment"},
	"5.1": {"5.1 Solving technical problems"},
	"5.2": {"5.2 Identifying needs and technological responses", "5.3 Creatively using digital technologies", "5.4 Identifying digital competence gaps"},
}

// Credential is an OpenBadgeCredential, field for field as OB 3.0 names
// them, in the order a reader expects.
type Credential struct {
	Context          []string     `json:"@context"`
	ID               string       `json:"id"`
	Type             []string     `json:"type"`
	Name             string       `json:"name"`
	Description      string       `json:"description"`
	Issuer           Profile      `json:"issuer"`
	ValidFrom        string       `json:"validFrom"`
	ValidUntil       string       `json:"validUntil,omitempty"`
	Subject          Subject      `json:"credentialSubject"`
	CredentialSchema []TypedID    `json:"credentialSchema"`
	CredentialStatus *StatusEntry `json:"credentialStatus,omitempty"`
}

// Profile is the issuer.
type Profile struct {
	ID    string   `json:"id"`
	Type  []string `json:"type"`
	Name  string   `json:"name"`
	URL   string   `json:"url,omitempty"`
	Email string   `json:"email,omitempty"`
}

// UnmarshalJSON reads an issuer given as an object, or as its id alone
// (VC 2.0 allows both; diagbot writes the object).
func (p *Profile) UnmarshalJSON(b []byte) error {
	var id string
	if json.Unmarshal(b, &id) == nil {
		*p = Profile{ID: id}
		return nil
	}
	type plain Profile
	return json.Unmarshal(b, (*plain)(p))
}

// Subject is the learner: a random urn:uuid, the name to print as an
// identifier (OB 3.0 IdentityObject, identityType "name"), what they achieved.
type Subject struct {
	ID          string        `json:"id"`
	Type        []string      `json:"type"`
	Identifier  []IdentityObj `json:"identifier,omitempty"`
	Achievement Achievement   `json:"achievement"`
	Result      []ResultEntry `json:"result"`
	ActivityEnd string        `json:"activityEndDate,omitempty"`
}

// IdentityObj is an OB 3.0 IdentityObject.
type IdentityObj struct {
	Type         string `json:"type"`
	Hashed       bool   `json:"hashed"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
}

// Achievement is what the credential attests.
type Achievement struct {
	ID                string              `json:"id"`
	Type              []string            `json:"type"`
	AchievementType   string              `json:"achievementType"`
	Name              string              `json:"name"`
	Description       string              `json:"description"`
	Criteria          Criteria            `json:"criteria"`
	InLanguage        string              `json:"inLanguage"`
	ResultDescription []ResultDescription `json:"resultDescription"`
}

// Criteria says how the achievement was measured.
type Criteria struct {
	Narrative string `json:"narrative"`
}

// ResultDescription is one competence's rubric: levels 1–8.
type ResultDescription struct {
	ID                  string        `json:"id"`
	Type                []string      `json:"type"`
	Name                string        `json:"name"`
	ResultType          string        `json:"resultType"`
	Alignment           []Alignment   `json:"alignment"`
	RubricCriterionLvls []RubricLevel `json:"rubricCriterionLevel"`
}

// RubricLevel is one level of a competence.
type RubricLevel struct {
	ID    string   `json:"id"`
	Type  []string `json:"type"`
	Name  string   `json:"name"`
	Level string   `json:"level"`
}

// Alignment ties a result description to a framework's competence.
type Alignment struct {
	Type            []string `json:"type"`
	TargetCode      string   `json:"targetCode"`
	TargetName      string   `json:"targetName"`
	TargetFramework string   `json:"targetFramework"`
	TargetType      string   `json:"targetType"`
	TargetURL       string   `json:"targetUrl"`
}

// ResultEntry is one competence's measured level.
type ResultEntry struct {
	Type              []string `json:"type"`
	ResultDescription string   `json:"resultDescription"`
	AchievedLevel     string   `json:"achievedLevel,omitempty"`
	Value             string   `json:"value"`
}

// TypedID is {"id","type"} (credentialSchema).
type TypedID struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// StatusEntry is a W3C Bitstring Status List entry.
type StatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// Issue is what one credential needs besides the attestation itself.
type Issue struct {
	Code      string    // the verification code
	Subject   string    // urn:uuid:… of the learner, stable per learner
	List      uint32    // the status list
	Index     uint32    // the credential's index in it
	IssuedAt  time.Time // validFrom
	PublicURL string    // the bot's public address, no trailing slash
	Issuer    Profile
}

// URLs of the public address, all under the public URL.

// VerifyURL is the verification page of a code (the QR code's target).
func VerifyURL(base, code string) string { return base + "/v/" + code }

// CredentialURL serves the signed credential of a code.
func CredentialURL(base, code string) string { return base + "/v/" + code + ".jwt" }

// StatusListURL serves status list n as a signed credential.
func StatusListURL(base string, list uint32) string { return fmt.Sprintf("%s/status/%d", base, list) }

// IssuerURL serves the issuer profile.
func IssuerURL(base string) string { return base + "/issuer" }

// FrameworkURL serves the result descriptions the credentials refer to.
func FrameworkURL(base string) string { return base + "/referentiel" }

// Build makes the credential of an attestation. The competences measured
// (with at least one question) each get a result and, in the achievement,
// the result description (the rubric of levels 1–8) it refers to.
func Build(v dialog.AttestationView, is Issue) Credential {
	base := is.PublicURL
	// The criteria name this diagnostic (its questions, its date), so the
	// achievement is this credential's own, under its id.
	ach := Achievement{
		ID:              VerifyURL(base, is.Code) + "#positionnement",
		Type:            []string{"Achievement"},
		AchievementType: "Assessment",
		Name:            AchievementFR,
		Description: "Positionnement sur les compétences numériques du cadre de référence français (CRCN, " +
			"issu du cadre européen DigComp), niveaux 1 à 8. " + NotCertificate + ".",
		Criteria: Criteria{Narrative: fmt.Sprintf("Mesuré par un diagnostic adaptatif (diagbot) de %d questions, terminé le %s. "+
			"Chaque question est choisie selon les réponses précédentes ; le niveau de chaque compétence est estimé par un modèle "+
			"de réponse à l'item (2PL).", v.Questions, frenchDate(v.FinishedAt))},
		InLanguage: "fr",
	}
	var results []ResultEntry
	for _, r := range v.Result.Competences {
		if r.Questions == 0 {
			continue
		}
		c, ok := engine.CompetenceByID(r.Competence)
		if !ok {
			continue
		}
		ach.ResultDescription = append(ach.ResultDescription, resultDescription(base, c))
		rd := competenceID(base, r.Competence)
		e := ResultEntry{Type: []string{"Result"}, ResultDescription: rd, Value: strconv.Itoa(r.Level)}
		if r.Level >= engine.MinLevel {
			e.AchievedLevel = levelID(base, r.Competence, min(r.Level, engine.MaxLevel))
		}
		results = append(results, e)
	}
	subj := Subject{
		ID:          is.Subject,
		Type:        []string{"AchievementSubject"},
		Achievement: ach,
		Result:      results,
		ActivityEnd: v.FinishedAt.UTC().Format(time.RFC3339),
	}
	if name := strings.TrimSpace(v.Name); name != "" {
		subj.Identifier = []IdentityObj{{Type: "IdentityObject", Hashed: false, IdentityHash: name, IdentityType: "name"}}
	}
	return Credential{
		Context:          []string{ContextVC, ContextOB},
		ID:               VerifyURL(base, is.Code),
		Type:             []string{"VerifiableCredential", "OpenBadgeCredential"},
		Name:             AchievementFR,
		Description:      NotCertificate + ".",
		Issuer:           is.Issuer,
		ValidFrom:        is.IssuedAt.UTC().Format(time.RFC3339),
		Subject:          subj,
		CredentialSchema: []TypedID{{ID: SchemaURL, Type: SchemaType}},
		CredentialStatus: &StatusEntry{
			ID:                   fmt.Sprintf("%s#%d", StatusListURL(base, is.List), is.Index),
			Type:                 "BitstringStatusListEntry",
			StatusPurpose:        "revocation",
			StatusListIndex:      strconv.FormatUint(uint64(is.Index), 10),
			StatusListCredential: StatusListURL(base, is.List),
		},
	}
}

// ResultDescriptions are the rubrics of the sixteen competences, as
// FrameworkURL serves them.
func ResultDescriptions(base string) []ResultDescription {
	var out []ResultDescription
	for _, c := range engine.Competences() {
		out = append(out, resultDescription(base, c))
	}
	return out
}

func competenceID(base, c string) string { return FrameworkURL(base) + "#c" + c }

func levelID(base, c string, level int) string {
	return fmt.Sprintf("%s#c%s-n%d", FrameworkURL(base), c, level)
}

func resultDescription(base string, c engine.Competence) ResultDescription {
	rd := ResultDescription{
		ID:         competenceID(base, c.ID),
		Type:       []string{"ResultDescription"},
		Name:       c.ID + " " + c.NameFR,
		ResultType: "RubricCriterionLevel",
		Alignment: []Alignment{{Type: []string{"Alignment"}, TargetCode: c.ID, TargetName: c.NameFR,
			TargetFramework: "CRCN (cadre de référence des compétences numériques)", TargetType: "ceasn:Competency", TargetURL: CRCNURL}},
	}
	for _, d := range digComp[c.ID] {
		code, name, _ := strings.Cut(d, " ")
		rd.Alignment = append(rd.Alignment, Alignment{Type: []string{"Alignment"}, TargetCode: code, TargetName: name,
			TargetFramework: "DigComp 2.2", TargetType: "ceasn:Competency", TargetURL: DigCompURL})
	}
	for l := engine.MinLevel; l <= engine.MaxLevel; l++ {
		rd.RubricCriterionLvls = append(rd.RubricCriterionLvls, RubricLevel{
			ID: levelID(base, c.ID, l), Type: []string{"RubricCriterionLevel"},
			Name: fmt.Sprintf("Niveau %d (%s)", l, Band(l)), Level: strconv.Itoa(l),
		})
	}
	return rd
}

var months = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// paris is the time zone of the printed dates (the learners' own, as the
// follow-up's default): a diagnostic finished at 00:30 in Paris is dated
// that day, not the day before.
var paris = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.FixedZone("CET", 3600)
}()

// frenchDate prints "7 décembre 2026".
func frenchDate(t time.Time) string {
	t = t.In(paris)
	return fmt.Sprintf("%d %s %d", t.Day(), months[t.Month()-1], t.Year())
}
