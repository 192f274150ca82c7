package bot

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Paris even on a host (or container) without a zone database

	"github.com/diagbot/diagbot/channels/chart"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
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
