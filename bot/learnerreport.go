package bot

import (
	"fmt"
	"math"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris even on a host (or container) without a zone database

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// One learner's report, for an advisor.

// LearnerReport is one learner's results and progress, for their advisor.
type LearnerReport struct {
	LearnerID  string `json:"learner_id"`
	Ref        string `json:"ref"` // the pseudonym advisors see, dialog.LearnerRef
	ExternalID string `json:"external_id,omitempty"`
	FirstName  string `json:"first_name,omitempty"`
	Campaign   string `json:"campaign,omitempty"` // code
	// State is the dialog state ("question", "results", "paused", …), empty
	// when the learner has no session yet.
	State      string      `json:"state,omitempty"`
	StartedAt  time.Time   `json:"started_at,omitzero"`
	FinishedAt time.Time   `json:"finished_at,omitzero"`
	LastActive time.Time   `json:"last_active,omitzero"`
	Questions  int         `json:"questions"`      // answered in the current (or last) diagnostic
	Path       *PathReport `json:"path,omitempty"` // the follow-up, once offered
	// Result is the measure so far: final when FinishedAt is set,
	// provisional otherwise; nil before the first answer.
	Result *engine.Result `json:"result,omitempty"`
	// ResultError says why there is no Result although there are answers
	// (items removed from the bank since).
	ResultError string `json:"result_error,omitempty"`
	HelpPending bool   `json:"help_pending,omitempty"`
	// Train is what to work next, in words (SkillPhrase).
	Train []string `json:"train,omitempty"`
}

// FindLearner looks a learner up by what an advisor may know of them: the
// learner id ("telegram:5551234"), the pseudonym shown in Slack ("A-7KQ2MX")
// or the external id they typed (France Travail identifier), case and
// surrounding spaces ignored. An exact id is found at once; otherwise every
// learner is read (about a microsecond each). When several match, an id beats
// a pseudonym, which beats an external id, and among equals the one active
// last wins.
func FindLearner(db *storage.DB, query string) (storage.Learner, bool, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return storage.Learner{}, false, nil
	}
	if l, ok, err := db.Learner(q); err != nil || ok {
		return l, ok, err
	}
	var (
		best storage.Learner
		rank int // 0 none, 1 external id, 2 pseudonym, 3 id
	)
	err := db.ForEachLearner(func(l storage.Learner) error {
		r := 0
		switch {
		case strings.EqualFold(l.ID, q):
			r = 3
		case strings.EqualFold(dialog.LearnerRef(l.ID), q):
			r = 2
		case l.ExternalID != "" && strings.EqualFold(l.ExternalID, q):
			r = 1
		}
		if r > rank || r == rank && r > 0 && l.UpdatedAt.After(best.UpdatedAt) {
			best, rank = l, r
		}
		return nil
	})
	return best, rank > 0, err
}

// Report gathers one learner's progress and results.
// bk names the skills to work (nil: by their ids).
func Report(db *storage.DB, eng *engine.Engine, bk *bank.Bank, learnerID string) (LearnerReport, error) {
	l, ok, err := db.Learner(learnerID)
	if err != nil {
		return LearnerReport{}, err
	}
	if !ok {
		return LearnerReport{}, problem(fmt.Errorf("no learner %s in %s: %w", dialog.LearnerRef(learnerID), db.Path(), storage.ErrNotFound),
			"Je ne trouve pas l'apprenant ou l'apprenante %s : ses données ont peut-être été effacées.", dialog.LearnerRef(learnerID))
	}
	r := LearnerReport{LearnerID: l.ID, Ref: dialog.LearnerRef(l.ID), ExternalID: l.ExternalID, FirstName: l.FirstName,
		Campaign: l.Campaign, LastActive: l.UpdatedAt}
	s, err := loadSession(db, l.ID)
	if err != nil || s == nil {
		return r, err
	}
	r.State, r.HelpPending = s.State, s.HelpPending
	if !s.UpdatedAt.IsZero() {
		r.LastActive = s.UpdatedAt
	}
	if s.ExternalID != "" {
		r.ExternalID = s.ExternalID
	}
	if s.Engine == nil || s.StartedAt.IsZero() {
		return r, nil
	}
	r.StartedAt, r.FinishedAt, r.Questions = s.StartedAt, s.FinishedAt, len(s.Engine.Responses)
	if r.Questions == 0 {
		return r, nil
	}
	res, err := eng.Result(s.Engine)
	if err != nil {
		r.ResultError = err.Error()
		return r, nil
	}
	r.Result = &res
	r.Train = trainPhrases(bk, res.Train)
	if p := s.Path; p != nil {
		r.Path = &PathReport{State: p.State, Steps: len(p.Steps), StartedAt: p.StartedAt, LastAnswer: p.LastAnswer, Baseline: p.Baseline}
		for _, st := range p.Steps {
			if !st.Taught.IsZero() {
				r.Path.Taught++
			}
			if st.Retired {
				r.Path.Retired++
			}
		}
		if cur, err := dialog.Current(*s, eng); err == nil {
			r.Path.Current = &cur
		}
	}
	return r, nil
}

