package attest

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Web fetches keys and status lists from an issuer's public address: the
// online check, as any verifier does it.
type Web struct {
	Client *http.Client // default: a client with a 10 s timeout
}

func (w Web) get(ctx context.Context, u, accept string) ([]byte, error) {
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("adresse %q invalide : %v", u, err)
	}
	req.Header.Set("Accept", accept)
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s injoignable : %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxToken+1))
	if err != nil {
		return nil, fmt.Errorf("lecture de %s interrompue : %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{URL: u, Status: resp.StatusCode}
	}
	return body, nil
}

// origin is scheme://host of a URL, "" if it is none.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// HTTPError is an answer other than 200.
type HTTPError struct {
	URL    string
	Status int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s répond %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// Key fetches the bare public JWK a kid URL returns.
func (w Web) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	body, err := w.get(ctx, kid, "application/jwk+json, application/json")
	if err != nil {
		return nil, fail("key", "la clé de signature ne se trouve pas à l'adresse indiquée (kid) : %v", err)
	}
	var k jose.JSONWebKey
	if err := json.Unmarshal(body, &k); err != nil {
		return nil, fail("key", "l'adresse de la clé (%s) ne renvoie pas une clé JWK", kid)
	}
	pub, ok := k.Key.(*rsa.PublicKey)
	if !ok || !k.IsPublic() {
		return nil, fail("key", "l'adresse de la clé (%s) ne renvoie pas une clé publique RSA", kid)
	}
	return pub, nil
}

// StatusList fetches a BitstringStatusListCredential, checks its signature
// by the issuer's keys, and returns its bits.
func (w Web) StatusList(ctx context.Context, listURL string) ([]byte, error) {
	body, err := w.get(ctx, listURL, "application/vc+jwt, application/jwt")
	if err != nil {
		return nil, err
	}
	return VerifyStatusList(ctx, w, listURL, string(body))
}

// VerifyStatusList checks a signed status list credential fetched from
// listURL and returns its bits.
func VerifyStatusList(ctx context.Context, keys KeySource, listURL, token string) ([]byte, error) {
	allow := func(kid string) error {
		if k, l := origin(kid), origin(listURL); k == "" || k != l {
			return fail("status", "la liste de statut est signée par une clé publiée ailleurs (%s)", kid)
		}
		return nil
	}
	_, payload, _, err := verifyJWS(ctx, keys, token, allow)
	if err != nil {
		return nil, err
	}
	var c StatusListCredential
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fail("status", "la liste de statut n'est pas un BitstringStatusListCredential lisible")
	}
	if !slices.Contains(c.Type, "BitstringStatusListCredential") || c.Subject.Type != "BitstringStatusList" {
		return nil, fail("status", "le document de %s n'est pas une liste de statut W3C", listURL)
	}
	if c.ID != listURL {
		return nil, fail("status", "la liste de statut se présente comme %s, pas comme %s", c.ID, listURL)
	}
	if c.Subject.StatusPurpose != "revocation" {
		return nil, fail("status", "la liste de statut sert à %q, pas à la révocation", c.Subject.StatusPurpose)
	}
	bits, err := DecodeList(c.Subject.EncodedList)
	if err != nil {
		return nil, fail("status", "%v", err)
	}
	return bits, nil
}

// JWKS is a key set fetched once from an issuer's /.well-known/jwks.json:
// only keys published there verify.
type JWKS struct{ set jose.JSONWebKeySet }

// FetchJWKS reads the key set of the public address base.
func (w Web) FetchJWKS(ctx context.Context, base string) (*JWKS, error) {
	u := strings.TrimRight(base, "/") + "/.well-known/jwks.json"
	body, err := w.get(ctx, u, "application/jwk-set+json, application/json")
	if err != nil {
		return nil, fail("key", "les clés de l'émetteur sont introuvables : %v", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) == 0 {
		return nil, fail("key", "%s ne renvoie pas un jeu de clés JWKS", u)
	}
	return &JWKS{set: set}, nil
}

// Key finds the key a kid names in the set.
func (j *JWKS) Key(_ context.Context, kid string) (*rsa.PublicKey, error) {
	for _, k := range j.set.Key(kid) {
		if pub, ok := k.Key.(*rsa.PublicKey); ok {
			return pub, nil
		}
	}
	return nil, fail("key", "la clé %s n'est pas parmi les clés publiées par l'émetteur", kid)
}
