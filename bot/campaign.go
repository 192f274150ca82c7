package bot

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
)

// Campaign codes look like Pix's, which advisors already know: six capital
// letters without I, L or O (easily misread), then three digits from 2 to 9.
const (
	codeLetters = "ABCDEFGHJKMNPQRSTUVWXYZ"
	codeDigits  = "23456789"
)

// NewCampaignCode draws a code from r.
func NewCampaignCode(r *rand.Rand) string {
	var b strings.Builder
	for i := 0; i < 6; i++ {
		b.WriteByte(codeLetters[r.IntN(len(codeLetters))])
	}
	for i := 0; i < 3; i++ {
		b.WriteByte(codeDigits[r.IntN(len(codeDigits))])
	}
	return b.String()
}

// NormalizeCode reads a code as typed (any case, spaces) and says whether it
// has the campaign code form.
func NormalizeCode(s string) (string, bool) {
	c := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if len(c) != 9 {
		return c, false
	}
	for i := 0; i < 9; i++ {
		set := codeLetters
		if i >= 6 {
			set = codeDigits
		}
		if !strings.ContainsRune(set, rune(c[i])) {
			return c, false
		}
	}
	return c, true
}

// DeepLink is the link that opens the bot on the campaign.
func DeepLink(botUsername, code string) string {
	return "https://t.me/" + strings.TrimPrefix(botUsername, "@") + "?start=" + code
}

// CreateCampaign checks the settings, draws a free code and stores the
// campaign.
func CreateCampaign(db *storage.DB, c storage.Campaign, r *rand.Rand, now time.Time) (storage.Campaign, error) {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || len([]rune(c.Name)) > 80 {
		return c, problem(errors.New("a campaign needs a name of 1 to 80 characters"),
			"Donnez à la campagne un nom de 1 à 80 caractères.")
	}
	for _, id := range c.Competences {
		if _, ok := engine.CompetenceByID(id); !ok {
			return c, problem(fmt.Errorf("unknown competence %q: use ids 1.1 … 5.2", id),
				"Je ne connais pas la compétence « %s » : écrivez les numéros de 1.1 à 5.2, séparés par des virgules (par exemple 1.1,4.1).", id)
		}
	}
	c.Competences = engine.SortCompetenceIDs(c.Competences)
	n := len(c.Competences)
	if c.Profile != "" {
		p, ok := engine.ProfileByID(c.Profile)
		if !ok {
			return c, problem(fmt.Errorf("unknown profile %q (complet, emploi)", c.Profile),
				"Je ne connais pas le profil « %s » : choisissez complet ou emploi, ou donnez la liste des compétences.", c.Profile)
		}
		if n == 0 { // stored, so reports list the profile's competences
			c.Competences, n = p.Competences, len(p.Competences)
		}
		if c.MaxQuestions != 0 && c.MaxQuestions < p.MinPerCompetence*n {
			return c, problem(fmt.Errorf("profile %s asks %d questions per competence: %d questions are too few", p.ID, p.MinPerCompetence, c.MaxQuestions),
				"Le profil %s pose au moins %d questions par compétence : il faut au moins %d questions.", p.NameFR, p.MinPerCompetence, p.MinPerCompetence*n)
		}
	}
	if n == 0 {
		n = len(engine.CompetenceIDs())
	}
	if c.MaxQuestions != 0 && (c.MaxQuestions < n || c.MaxQuestions > engine.MaxQuestionsLimit) {
		return c, problem(fmt.Errorf("maximum questions %d must be between %d (one per competence) and %d", c.MaxQuestions, n, engine.MaxQuestionsLimit),
			"Le nombre de questions doit aller de %d (une par compétence) à %d : changez `questions=%d`.", n, engine.MaxQuestionsLimit, c.MaxQuestions)
	}
	if err := checkStop(c); err != nil {
		return c, err
	}
	if err := CheckPaliers(c.Paliers); err != nil {
		return c, err
	}
	if err := CheckCallToAction(c.ResultText, c.ResultLink); err != nil {
		return c, err
	}
	if err := checkWebhook(c.WebhookURL); err != nil {
		return c, err
	}
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		c.WebhookSecret = newSecret()
	}
	c.HelpHours = strings.TrimSpace(c.HelpHours)
	if len([]rune(c.HelpHours)) > 80 {
		return c, errors.New("the help hours take at most 80 characters, for example \"le mardi et le jeudi, de 9 h à 17 h\"")
	}
	if !dialog.KnownExternalID(c.ExternalIDKind) {
		return c, fmt.Errorf("unknown identifier kind %q: use france_travail or mission_locale", c.ExternalIDKind)
	}
	c.CreatedAt = now
	for try := 0; try < 20; try++ {
		c.Code = NewCampaignCode(r)
		err := db.CreateCampaign(c)
		if errors.Is(err, storage.ErrExists) {
			continue
		}
		return c, err
	}
	return c, problem(errors.New("no free campaign code found after 20 tries"),
		"Je n'ai pas trouvé de code libre pour cette campagne. Réessayez dans un instant.")
}

// ArchiveCampaign closes a campaign: its code no longer joins learners.
func ArchiveCampaign(db *storage.DB, code string, now time.Time) (storage.Campaign, error) {
	c, ok, err := db.Campaign(code)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, errNoCampaign(code)
	}
	if c.ArchivedAt == nil {
		c.ArchivedAt = &now
	}
	return c, db.PutCampaign(c)
}

// checkStop checks a campaign's minimum: it counts only when the test stops
// once the levels are known, and it fits under the maximum.
func checkStop(c storage.Campaign) error {
	if c.MinQuestions == 0 {
		return nil
	}
	if !c.StopWhenKnown {
		return problem(errors.New("a minimum of questions needs the stop rule (stop when the level is known)"),
			"Le minimum de questions ne sert que si le test s'arrête quand le niveau est connu : ajoutez `arret=oui`, ou enlevez `min=`.")
	}
	most := c.MaxQuestions
	if p, ok := engine.ProfileByID(c.Profile); ok && most == 0 {
		most = p.MaxQuestions
	}
	if most == 0 {
		most = engine.DefaultMaxQuestions
	}
	if c.MinQuestions < 0 || c.MinQuestions > most {
		return problem(fmt.Errorf("minimum questions %d must be between 0 and the maximum (%d)", c.MinQuestions, most),
			"Le minimum de questions doit aller de 0 au maximum (%d) : changez `min=%d`.", most, c.MinQuestions)
	}
	return nil
}
