package attest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// claims are the registered JWT claims OB 3.0 §8.2 asks for beside the
// credential: each mirrors a property of it.
type claims struct {
	Iss string `json:"iss"` // issuer.id
	Jti string `json:"jti"` // id
	Nbf int64  `json:"nbf"` // validFrom
	Sub string `json:"sub"` // credentialSubject.id
	Exp int64  `json:"exp,omitempty"`
}

// SignCredential signs c as a VC-JWT with the ring's newest key.
func SignCredential(c Credential, k Key, base string) (string, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	cl, err := claimsOf(c.Issuer.ID, c.ID, c.ValidFrom, c.ValidUntil, c.Subject.ID)
	if err != nil {
		return "", err
	}
	return sign(body, cl, k, base)
}

func claimsOf(iss, id, validFrom, validUntil, sub string) (claims, error) {
	from, err := time.Parse(time.RFC3339, validFrom)
	if err != nil {
		return claims{}, fmt.Errorf("attestation: validFrom %q is not a date-time: %w", validFrom, err)
	}
	cl := claims{Iss: iss, Jti: id, Nbf: from.Unix(), Sub: sub}
	if validUntil != "" {
		until, err := time.Parse(time.RFC3339, validUntil)
		if err != nil {
			return claims{}, fmt.Errorf("attestation: validUntil %q is not a date-time: %w", validUntil, err)
		}
		cl.Exp = until.Unix()
	}
	return cl, nil
}

// sign appends the claims to the credential's JSON object (the payload is
// the credential itself, not a "vc" claim) and signs it: header alg RS256,
// kid the URL of the key, typ JWT, and nothing else.
func sign(body []byte, cl claims, k Key, base string) (string, error) {
	extra, err := json.Marshal(cl)
	if err != nil {
		return "", err
	}
	body = bytes.TrimSpace(body)
	if len(body) < 2 || body[len(body)-1] != '}' {
		return "", fmt.Errorf("attestation: the credential is not a JSON object")
	}
	payload := append(append(body[:len(body)-1:len(body)-1], ','), extra[1:]...)
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), KeyURL(base, k.Thumbprint))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.Private}, opts)
	if err != nil {
		return "", fmt.Errorf("attestation: cannot sign: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("attestation: cannot sign: %w", err)
	}
	return jws.CompactSerialize()
}

// StatusListCredential is a W3C BitstringStatusListCredential.
type StatusListCredential struct {
	Context   []string          `json:"@context"`
	ID        string            `json:"id"`
	Type      []string          `json:"type"`
	Issuer    string            `json:"issuer"`
	ValidFrom string            `json:"validFrom"`
	Subject   StatusListSubject `json:"credentialSubject"`
}

// StatusListSubject holds the encoded bits.
type StatusListSubject struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

// SignStatusList signs status list n (bits: its bitstring) as a VC-JWT.
func SignStatusList(base, issuerID string, list uint32, bits []byte, at time.Time, k Key) (string, error) {
	enc, err := EncodeList(bits)
	if err != nil {
		return "", err
	}
	c := StatusListCredential{
		Context:   []string{ContextVC},
		ID:        StatusListURL(base, list),
		Type:      []string{"VerifiableCredential", "BitstringStatusListCredential"},
		Issuer:    issuerID,
		ValidFrom: at.UTC().Format(time.RFC3339),
		Subject: StatusListSubject{ID: StatusListURL(base, list) + "#list", Type: "BitstringStatusList",
			StatusPurpose: "revocation", EncodedList: enc},
	}
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	cl, err := claimsOf(c.Issuer, c.ID, c.ValidFrom, "", c.Subject.ID)
	if err != nil {
		return "", err
	}
	return sign(body, cl, k, base)
}
