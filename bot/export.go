package bot

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris even on a host (or container) without a zone database

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// The campaign's CSV export, for a French spreadsheet.

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
