package attest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Error is a verification that failed, with a machine code and a sentence
// in French for the person verifying.
type Error struct {
	Code string // format, header, key, signature, claims, dates, status, revoked
	Msg  string
	Err  error // the cause, for the operator's log
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

func fail(code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// IsRevoked tells whether err says the credential was revoked.
func IsRevoked(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "revoked"
}

// KeySource finds the public key a kid names.
type KeySource interface {
	Key(ctx context.Context, kid string) (*rsa.PublicKey, error)
}

// Key finds a key of the ring by the thumbprint its kid ends with: the
// offline check against the key file.
func (r *KeyRing) Key(_ context.Context, kid string) (*rsa.PublicKey, error) {
	tp := kid[strings.LastIndex(kid, "/")+1:]
	k, ok := r.ByThumbprint(tp)
	if !ok {
		return nil, fail("key", "la clé %s n'est pas dans le fichier de clés %s : l'attestation n'a pas été signée par ce service", kid, r.path)
	}
	return &k.Private.PublicKey, nil
}

// Verifier checks a VC-JWT as OB 3.0 §8.2 asks.
type Verifier struct {
	Keys KeySource
	// Status fetches and verifies a status list credential and returns its
	// bits; nil checks no status (offline).
	Status func(ctx context.Context, listURL string) ([]byte, error)
	// Trust, if set, is the public address the issuer must be under.
	Trust string
	Now   func() time.Time
}

// Verified is a credential that passed.
type Verified struct {
	Credential Credential
	Header     map[string]any
	Payload    map[string]any
	// StatusChecked is false when no status source was given (offline).
	StatusChecked bool
}

// maxToken bounds what Verify reads: an attestation is 50 KB at most.
const maxToken = 1 << 20

// Verify checks token: its form, its header, its signature by the key its
// kid names, the claims against the credential, its dates and, when a
// status source is given, that it is not revoked.
func (v Verifier) Verify(ctx context.Context, token string) (*Verified, error) {
	// A key is fetched only from the trusted address: the kid comes from
	// a token not verified yet.
	allow := func(kid string) error {
		if v.Trust != "" && !strings.HasPrefix(kid, strings.TrimSuffix(v.Trust, "/")+"/") {
			return fail("key", "la clé de signature (%s) n'est pas publiée par %s", kid, v.Trust)
		}
		return nil
	}
	header, payload, kid, err := verifyJWS(ctx, v.Keys, token, allow)
	if err != nil {
		return nil, err
	}
	out := &Verified{Header: header}
	if err := checkCredential(payload, out, kid, v.Trust); err != nil {
		return nil, err
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if err := checkDates(out.Payload, now); err != nil {
		return nil, err
	}
	if v.Status != nil && out.Credential.CredentialStatus != nil {
		if err := checkStatus(ctx, v.Status, out.Credential); err != nil {
			return nil, err
		}
		out.StatusChecked = true
	}
	return out, nil
}

// verifyJWS checks the header and the signature of a compact JWS and
// returns its header, its payload and the kid. allow vets the kid before
// any key is looked up.
func verifyJWS(ctx context.Context, keys KeySource, token string, allow func(kid string) error) (map[string]any, []byte, string, error) {
	token = strings.TrimSpace(token)
	header, payload, err := parseCompact(token)
	if err != nil {
		return nil, nil, "", err
	}
	kid, _ := header["kid"].(string)
	if err := allow(kid); err != nil {
		return nil, nil, "", err
	}
	pub, err := keys.Key(ctx, kid)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, nil, "", e
		}
		return nil, nil, "", &Error{Code: "key", Msg: fmt.Sprintf("la clé de signature %s est introuvable : %v", kid, err), Err: err}
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, nil, "", &Error{Code: "format", Msg: "le fichier n'est pas un JWT signé lisible", Err: err}
	}
	if _, err := jws.Verify(pub); err != nil {
		return nil, nil, "", &Error{Code: "signature", Msg: "la signature ne correspond pas : le fichier a été modifié, ou il n'a pas été signé par cette clé", Err: err}
	}
	return header, payload, kid, nil
}

// parseCompact splits a compact JWS and reads its header, which must hold
// exactly alg RS256, kid and typ JWT.
func parseCompact(token string) (map[string]any, []byte, error) {
	if len(token) > maxToken {
		return nil, nil, fail("format", "le fichier est trop grand pour être une attestation (%d octets)", len(token))
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, fail("format", "le fichier n'est pas un JWT : il faut trois parties séparées par des points, il y en a %d", len(parts))
	}
	for _, p := range parts {
		// Strict: a part whose spare bits are set decodes to the same
		// bytes, and would make a second valid spelling of one token.
		if b, err := base64.RawURLEncoding.DecodeString(p); err != nil || base64.RawURLEncoding.EncodeToString(b) != p {
			return nil, nil, fail("format", "le JWT contient une partie qui n'est pas du base64url valide")
		}
	}
	rawHeader, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, nil, fail("format", "l'en-tête du JWT n'est pas du base64url valide")
	}
	var header map[string]any
	if err := json.Unmarshal(rawHeader, &header); err != nil || header == nil {
		return nil, nil, fail("header", "l'en-tête du JWT n'est pas un objet JSON")
	}
	var names []string
	for k := range header {
		names = append(names, k)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"alg", "kid", "typ"}) {
		return nil, nil, fail("header", "l'en-tête du JWT doit contenir exactement alg, kid et typ (Open Badges 3.0 §8.2), il contient : %s", strings.Join(names, ", "))
	}
	if header["alg"] != "RS256" {
		return nil, nil, fail("header", "l'algorithme %v n'est pas accepté : RS256 attendu", header["alg"])
	}
	if header["typ"] != "JWT" {
		return nil, nil, fail("header", "le type %v n'est pas accepté : JWT attendu", header["typ"])
	}
	if kid, ok := header["kid"].(string); !ok || kid == "" {
		return nil, nil, fail("header", "l'en-tête ne nomme pas la clé de signature (kid)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, nil, fail("format", "le contenu du JWT n'est pas du base64url valide")
	}
	return header, payload, nil
}

