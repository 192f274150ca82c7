// Package dialog is one learner's conversation: a finite-state machine over
// the stored session, the texts in French and English, and Step, which turns
// one input into the new session, the messages to send and the events
// advisors care about. It is pure: no I/O, no clock (time comes in Env).
package dialog

import (
	"time"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// InputKind is what a learner sent.
type InputKind string

const (
	InCommand InputKind = "command" // /start CODE, /aide …
	InButton  InputKind = "button"  // a pressed button, with its payload
	InText    InputKind = "text"    // free text
	InOther   InputKind = "other"   // sticker, voice note, photo, file …
	InTick    InputKind = "tick"    // the scheduler: the learner's follow-up is due
	InAdvisor InputKind = "advisor" // an advisor acted on the learner's help request (What: claim, resolve, reply)
)

// Input is one thing a learner sent, channel-neutral.
type Input struct {
	Kind      InputKind `json:"kind"`
	Command   string    `json:"command,omitempty"` // canonical name, see Commands
	Args      string    `json:"args,omitempty"`
	Data      string    `json:"data,omitempty"` // button payload
	Text      string    `json:"text,omitempty"`
	What      string    `json:"what,omitempty"`       // for InOther: "sticker", "voice" …
	FirstName string    `json:"first_name,omitempty"` // as the channel knows it
	Lang      string    `json:"lang,omitempty"`       // the app's language, a hint
	Advisor   string    `json:"advisor,omitempty"`    // InAdvisor: the advisor's Slack user id
	Ref       string    `json:"ref,omitempty"`        // InAdvisor: the help notification
}

// Campaign is what the dialog needs of a campaign. The caller looks it up
// (for /start CODE) before Step, so Step does no I/O.
type Campaign struct {
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	Competences  []string `json:"competences,omitempty"`
	Profile      string   `json:"profile,omitempty"` // engine profile, see engine.Profiles
	MaxQuestions int      `json:"max_questions,omitempty"`
	// StopWhenKnown: the engine's stop rule (engine.DefaultLevelMass), the
	// test ending once every level is known, not before MinQuestions.
	StopWhenKnown bool `json:"stop_when_known,omitempty"`
	MinQuestions  int  `json:"min_questions,omitempty"`
	Feedback      bool `json:"feedback,omitempty"`
	AskExternalID bool `json:"ask_external_id,omitempty"`
	PathLength    int  `json:"path_length,omitempty"` // follow-up lessons: 0 = default, -1 = none
	// HelpHours says when an advisor may answer ("" = DefaultHelpHours).
	HelpHours string `json:"help_hours,omitempty"`
	// ExternalIDKind is the identifier asked: "" or "france_travail", or
	// "mission_locale" (see ExternalIDs).
	ExternalIDKind string `json:"external_id_kind,omitempty"`
}

// Env is everything Step needs from outside, passed in.
type Env struct {
	Now      time.Time
	Engine   *engine.Engine
	Bank     *bank.Bank
	Campaign *Campaign // the campaign named by /start CODE, nil if none or unknown
	Random   uint64    // fresh randomness, for a new diagnostic's nonce and seed
	FollowUp FollowUp  // the follow-up schedule's settings
	// Lesson returns the micro-lesson of a skill in a language; nil = no
	// follow-up path is offered.
	Lesson func(competence, skill, lang string) (LessonView, bool)
	// NoAdvisor is true when no advisor can be reached (no Slack): help
	// then says so and gives a public helpline instead.
	NoAdvisor bool
	// Define returns the glossary's definition of a word a learner asked
	// about ("c koi un navigateur"), in lang; nil = no glossary.
	Define func(lang, word string) (term, text string, ok bool)
}

// Session is one learner's stored conversation state.
type Session struct {
	State       string        `json:"state"`
	Lang        string        `json:"lang"`
	FirstName   string        `json:"first_name,omitempty"`
	ConsentAt   *time.Time    `json:"consent_at,omitempty"`
	Campaign    *Campaign     `json:"campaign,omitempty"`
	Offer       *Campaign     `json:"offer,omitempty"` // a campaign's link opened during a diagnostic, waiting for the learner's yes
	ExternalID  string        `json:"external_id,omitempty"`
	Nonce       uint32        `json:"nonce,omitempty"`    // changes with every diagnostic
	Question    int           `json:"question,omitempty"` // number of the question being asked, from 1
	Selected    []int         `json:"selected,omitempty"` // ticked choices of a multiple-choice question
	Engine      *engine.State `json:"engine,omitempty"`
	Given       []Given       `json:"given,omitempty"` // what was answered, for the review
	Review      int           `json:"review,omitempty"`
	Return      string        `json:"return,omitempty"` // state to go back to after a pause, help or erase confirmation
	StartedAt   time.Time     `json:"started_at,omitzero"`
	FinishedAt  time.Time     `json:"finished_at,omitzero"`
	UpdatedAt   time.Time     `json:"updated_at,omitzero"`
	HelpPending bool          `json:"help_pending,omitempty"`
	HelpClaimed string        `json:"help_claimed,omitempty"` // the advisor who took the help request
	Path        *Path         `json:"path,omitempty"`         // the follow-up, once offered
	Misses      int           `json:"misses,omitempty"`       // texts not understood in a row
	// The attestation's name: asked (AttestAsk), then typed and waiting
	// for the learner's yes (AttestName).
	AttestAsk  bool   `json:"attest_ask,omitempty"`
	AttestName string `json:"attest_name,omitempty"`
	// PlacesAsk: the learner was asked their postcode, for places near them.
	PlacesAsk bool `json:"places_ask,omitempty"`
	// Reminders of an unfinished diagnostic: the next one's time, and how
	// many were sent since the learner's last message.
	NudgeAt time.Time `json:"nudge_at,omitzero"`
	Nudges  int       `json:"nudges,omitempty"`
}

// Given is an answer as the learner gave it.
type Given struct {
	Item     string `json:"item"`
	Response string `json:"response,omitempty"`
	Correct  bool   `json:"correct,omitempty"`
	Skipped  bool   `json:"skipped,omitempty"`
}

// OutputKind is what a channel is asked to show.
type OutputKind string

const (
	OutText     OutputKind = "text"     // a message, maybe with buttons
	OutQuestion OutputKind = "question" // a question with its answer buttons
	OutAnswered OutputKind = "answered" // a question was answered: show the answer, remove its buttons
	OutResults  OutputKind = "results"  // the levels, with a picture where the channel can
	OutExport   OutputKind = "export"   // everything stored about the learner, as a file (the caller fills Data)
	// OutAttestation asks the caller to issue the learner's attestation
	// (Attestation says what to attest) and to send its files (the caller
	// fills Files: the PDF, the PNG and the signed credential) with Text.
	OutAttestation OutputKind = "attestation"
)

// ButtonView is a button to show.
type ButtonView struct {
	Label string `json:"label"`
	Data  string `json:"data"`
}

// Output is one message for the learner, channel-neutral. Texts are plain
// (not escaped): each channel renders them its own way.
type Output struct {
	Kind     OutputKind     `json:"kind"`
	Lang     string         `json:"lang"`
	Text     string         `json:"text,omitempty"`
	Buttons  [][]ButtonView `json:"buttons,omitempty"`
	Question *QuestionView  `json:"question,omitempty"`
	Answered *AnsweredView  `json:"answered,omitempty"`
	Results  *ResultsView   `json:"results,omitempty"`
	File     []byte         `json:"file,omitempty"`      // OutExport: filled by the caller
	FileName string         `json:"file_name,omitempty"` // OutExport
	// OutAttestation: what to attest (from the dialog), then the files to
	// send (filled by the caller, who issues the attestation).
	Attestation *AttestationView `json:"attestation,omitempty"`
	Files       []OutFile        `json:"files,omitempty"`
	// OutPlaces: where to look (from the dialog); the caller fills Text.
	Places *PlacesView `json:"places,omitempty"`
}

// OutFile is a file to send to the learner.
type OutFile struct {
	Name string `json:"name"` // "attestation-diagbot.pdf"
	MIME string `json:"mime"` // "application/pdf", "image/png", "application/jwt"
	Data []byte `json:"data"`
}

// AttestationView is what a learner's attestation de positionnement says:
// the name they asked to print and the diagnostic it attests.
type AttestationView struct {
	Name       string        `json:"name"` // as the learner typed it, trimmed
	Result     engine.Result `json:"result"`
	Questions  int           `json:"questions"`
	Campaign   string        `json:"campaign,omitempty"` // the campaign's code
	FinishedAt time.Time     `json:"finished_at"`
}

// QuestionView is a question to ask.
type QuestionView struct {
	Session  uint32         `json:"session"`
	Number   int            `json:"number"`
	Item     string         `json:"item"`
	Header   string         `json:"header"` // "Question 7 · ▓▓▓░░░░░░░"
	Prompt   string         `json:"prompt"`
	Choices  []string       `json:"choices,omitempty"`
	Multiple bool           `json:"multiple,omitempty"`
	Selected []int          `json:"selected,omitempty"`
	TypeIn   bool           `json:"type_in,omitempty"` // a typed answer is expected
	Hint     string         `json:"hint,omitempty"`
	Image    string         `json:"image,omitempty"` // path in the bank
	Alt      string         `json:"alt,omitempty"`
	Buttons  [][]ButtonView `json:"buttons"`
	Refresh  bool           `json:"refresh,omitempty"` // the same question again with new ticks: edit in place
}

// AnsweredView says how question Number was answered.
type AnsweredView struct {
	Session uint32 `json:"session"`
	Number  int    `json:"number"`
	Text    string `json:"text"`
}

// ResultsView is a diagnostic's outcome, ready to show.
type ResultsView struct {
	Title       string           `json:"title"`
	Summary     string           `json:"summary"`
	Level       int              `json:"level"`
	Pix         int              `json:"pix"`
	PixMax      int              `json:"pix_max"`
	Questions   int              `json:"questions"`
	Competences []CompetenceView `json:"competences"`
	Train       []TrainView      `json:"train,omitempty"`
	TrainTitle  string           `json:"train_title,omitempty"`
	// Areas are the levels per area of the framework, in plain words, for
	// the picture (bars a weak reader can read). Empty in results stored
	// before them: the channel then draws the competences.
	Areas      []AreaView `json:"areas,omitempty"`
	ChartTitle string     `json:"chart_title,omitempty"`
}

// AreaView is one area's level, in plain words.
type AreaView struct {
	ID    int    `json:"id"`
	Plain string `json:"plain"` // "Se protéger"
	Name  string `json:"name"`  // the framework's name, "Protection et sécurité"
	Level int    `json:"level"` // the whole level 0–8 shown, the mean of its competences
	Band  string `json:"band"`  // its plain word: débutant, intermédiaire, avancé, expert
}

// CompetenceView is one competence's level.
type CompetenceView struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Plain     string  `json:"plain,omitempty"` // in plain words: "Se protéger en ligne"
	Short     string  `json:"short"`           // a short label, for charts
	Level     int     `json:"level"`
	LevelLow  int     `json:"level_low"`
	LevelHigh int     `json:"level_high"`
	Value     float64 `json:"value"` // continuous level 0–8, for charts
	Pix       int     `json:"pix"`
}

