package bot

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Paris even on a host (or container) without a zone database

	"github.com/diagbot/diagbot/channels/chart"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// Campaign reports for advisors: counts and mean levels (Stats), a CSV file
// for their spreadsheet (ExportCSV), one learner's results (Report). They read
// storage and compute; they send nothing and read no clock (now comes in), so
// Slack, the admin address and the command line show the same figures.

// StuckAfter is how long a started, unfinished diagnostic may stay silent
// before the learner counts as stuck: two days, so that a learner who stopped
// at the end of a Tuesday session is flagged by Thursday.
const StuckAfter = 48 * time.Hour

// CampaignStats is where a campaign stands.
type CampaignStats struct {
	Campaign storage.Campaign `json:"campaign"`
	// Learners joined the campaign (typed or scanned its code). Started ones
	// began the diagnostic; each of them is Finished, InProgress or Stuck
	// (started, not finished, no activity for StuckAfter).
	Learners   int `json:"learners"`
	Started    int `json:"started"`
	Finished   int `json:"finished"`
	InProgress int `json:"in_progress"`
	Stuck      int `json:"stuck"`
	// Levels holds the campaign's competences (all 16 when it names none), in
	// framework order, averaged over finished learners.
	Levels []CompetenceAverage `json:"levels"`
	// MeanQuestions and MeanDuration are over finished learners; zero if none.
	MeanQuestions float64       `json:"mean_questions"`
	MeanDuration  time.Duration `json:"mean_duration_ns"`
	// Unreadable counts finished learners whose answers name items no longer
	// in the bank: they are counted as finished but left out of Levels.
	Unreadable int `json:"unreadable,omitempty"`
	// Paliers counts finished learners by the palier they reached, lowest
	// palier first.
	Paliers []PalierCount `json:"paliers,omitempty"`
}

// PalierCount is how many finished learners reached a palier.
type PalierCount struct {
	Title string `json:"title"`
	N     int    `json:"n"`
}

