// Package attesttest verifies attestations the way another party would:
// with lestrrat-go/jwx (not go-jose, which signs them) and nothing of
// package attest. Tests use it; the diagbot binary does not.
package attesttest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Verify checks an attestation the way another verifier would,
// with lestrrat-go/jwx (not go-jose, which signed it) and nothing of this
// package: the header holds exactly alg RS256, kid and typ JWT; the kid URL
// returns the bare JWK that verifies the signature, and that key is in the
// issuer's JWKS; the claims mirror the credential; the status list, itself
// a signed credential, does not have the credential's bit set.
func Verify(jwksURL, token string) (map[string]any, error) {
	msg, err := jws.Parse([]byte(token))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if len(msg.Signatures()) != 1 {
		return nil, fmt.Errorf("%d signatures", len(msg.Signatures()))
	}
	h := msg.Signatures()[0].ProtectedHeaders()
	keys := h.Keys()
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"alg", "kid", "typ"}) {
		return nil, fmt.Errorf("header members %v, want alg kid typ", keys)
	}
	if alg, _ := h.Algorithm(); alg != jwa.RS256() {
		return nil, fmt.Errorf("alg %v", alg)
	}
	if typ, _ := h.Type(); typ != "JWT" {
		return nil, fmt.Errorf("typ %q", typ)
	}
	kid, _ := h.KeyID()
	payload, err := verifyBy(kid, token)
	if err != nil {
		return nil, err
	}
	set, err := jwk.Fetch(context.Background(), jwksURL)
	if err != nil {
		return nil, fmt.Errorf("fetch the JWKS: %w", err)
	}
	if _, err := jws.Verify([]byte(token), jws.WithKeySet(set, jws.WithRequireKid(true))); err != nil {
		return nil, fmt.Errorf("verify against the JWKS: %w", err)
	}
	var c map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, err
	}
	issuer, _ := c["issuer"].(map[string]any)
	subject, _ := c["credentialSubject"].(map[string]any)
	nbf, _ := c["nbf"].(json.Number)
	for _, m := range [][2]any{{c["iss"], issuer["id"]}, {c["jti"], c["id"]}, {c["sub"], subject["id"]}, {nbf.String(), unix(c["validFrom"])}} {
		if m[0] == nil || m[0] != m[1] {
			return nil, fmt.Errorf("claim %v does not mirror %v", m[0], m[1])
		}
	}
	if _, ok := c["exp"]; ok != (c["validUntil"] != nil) {
		return nil, fmt.Errorf("exp without validUntil")
	}
	st, _ := c["credentialStatus"].(map[string]any)
	if st["type"] != "BitstringStatusListEntry" || st["statusPurpose"] != "revocation" {
		return nil, fmt.Errorf("status %v", st)
	}
	idx, err := strconv.Atoi(st["statusListIndex"].(string))
	if err != nil {
		return nil, err
	}
	bits, err := fetchStatusBits(st["statusListCredential"].(string))
	if err != nil {
		return nil, err
	}
	if bits[idx/8]&(1<<(7-idx%8)) != 0 {
		return nil, fmt.Errorf("revoked")
	}
	return c, nil
}

func unix(v any) string {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return "bad validFrom"
	}
	return strconv.FormatInt(t.Unix(), 10)
}

// verifyBy fetches the bare JWK at the kid URL and verifies token with it.
func verifyBy(kid, token string) ([]byte, error) {
	body, err := fetch(kid)
	if err != nil {
		return nil, fmt.Errorf("the kid does not resolve: %w", err)
	}
	key, err := jwk.ParseKey(body)
	if err != nil {
		return nil, fmt.Errorf("the kid URL returns no bare JWK: %w", err)
	}
	payload, err := jws.Verify([]byte(token), jws.WithKey(jwa.RS256(), key))
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	return payload, nil
}

func fetchStatusBits(url string) ([]byte, error) {
	token, err := fetch(url)
	if err != nil {
		return nil, err
	}
	msg, err := jws.Parse(token)
	if err != nil {
		return nil, err
	}
	kid, _ := msg.Signatures()[0].ProtectedHeaders().KeyID()
	payload, err := verifyBy(kid, string(token))
	if err != nil {
		return nil, fmt.Errorf("status list: %w", err)
	}
	var sl struct {
		Type    []string `json:"type"`
		Subject struct {
			Type, StatusPurpose, EncodedList string
		} `json:"credentialSubject"`
	}
	if err := json.Unmarshal(payload, &sl); err != nil {
		return nil, err
	}
	if !slices.Contains(sl.Type, "BitstringStatusListCredential") || sl.Subject.Type != "BitstringStatusList" || sl.Subject.StatusPurpose != "revocation" {
		return nil, fmt.Errorf("not a revocation status list: %+v", sl)
	}
	enc, ok := strings.CutPrefix(sl.Subject.EncodedList, "u")
	if !ok {
		return nil, fmt.Errorf("encodedList is not multibase base64url")
	}
	z, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	bits, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	if len(bits) < 16384 {
		return nil, fmt.Errorf("status list of %d bytes, under 16 KiB", len(bits))
	}
	return bits, nil
}

func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}