// TrainView is a skill to train, with the tips of the questions missed there.
type TrainView struct {
	Competence string   `json:"competence"`
	Name       string   `json:"name"`
	Can        string   `json:"can,omitempty"` // the skill in plain words, when the content has it
	Skill      string   `json:"skill"`
	Level      int      `json:"level"`
	Tips       []string `json:"tips,omitempty"`
}

// EventKind is what advisors are told about.
type EventKind string

const (
	EvStarted     EventKind = "started"
	EvFinished    EventKind = "finished"
	EvHelp        EventKind = "help"         // the learner asked for help
	EvHelpMessage EventKind = "help_message" // the learner wrote while help is open
	EvErased      EventKind = "erased"
	EvClaimed     EventKind = "claimed"  // an advisor took the help request (Advisor, Ref)
	EvResolved    EventKind = "resolved" // an advisor closed the help request (Advisor, Ref)
	EvDigest      EventKind = "digest"   // the weekly digest of a campaign (Digest)
)

// Event is something an advisor cares about.
type Event struct {
	Kind       EventKind      `json:"kind"`
	Campaign   string         `json:"campaign,omitempty"`
	ExternalID string         `json:"external_id,omitempty"`
	FirstName  string         `json:"first_name,omitempty"`
	Text       string         `json:"text,omitempty"`
	Question   int            `json:"question,omitempty"`
	Item       string         `json:"item,omitempty"`
	Progress   string         `json:"progress,omitempty"`
	Duration   time.Duration  `json:"duration,omitempty"`
	Result     *engine.Result `json:"result,omitempty"`
	Advisor    string         `json:"advisor,omitempty"` // Slack user id of the advisor who acted
	Ref        string         `json:"ref,omitempty"`     // the help notification as sent ("C123:1700000000.000100")
	Digest     *Digest        `json:"digest,omitempty"`
	// Palier is the campaign's stage a finished learner reached, for the
	// advisor: "Autonome pour ses démarches — proposer l'atelier CV". The
	// caller fills it (it knows the campaign).
	Palier string `json:"palier,omitempty"`
}