// CompetenceAverage is the mean level of one competence. Mean is the mean of
// the whole levels the learners were shown (0–8), so it matches the mean of
// the column of the CSV export; N is how many learners it is over.
type CompetenceAverage struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`  // French
	Short string  `json:"short"` // French, for charts
	Mean  float64 `json:"mean"`
	N     int     `json:"n"`
}

// errNoCampaign says the code is unknown, wrapping storage.ErrNotFound.
func errNoCampaign(code string) error {
	return problem(fmt.Errorf("no campaign with code %s: `diagbot campaign list` shows them: %w", code, storage.ErrNotFound),
		"Je ne trouve pas de campagne avec le code %s. `/diagbot campagne liste` montre les codes de vos campagnes.", code)
}

// status is where one learner stands.
type status int

const (
	notStarted status = iota
	inProgress
	stuck
	finished
)

// statusLabel is the word of the CSV status column.
var statusLabel = [...]string{notStarted: "non commencé", inProgress: "en cours", stuck: "bloqué", finished: "terminé"}

func statusOf(s *dialog.Session, now time.Time) status {
	switch {
	case s == nil || s.StartedAt.IsZero() || s.Engine == nil:
		return notStarted
	case !s.FinishedAt.IsZero():
		return finished
	case now.Sub(s.UpdatedAt) >= StuckAfter:
		return stuck
	default:
		return inProgress
	}
}

// loadSession reads a learner's stored dialog session; nil if there is none.
func loadSession(db *storage.DB, learnerID string) (*dialog.Session, error) {
	raw, ok, err := db.Session(learnerID)
	if err != nil || !ok {
		return nil, err
	}
	var s dialog.Session
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("the session of learner %s in %s is not a dialog session: %w", dialog.LearnerRef(learnerID), db.Path(), err)
	}
	return &s, nil
}

// campaignCompetences is the campaign's competences in framework order.
func campaignCompetences(c storage.Campaign) []string {
	if len(c.Competences) == 0 {
		return engine.CompetenceIDs()
	}
	return engine.SortCompetenceIDs(append([]string(nil), c.Competences...))
}

// Stats counts a campaign's learners by where they stand and averages the
// levels of those who finished. now decides who is stuck.
func Stats(db *storage.DB, eng *engine.Engine, code string, now time.Time) (CampaignStats, error) {
	c, ok, err := db.Campaign(code)
	if err != nil {
		return CampaignStats{}, err
	}
	if !ok {
		return CampaignStats{}, errNoCampaign(code)
	}
	ids, err := db.CampaignLearners(c.Code)
	if err != nil {
		return CampaignStats{}, err
	}
	st := CampaignStats{Campaign: c, Learners: len(ids)}
	comps := campaignCompetences(c)
	at := make(map[string]int, len(comps))
	sums := make([]int, len(comps))
	for i, id := range comps {
		at[id] = i
		comp, _ := engine.CompetenceByID(id)
		st.Levels = append(st.Levels, CompetenceAverage{ID: id, Name: comp.Name("fr"), Short: comp.Short("fr")})
	}
	var questions int
	var spent time.Duration
	for _, p := range PaliersOf(c) {
		st.Paliers = append(st.Paliers, PalierCount{Title: p.Title})
	}
	for _, id := range ids {
		s, err := loadSession(db, id)
		if err != nil {
			return CampaignStats{}, err
		}
		switch statusOf(s, now) {
		case notStarted:
			continue
		case inProgress:
			st.InProgress++
		case stuck:
			st.Stuck++
		case finished:
			st.Finished++
			questions += len(s.Engine.Responses)
			spent += s.FinishedAt.Sub(s.StartedAt)
			res, err := eng.Result(s.Engine)
			if err != nil {
				st.Unreadable++
				break
			}
			i, _ := PalierOf(c, res)
			st.Paliers[i].N++
			for _, cr := range res.Competences {
				if i, ok := at[cr.Competence]; ok {
					sums[i] += cr.Level
					st.Levels[i].N++
				}
			}
		}
		st.Started++
	}
	for i := range st.Levels {
		if n := st.Levels[i].N; n > 0 {
			st.Levels[i].Mean = float64(sums[i]) / float64(n)
		}
	}
	if st.Finished > 0 {
		st.MeanQuestions = float64(questions) / float64(st.Finished)
		st.MeanDuration = spent / time.Duration(st.Finished)
	}
	return st, nil
}

// Chart draws the mean level per competence as horizontal bars (PNG), titled
// with the campaign's name; lang "en" gives English labels, anything else
// French.
func (s CampaignStats) Chart(lang string) ([]byte, error) {
	axes := make([]chart.Axis, 0, len(s.Levels))
	for _, l := range s.Levels {
		label := l.ID + " " + l.Short
		if comp, ok := engine.CompetenceByID(l.ID); ok {
			label = l.ID + " " + comp.Short(lang)
		}
		axes = append(axes, chart.Axis{Label: label, Value: l.Mean})
	}
	title := fmt.Sprintf("%s — niveau moyen (%s)", s.Campaign.Name, plural(s.Finished, "terminé", "terminés"))
	if lang == "en" {
		title = fmt.Sprintf("%s — mean level (%d finished)", s.Campaign.Name, s.Finished)
	}
	return chart.Bars(axes, chart.Options{Title: title})
}

// Text is a short French summary, plain text: the caller escapes it for
// Slack or prints it as is.
func (s CampaignStats) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Campagne « %s » (%s)", s.Campaign.Name, s.Campaign.Code)
	if s.Campaign.ArchivedAt != nil {
		fmt.Fprintf(&b, ", archivée le %s", frDate(*s.Campaign.ArchivedAt))
	}
	b.WriteString("\n")
	if s.Learners == 0 {
		b.WriteString("Personne n'a encore rejoint la campagne.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "%s, %s.\n", plural(s.Learners, "apprenant inscrit", "apprenants inscrits"), plural(s.Started, "a commencé", "ont commencé"))
	if s.Started > 0 {
		fmt.Fprintf(&b, "%s, %s, %s (rien depuis %d h).\n",
			plural(s.Finished, "terminé", "terminés"), fmt.Sprintf("%d en cours", s.InProgress),
			plural(s.Stuck, "bloqué", "bloqués"), int(StuckAfter.Hours()))
	}
	if s.Finished == 0 {
		b.WriteString("Pas encore de niveaux : personne n'a terminé.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "En moyenne : %s questions, %s.\n", frNumber(s.MeanQuestions), frDuration(s.MeanDuration))
	if s.Unreadable > 0 {
		fmt.Fprintf(&b, "%s : des questions ont quitté la banque.\n", plural(s.Unreadable, "résultat illisible", "résultats illisibles"))
	}
	var ps []string
	for _, p := range s.Paliers {
		ps = append(ps, fmt.Sprintf("%s %d", p.Title, p.N))
	}
	if len(ps) > 0 {
		b.WriteString("Paliers : " + strings.Join(ps, " · ") + ".\n")
	}
	b.WriteString("Niveau moyen :\n")
	for _, l := range s.Levels {
		if l.N == 0 {
			fmt.Fprintf(&b, "%s %s : -\n", l.ID, l.Short)
			continue
		}
		fmt.Fprintf(&b, "%s %s : %s\n", l.ID, l.Short, frNumber(l.Mean))
	}
	return b.String()
}

// ExportCSV writes one row per learner of the campaign, for a French
// spreadsheet: UTF-8 with a byte order mark (so Excel reads the accents), ";"
// between fields, CRLF line ends, times in RFC 3339 at Paris time. Columns:
// external_id, learner (the LearnerRef pseudonym), started_at, finished_at,
// status (non commencé, en cours, bloqué, terminé), questions, one "niveau
// X.Y" per campaign competence, pix, palier and a_travailler. Levels, pix,
// palier and skills are filled for finished learners only.
// No first names. Rows come by start time, those who did not start last.
//
// bk names the skills to work as sentences ("reconnaître un SMS d'arnaque
// (4.1)"); without it (nil) they are "4.1 smsarnaque". rows counts
// the learner rows written, the header excluded. Nothing is written if the
// campaign is unknown. "bloqué" is judged at time.Now(); ExportCSVAt takes
// the time.
func ExportCSV(db *storage.DB, eng *engine.Engine, bk *bank.Bank, code string, w io.Writer) (rows int, err error) {
	return ExportCSVAt(db, eng, bk, code, time.Now(), w)
}

// ExportCSVAt is ExportCSV with stuck learners judged at now.
func ExportCSVAt(db *storage.DB, eng *engine.Engine, bk *bank.Bank, code string, now time.Time, w io.Writer) (rows int, err error) {
	c, ok, err := db.Campaign(code)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errNoCampaign(code)
	}
	ids, err := db.CampaignLearners(c.Code)
	if err != nil {
		return 0, err
	}
	type row struct {
		ref   string
		start time.Time
		cells []string
	}
	comps := campaignCompetences(c)
	list := make([]row, 0, len(ids))
	for _, id := range ids {
		l, _, err := db.Learner(id)
		if err != nil {
			return 0, err
		}
		s, err := loadSession(db, id)
		if err != nil {
			return 0, err
		}
		r := row{ref: dialog.LearnerRef(id)}
		ext := l.ExternalID
		if s != nil && s.ExternalID != "" {
			ext = s.ExternalID
		}
		cells := []string{spreadsheetSafe(ext), r.ref, "", "", statusLabel[notStarted], "0"}
		levels := make([]string, len(comps))
		var pix, train, palier string
		if s != nil && s.Engine != nil && !s.StartedAt.IsZero() {
			r.start = s.StartedAt
			cells[2] = parisTime(s.StartedAt)
			cells[3] = parisTime(s.FinishedAt)
			cells[5] = strconv.Itoa(len(s.Engine.Responses))
		}
		cells[4] = statusLabel[statusOf(s, now)]
		if s != nil && !s.FinishedAt.IsZero() && s.Engine != nil {
			if res, err := eng.Result(s.Engine); err == nil {
				byID := make(map[string]int, len(res.Competences))
				for _, cr := range res.Competences {
					byID[cr.Competence] = cr.Level
				}
				for i, id := range comps {
					if lv, ok := byID[id]; ok {
						levels[i] = strconv.Itoa(lv)
					}
				}
				pix = strconv.Itoa(res.Pix)
				_, p := PalierOf(c, res)
				palier = p.Title
				train = strings.Join(trainPhrases(bk, res.Train), ", ")
			}
		}
		r.cells = append(append(cells, levels...), pix, palier, train)
		list = append(list, r)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.start.IsZero() != b.start.IsZero() {
			return b.start.IsZero()
		}
		if !a.start.Equal(b.start) {
			return a.start.Before(b.start)
		}
		return a.ref < b.ref
	})

	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	header := []string{"identifiant_externe", "apprenant", "debut", "fin", "statut", "questions"}
	for _, id := range comps {
		header = append(header, "niveau "+id)
	}
	header = append(header, "pix", "palier", "a_travailler")
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	for _, r := range list {
		if err := cw.Write(r.cells); err != nil {
			return rows, err
		}
		rows++
	}
	cw.Flush()
	return rows, cw.Error()
}

// trainPhrases names skills to work as an advisor reads them: what the
// learner will be able to do, "reconnaître un SMS d'arnaque (4.1)", from the
// skill's lesson; "4.1 smsarnaque" when the bank has no words for it (or
// there is no bank).
func trainPhrases(bk *bank.Bank, rs []engine.Recommendation) []string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = SkillPhrase(bk, r.Competence, r.Skill)
	}
	return parts
}

// SkillPhrase is one skill as trainPhrases writes it.
func SkillPhrase(bk *bank.Bank, competence, skill string) string {
	if bk != nil {
		if l, ok := bk.Lesson(competence, skill); ok {
			if l.Can != "" {
				return l.Can + " (" + competence + ")"
			}
			return "« " + l.Title + " » (" + competence + ")"
		}
	}
	return competence + " " + skill
}

// spreadsheetSafe keeps a learner-typed field from being read as a formula
// by a spreadsheet ("=HYPERLINK(…)", "+33…", "@…"): such a field gets a
// leading apostrophe, which spreadsheets show as plain text.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// paris is the time zone of the reports: advisors are in metropolitan France.
var paris = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC // cannot happen: time/tzdata is linked in
	}
	return loc
})

// parisTime is t in RFC 3339 at Paris time, "" for a zero time.
func parisTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(paris()).Format(time.RFC3339)
}

// frDate is "12/03/2026 à 14:05", Paris time.
func frDate(t time.Time) string {
	return t.In(paris()).Format("02/01/2006 à 15:04")
}

// frNumber is x with one decimal and a decimal comma: "2,4"; whole numbers
// have no decimals.
func frNumber(x float64) string {
	s := strconv.FormatFloat(x, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return strings.Replace(s, ".", ",", 1)
}

// frDuration is "14 min" or "1 h 05".
func frDuration(d time.Duration) string {
	m := int(d.Round(time.Minute).Minutes())
	if m < 60 {
		if m < 1 {
			return "moins d'une minute"
		}
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d", m/60, m%60)
}

// plural is "1 terminé", "0 terminé", "3 terminés" (French: 0 and 1 are
// singular).
func plural(n int, one, many string) string {
	if n <= 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

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

// CampaignInfo is a campaign as listed to operators and advisors: its
// settings, how many learners joined and its t.me link (when the bot's
// username is known).
type CampaignInfo struct {
	storage.Campaign
	Learners int    `json:"learners"`
	Link     string `json:"link,omitempty"`
}

// ListCampaigns lists every campaign, archived ones included, by code.
// botName is the bot's Telegram username, for the links ("" for none).
func ListCampaigns(db *storage.DB, botName string) ([]CampaignInfo, error) {
	cs, err := db.Campaigns()
	if err != nil {
		return nil, err
	}
	out := make([]CampaignInfo, 0, len(cs))
	for _, c := range cs {
		ids, err := db.CampaignLearners(c.Code)
		if err != nil {
			return nil, err
		}
		c.WebhookSecret = "" // shown once, at creation
		out = append(out, CampaignInfo{Campaign: c, Learners: len(ids), Link: linkOf(botName, c.Code)})
	}
	return out, nil
}

func linkOf(botName, code string) string {
	if botName == "" {
		return ""
	}
	return DeepLink(botName, code)
}