// PathReport is a learner's follow-up, for advisors: where the path is and
// how the estimates moved since the diagnostic.
type PathReport struct {
	State      string             `json:"state"` // offered, active, paused, stopped, declined, finished
	Steps      int                `json:"steps"`
	Taught     int                `json:"taught"`  // lessons sent
	Retired    int                `json:"retired"` // check questions that stuck
	StartedAt  time.Time          `json:"started_at,omitzero"`
	LastAnswer time.Time          `json:"last_answer,omitzero"`
	Baseline   map[string]float64 `json:"baseline,omitempty"` // continuous level per competence at the diagnostic
	Current    *engine.Result     `json:"current,omitempty"`  // the estimates now
}

var pathLabel = map[string]string{
	dialog.PathOffered: "proposé, pas encore choisi", dialog.PathActive: "en cours", dialog.PathPaused: "en pause (sans réponse)",
	dialog.PathStopped: "arrêté par l'apprenant·e", dialog.PathDeclined: "refusé", dialog.PathFinished: "terminé",
}

// stateLabel says a dialog state in French, for Text.
var stateLabel = map[string]string{
	dialog.StateNew: "pas encore commencé", dialog.StateConsent: "n'a pas encore donné son accord",
	dialog.StateExternalID: "doit encore donner son identifiant", dialog.StateQuestion: "en train de répondre",
	dialog.StateResults: "a vu ses résultats", dialog.StateReview: "relit ses réponses", dialog.StateDone: "terminé",
	dialog.StatePaused: "en pause", dialog.StateHelp: "a demandé de l'aide", dialog.StateConfirmErase: "veut effacer ses données",
	dialog.StateFollowUp: "suit son parcours", dialog.StateConfirmCampaign: "doit dire s'il passe au diagnostic d'une autre campagne",
	dialog.StateErased: "a effacé ses données",
}

// Text is the report in French, plain text (the caller escapes it).
func (r LearnerReport) Text() string {
	var b strings.Builder
	b.WriteString("Apprenant " + r.Ref)
	if r.ExternalID != "" {
		b.WriteString(" · identifiant " + r.ExternalID)
	}
	if r.FirstName != "" {
		b.WriteString(" · " + r.FirstName)
	}
	b.WriteString("\n")
	if r.Campaign != "" {
		b.WriteString("Campagne " + r.Campaign + "\n")
	}
	switch {
	case !r.FinishedAt.IsZero():
		fmt.Fprintf(&b, "Terminé le %s, %s en %s.\n", frDate(r.FinishedAt), plural(r.Questions, "question", "questions"), frDuration(r.FinishedAt.Sub(r.StartedAt)))
	case !r.StartedAt.IsZero():
		fmt.Fprintf(&b, "En cours : %s, commencé le %s, dernière activité le %s.\n",
			plural(r.Questions, "réponse", "réponses"), frDate(r.StartedAt), frDate(r.LastActive))
	default:
		label := stateLabel[r.State]
		if label == "" {
			label = "pas encore commencé"
		}
		fmt.Fprintf(&b, "Diagnostic pas commencé (%s).\n", label)
	}
	if r.HelpPending {
		b.WriteString("Une demande d'aide attend une réponse.\n")
	}
	if r.ResultError != "" {
		b.WriteString("Résultats illisibles : des questions ont quitté la banque.\n")
	}
	if r.Result == nil {
		return b.String()
	}
	res := r.Result
	final := !r.FinishedAt.IsZero()
	if final {
		fmt.Fprintf(&b, "Niveau global %d · %d pix sur %d\n", res.Level, res.Pix, res.PixMax)
	} else {
		// Midway, a competence not asked yet has only what the others
		// suggest: shown are the ones asked.
		b.WriteString("Niveaux provisoires (compétences déjà vues) :\n")
	}
	for _, cr := range res.Competences {
		if !final && cr.Questions == 0 {
			continue
		}
		comp, _ := engine.CompetenceByID(cr.Competence)
		fmt.Fprintf(&b, "%s %s : niveau %d\n", cr.Competence, comp.Short("fr"), cr.Level)
	}
	if len(r.Train) > 0 && !r.FinishedAt.IsZero() {
		b.WriteString("À travailler : " + strings.Join(r.Train, ", ") + "\n")
	}
	if p := r.Path; p != nil {
		fmt.Fprintf(&b, "Parcours %s : %d leçons sur %d envoyées, %d retenues", pathLabel[p.State], p.Taught, p.Steps, p.Retired)
		if !p.LastAnswer.IsZero() {
			b.WriteString(", dernière réponse le " + frDate(p.LastAnswer))
		}
		b.WriteString(".\n")
		if p.Current != nil {
			for _, cr := range p.Current.Competences {
				then, ok := p.Baseline[cr.Competence]
				now := engine.ContinuousLevel(cr.Theta)
				if !ok || math.Abs(now-then) < 0.05 {
					continue
				}
				comp, _ := engine.CompetenceByID(cr.Competence)
				fmt.Fprintf(&b, "Progrès %s %s : %.1f → %.1f\n", cr.Competence, comp.Short("fr"), then, now)
			}
		}
	}
	return b.String()
}