// Digest is a campaign's week, for its advisors: learners by their pseudonym
// (LearnerRef) or external id.
type Digest struct {
	Week     string   `json:"week"`     // ISO week, "2026-W48"
	Active   []string `json:"active"`   // answered something in the last 7 days
	Stopped  []string `json:"stopped"`  // stopped their path, or silent for 7 days
	Finished []string `json:"finished"` // finished their path this week
	Learners int      `json:"learners"` // in the campaign
}

// LearnerRef is a short pseudonym of a learner id ("A-7KQ2MXP4"), stable, shown
// to advisors when a learner gave no name or external id, and accepted by
// "apprenant" lookups. It reveals nothing of the chat id. Eight characters of
// 31 (8.5e11 values): among 100,000 learners a collision is unlikely (0.6 %).
func LearnerRef(learnerID string) string {
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(learnerID); i++ {
		h ^= uint64(learnerID[i])
		h *= 1099511628211
	}
	b := []byte("A-")
	for i := 0; i < 8; i++ {
		b = append(b, alphabet[h%uint64(len(alphabet))])
		h /= uint64(len(alphabet))
	}
	return string(b)
}

// Notification is the payload of an advisor notification in the outbox (the
// "slack" channel, kind "notify_" + the event kind). LearnerID is empty when
// the learner erased their data.
type Notification struct {
	Event     Event     `json:"event"`
	LearnerID string    `json:"learner_id"`
	At        time.Time `json:"at"`
}

// AnswerLog is one answer to append to the answer log.
type AnswerLog struct {
	Item     string `json:"item"`
	Correct  bool   `json:"correct"`
	Skipped  bool   `json:"skipped,omitempty"`
	Response string `json:"response,omitempty"` // the item's own indexes ("0,2") or the typed text
	Question int    `json:"question"`
	Order    string `json:"order,omitempty"` // the choices' indexes in the order shown ("2,0,1")
	Lang     string `json:"lang,omitempty"`  // the language the question was shown in
}

// Turn is the outcome of one Step.
type Turn struct {
	Session     Session     // the new session, to store
	Outputs     []Output    // messages to send, in order
	Events      []Event     // for advisors
	Answers     []AnswerLog // to append to the answer log
	Transitions []string    // "from>event>to", for logs and tests
	Erase       bool        // erase everything stored about the learner, then send Outputs
	// Unclear says the learner's text was not understood: the outputs only
	// remind what is asked. A caller may hold back such reminders when a
	// learner floods the chat.
	Unclear bool
}

var timeZero time.Time
