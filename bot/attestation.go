package bot

import (
	"fmt"
	"time"

	"github.com/diagbot/diagbot/bot/attest"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// attestationUnavailable is what a learner reads when the bot issues no
// attestations (no public address configured).
var attestationUnavailable = map[string]string{
	"fr": "L'attestation n'est pas disponible sur ce service pour l'instant. Votre conseiller·e peut vous en dire plus.",
	"en": "The certificate of assessment is not available on this service yet. Your advisor can tell you more.",
}

// attestation issues the attestation an OutAttestation asks for: it
// reserves a code and a status index, signs the credential with the
// learner's subject id, and fills the output's files. The caller stores the
// returned record in the turn's transaction, with the outbox message that
// carries the files: the learner gets them if and only if the attestation
// is on record, verifiable.
func (b *Bot) attestation(learnerID string, o *dialog.Output, now time.Time) (*storage.IssuedAttestation, error) {
	if b.cfg.Attest == nil {
		b.cfg.Log.Warn().Msg("a learner asked for an attestation, but no public address is set (DIAGBOT_PUBLIC_URL): they were told it is not available")
		text, ok := attestationUnavailable[o.Lang]
		if !ok {
			text = attestationUnavailable["fr"]
		}
		*o = dialog.Output{Kind: dialog.OutText, Lang: o.Lang, Text: text}
		return nil, nil
	}
	if o.Attestation == nil {
		return nil, fmt.Errorf("the dialog asked for an attestation without saying what it attests (Output.Attestation is nil)")
	}
	subject, ok, err := b.cfg.DB.AttestationSubject(learnerID)
	if err != nil {
		return nil, err
	}
	if !ok {
		subject = attest.NewSubject()
	}
	slot, err := b.cfg.DB.ReserveAttestation()
	if err != nil {
		return nil, err
	}
	is, err := b.cfg.Attest.Issue(*o.Attestation, slot, subject, now)
	if err != nil {
		return nil, err
	}
	o.Files = is.Files
	b.cfg.Log.Info().Msg("attestation issued")
	return &storage.IssuedAttestation{Slot: slot, Subject: subject, JWT: is.JWT, IssuedAt: now}, nil
}