// checkCredential reads the payload as an OpenBadgeCredential and checks
// the claims mirror it.
func checkCredential(payload []byte, out *Verified, kid, trust string) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&out.Payload); err != nil || out.Payload == nil {
		return fail("format", "le contenu du JWT n'est pas un objet JSON")
	}
	if _, wrapped := out.Payload["vc"]; wrapped {
		return fail("claims", "le contenu enveloppe l'attestation dans « vc » (ancien format VC 1.1) : Open Badges 3.0 demande l'attestation elle-même")
	}
	if err := json.Unmarshal(payload, &out.Credential); err != nil {
		return &Error{Code: "claims", Msg: "le contenu n'a pas la forme d'une attestation Open Badges 3.0", Err: err}
	}
	c := out.Credential
	if len(c.Context) < 2 || c.Context[0] != ContextVC || !strings.HasPrefix(c.Context[1], "https://purl.imsglobal.org/spec/ob/v3p0/context") {
		return fail("claims", "le contexte (@context) n'est pas celui des Verifiable Credentials 2.0 et d'Open Badges 3.0")
	}
	if !slices.Contains(c.Type, "VerifiableCredential") || !slices.Contains(c.Type, "OpenBadgeCredential") && !slices.Contains(c.Type, "AchievementCredential") {
		return fail("claims", "le type n'est pas OpenBadgeCredential")
	}
	str := func(name string) string { s, _ := out.Payload[name].(string); return s }
	for _, m := range [][3]string{{"iss", str("iss"), c.Issuer.ID}, {"jti", str("jti"), c.ID}, {"sub", str("sub"), c.Subject.ID}} {
		if m[1] == "" || m[1] != m[2] {
			return fail("claims", "la revendication %s (%q) ne correspond pas à l'attestation (%q)", m[0], m[1], m[2])
		}
	}
	from, err := time.Parse(time.RFC3339, c.ValidFrom)
	if err != nil {
		return fail("claims", "la date de début de validité (validFrom) est illisible")
	}
	if n, ok := number(out.Payload["nbf"]); !ok || n != from.Unix() {
		return fail("claims", "la revendication nbf ne correspond pas à validFrom")
	}
	exp, hasExp := out.Payload["exp"]
	switch {
	case c.ValidUntil == "" && hasExp:
		return fail("claims", "la revendication exp est présente sans validUntil")
	case c.ValidUntil != "":
		until, err := time.Parse(time.RFC3339, c.ValidUntil)
		if n, ok := number(exp); err != nil || !ok || n != until.Unix() {
			return fail("claims", "la revendication exp ne correspond pas à validUntil")
		}
	}
	iss, err := url.Parse(c.Issuer.ID)
	if err != nil || iss.Host == "" {
		return fail("claims", "l'émetteur (%q) n'est pas une adresse web", c.Issuer.ID)
	}
	k, err := url.Parse(kid)
	if err != nil || k.Scheme != iss.Scheme || k.Host != iss.Host {
		return fail("key", "la clé de signature (%s) n'est pas publiée à l'adresse de l'émetteur (%s)", kid, c.Issuer.ID)
	}
	if trust != "" && !strings.HasPrefix(c.Issuer.ID, strings.TrimSuffix(trust, "/")+"/") {
		return fail("claims", "l'attestation a été émise par %s, pas par %s", c.Issuer.ID, trust)
	}
	return nil
}

