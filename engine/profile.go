package engine

import "fmt"

// Profile is a campaign's choice of what to measure: which competences, how
// many questions, and how many at least in each competence, so a result
// rests on enough answers of its own.
type Profile struct {
	ID               string   `json:"id"`
	NameFR           string   `json:"name_fr"`
	NameEN           string   `json:"name_en"`
	Competences      []string `json:"competences"`
	MaxQuestions     int      `json:"max_questions"`
	MinPerCompetence int      `json:"min_per_competence"`
}

// The profiles a campaign can choose. A campaign may also give its own list
// of competences (no profile).
var profiles = []Profile{
	{ID: "complet", NameFR: "Complet", NameEN: "Full", Competences: CompetenceIDs(), MaxQuestions: DefaultMaxQuestions, MinPerCompetence: 1},
	// What a job search needs (the README gives an advisor's reasons):
	// search offers and information (1.1), write to employers and answer
	// them (2.1), send a CV and share documents (2.2), manage one's public
	// image and online procedures (2.4), stay safe from scams (4.1) and
	// protect one's personal data (4.2). 4 questions each.
	{ID: "emploi", NameFR: "Emploi", NameEN: "Job search", Competences: []string{"1.1", "2.1", "2.2", "2.4", "4.1", "4.2"}, MaxQuestions: 24, MinPerCompetence: 4},
}

// Profiles returns the profiles a campaign can choose.
func Profiles() []Profile {
	out := make([]Profile, len(profiles))
	for i, p := range profiles {
		p.Competences = append([]string(nil), p.Competences...)
		out[i] = p
	}
	return out
}

// ProfileByID finds a profile ("complet", "emploi").
func ProfileByID(id string) (Profile, bool) {
	for _, p := range Profiles() {
		if p.ID == id {
			return p, true
		}
	}
	return Profile{}, false
}

// applyProfile fills what cfg leaves unset from its profile.
func applyProfile(cfg *Config) error {
	if cfg.Profile == "" {
		return nil
	}
	p, ok := ProfileByID(cfg.Profile)
	if !ok {
		return fmt.Errorf("unknown profile %q (complet, emploi)", cfg.Profile)
	}
	if len(cfg.Competences) == 0 {
		cfg.Competences = p.Competences
	}
	if cfg.MaxQuestions == 0 {
		cfg.MaxQuestions = p.MaxQuestions
	}
	if cfg.MinPerCompetence == 0 {
		cfg.MinPerCompetence = p.MinPerCompetence
	}
	return nil
}
