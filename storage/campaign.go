package storage

import (
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Campaign is an advisor's group session: the code learners type (or scan) and
// the settings of their diagnostic. Other packages give the fields meaning.
type Campaign struct {
	Code         string   `json:"code"` // e.g. "QWERTY789", stored upper case
	Name         string   `json:"name"`
	Competences  []string `json:"competences,omitempty"` // empty = all 16
	Profile      string   `json:"profile,omitempty"`     // engine profile ("complet", "emploi"); empty = the competences above
	MaxQuestions int      `json:"max_questions,omitempty"`
	// StopWhenKnown turns the engine's stop rule on: a competence stops
	// being asked once its level is known, and the test may end before
	// MaxQuestions, not before MinQuestions.
	StopWhenKnown bool   `json:"stop_when_known,omitempty"`
	MinQuestions  int    `json:"min_questions,omitempty"`
	Feedback      bool   `json:"feedback,omitempty"` // immediate right/wrong
	AskExternalID bool   `json:"ask_external_id,omitempty"`
	SlackChannel  string `json:"slack_channel,omitempty"`
	PathLength    int    `json:"path_length,omitempty"` // follow-up lessons after the diagnostic: 0 = default (5), -1 = none
	Owner         string `json:"owner,omitempty"`
	// HelpHours says when an advisor may answer a help request ("le mardi
	// et le jeudi, de 9 h à 17 h"); "" = "sous 2 jours ouvrés".
	HelpHours string `json:"help_hours,omitempty"`
	// ExternalIDKind is the identifier asked when AskExternalID: ""
	// (France Travail) or "mission_locale" (the Mission Locale's file number).
	ExternalIDKind string     `json:"external_id_kind,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	ArchivedAt     *time.Time `json:"archived_at,omitempty"`
	// Paliers are the stages a finished learner reaches (empty: the
	// defaults, bot.DefaultPaliers), lowest first.
	Paliers []Palier `json:"paliers,omitempty"`
	// ResultText and ResultLink are the campaign's call to action, shown
	// with the results (book an appointment, sign up to a workshop).
	ResultText string `json:"result_text,omitempty"`
	ResultLink *Link  `json:"result_link,omitempty"`
	// WebhookURL receives the campaign's events (started, finished, palier,
	// path_done) as JSON signed with WebhookSecret (HMAC-SHA256).
	WebhookURL    string `json:"webhook_url,omitempty"`
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

// Palier is a stage of a campaign, as Pix Orga's "paliers": reached with a
// global level of at least MinLevel. Title and Advice are for the advisor
// ("Autonome pour ses démarches" — "proposer l'atelier CV"), Message for the
// learner.
type Palier struct {
	MinLevel int    `json:"min_level"`
	Title    string `json:"title"`
	Advice   string `json:"advice,omitempty"`
	Message  string `json:"message,omitempty"`
}

// Link is a button: its label and its https address.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// PutCampaign creates or replaces the campaign with c.Code (case-insensitive).
// A zero CreatedAt keeps the stored one, or takes now for a new campaign.
func (db *DB) PutCampaign(c Campaign) error {
	return db.putCampaign(c, false)
}

// CreateCampaign stores a new campaign and fails with ErrExists if the code is
// taken; the check and the write are one transaction, so two advisors cannot
// both get the same code.
func (db *DB) CreateCampaign(c Campaign) error {
	return db.putCampaign(c, true)
}

func (db *DB) putCampaign(c Campaign, create bool) error {
	c.Code = normCode(c.Code)
	if err := checkID("campaign code", c.Code); err != nil {
		return err
	}
	now := db.now()
	return db.update(fmt.Sprintf("store campaign %q", c.Code), func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketCampaigns)
		if v := b.Get([]byte(c.Code)); v != nil {
			if create {
				return fail("storage: campaign code %q is already taken in %s: choose another code: %w", c.Code, db.path, ErrExists)
			}
			if c.CreatedAt.IsZero() {
				var old Campaign
				if err := json.Unmarshal(v, &old); err == nil {
					c.CreatedAt = old.CreatedAt
				}
			}
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		v, err := json.Marshal(c)
		if err != nil {
			return err
		}
		return b.Put([]byte(c.Code), v)
	})
}

// Campaign returns the campaign with code, whatever its case; ok is false if
// there is none.
func (db *DB) Campaign(code string) (Campaign, bool, error) {
	var (
		c  Campaign
		ok bool
	)
	code = normCode(code)
	err := db.view(fmt.Sprintf("read campaign %q", code), func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketCampaigns).Get([]byte(code))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &c)
	})
	return c, ok, err
}

// Campaigns returns every campaign, archived ones included, by code.
func (db *DB) Campaigns() ([]Campaign, error) {
	var out []Campaign
	err := db.view("list campaigns", func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCampaigns).ForEach(func(k, v []byte) error {
			var c Campaign
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode campaign %q: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

// CampaignLearners returns the ids of the learners who joined the campaign, in
// id order, from the index kept by CommitTurn.
func (db *DB) CampaignLearners(code string) ([]string, error) {
	code = normCode(code)
	var out []string
	err := db.view(fmt.Sprintf("list the learners of campaign %q", code), func(tx *bbolt.Tx) error {
		p := prefix(code)
		return forPrefix(tx.Bucket(bucketCampaignLearners), p, func(k, _ []byte) error {
			out = append(out, string(k[len(p):]))
			return nil
		})
	})
	return out, err
}