func number(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// skew is the clock difference tolerated between issuer and verifier.
const skew = 5 * time.Minute

func checkDates(p map[string]any, now time.Time) error {
	if nbf, _ := number(p["nbf"]); now.Add(skew).Unix() < nbf {
		return fail("dates", "l'attestation n'est valable qu'à partir du %s", time.Unix(nbf, 0).In(paris).Format("02/01/2006 15:04"))
	}
	if exp, ok := number(p["exp"]); ok && now.Add(-skew).Unix() >= exp {
		return fail("dates", "l'attestation a expiré le %s", time.Unix(exp, 0).In(paris).Format("02/01/2006"))
	}
	return nil
}

func checkStatus(ctx context.Context, fetch func(context.Context, string) ([]byte, error), c Credential) error {
	s := c.CredentialStatus
	if s.Type != "BitstringStatusListEntry" || s.StatusPurpose != "revocation" {
		return fail("status", "le statut (%s, %s) n'est pas une entrée de liste de révocation W3C", s.Type, s.StatusPurpose)
	}
	idx, err := strconv.ParseUint(s.StatusListIndex, 10, 32)
	if err != nil {
		return fail("status", "l'index de statut %q n'est pas un nombre", s.StatusListIndex)
	}
	lu, err := url.Parse(s.StatusListCredential)
	iss, _ := url.Parse(c.Issuer.ID)
	if err != nil || lu.Host != iss.Host || lu.Scheme != iss.Scheme {
		return fail("status", "la liste de statut (%s) n'est pas publiée par l'émetteur", s.StatusListCredential)
	}
	bits, err := fetch(ctx, s.StatusListCredential)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return &Error{Code: "status", Msg: "la liste de révocation n'a pas pu être vérifiée : " + e.Msg, Err: err}
		}
		return &Error{Code: "status", Msg: fmt.Sprintf("la liste de révocation (%s) est injoignable : %v", s.StatusListCredential, err), Err: err}
	}
	if int(idx/8) >= len(bits) {
		return fail("status", "l'index de statut %d dépasse la liste (%d entrées)", idx, len(bits)*8)
	}
	if Bit(bits, uint32(idx)) {
		return fail("revoked", "l'attestation a été révoquée par son émetteur")
	}
	return nil
}
