package attest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// KeyBits is the size of the RSA keys diagbot creates. RS256 needs 2048 at
// least; 3072 keeps the keys sound past 2030 (ANSSI, NIST SP 800-57).
const KeyBits = 3072

// keyFileMode: the file holds private keys; only the owner may read it.
const keyFileMode = 0o600

// KeyPath is where the signing keys of a database file live: beside it,
// "diagbot.db" → "diagbot-attestation-keys.json".
func KeyPath(dbPath string) string {
	return strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + "-attestation-keys.json"
}

// Key is one signing key. Its kid is the public URL's /keys/ followed by
// its JWK thumbprint (RFC 7638), so it never changes with the key's order.
type Key struct {
	Thumbprint string
	Created    time.Time
	Private    *rsa.PrivateKey
}

// Public returns the bare public JWK of the key, with kid and use.
func (k Key) Public(base string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.Private.PublicKey, KeyID: KeyURL(base, k.Thumbprint), Algorithm: "RS256", Use: "sig"}
}

// KeyURL is the kid of a key: the URL that returns its bare public JWK.
func KeyURL(base, thumbprint string) string { return base + "/keys/" + thumbprint }

// KeyRing is the signing keys, newest last: the newest signs, every one
// stays served so attestations signed before a rotation still verify.
type KeyRing struct {
	path string
	mu   sync.RWMutex
	keys []Key

	lazy     func() error // LazyKeys: opens the file at first use
	lazyOnce sync.Once
	lazyErr  error
}

// LazyKeys is a ring whose file is read, or created, only when a key is
// first needed (Ready): a terminal try-out pays for a new RSA key (a second
// or two) only if the learner asks for an attestation.
func LazyKeys(path string, bits int, created func()) *KeyRing {
	r := &KeyRing{path: path}
	r.lazy = func() error {
		opened, made, err := OpenKeys(path, bits)
		if err != nil {
			return err
		}
		r.mu.Lock()
		r.keys = opened.keys
		r.mu.Unlock()
		if made && created != nil {
			created()
		}
		return nil
	}
	return r
}

// Ready opens a lazy ring's file; a ring from OpenKeys is always ready.
func (r *KeyRing) Ready() error {
	if r.lazy == nil {
		return nil
	}
	r.lazyOnce.Do(func() { r.lazyErr = r.lazy() })
	return r.lazyErr
}

type keyFile struct {
	Note string      `json:"note"`
	Keys []keyRecord `json:"keys"`
}

type keyRecord struct {
	Created time.Time `json:"created"`
	PKCS8   string    `json:"pkcs8"` // base64 of the DER
}

// OpenKeys reads the key file at path, creating it with one new key of bits
// (KeyBits when 0) when there is none. A file readable by others is refused:
// anyone who can read it can sign attestations in the issuer's name.
func OpenKeys(path string, bits int) (*KeyRing, bool, error) {
	r := &KeyRing{path: path}
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		if _, err := r.Rotate(bits); err != nil {
			return nil, false, err
		}
		return r, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("attestation keys: cannot read %s: %w", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("attestation keys: %s can be read by other users (mode %o): run chmod 600 %s, and rotate the key (diagbot attestation rotate-key) if someone else may have read it",
			path, fi.Mode().Perm(), path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("attestation keys: cannot read %s: %w", path, err)
	}
	var f keyFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, false, fmt.Errorf("attestation keys: %s is not a diagbot key file (%v): restore it from a backup", path, err)
	}
	for i, rec := range f.Keys {
		der, err := base64.StdEncoding.DecodeString(rec.PKCS8)
		if err != nil {
			return nil, false, fmt.Errorf("attestation keys: key %d of %s is damaged: restore the file from a backup", i+1, path)
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		priv, ok := k.(*rsa.PrivateKey)
		if err != nil || !ok {
			return nil, false, fmt.Errorf("attestation keys: key %d of %s is not an RSA private key: restore the file from a backup", i+1, path)
		}
		key, err := newKey(priv, rec.Created)
		if err != nil {
			return nil, false, err
		}
		r.keys = append(r.keys, key)
	}
	if len(r.keys) == 0 {
		return nil, false, fmt.Errorf("attestation keys: %s holds no key: delete it to have a new one made (attestations signed before will no longer verify) or restore it from a backup", path)
	}
	return r, false, nil
}

// Path returns the key file's path.
func (r *KeyRing) Path() string { return r.path }

func newKey(priv *rsa.PrivateKey, created time.Time) (Key, error) {
	if priv.N.BitLen() < 2048 {
		return Key{}, fmt.Errorf("attestation keys: an RSA key of %d bits is too short for RS256 (2048 at least): rotate the key", priv.N.BitLen())
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return Key{}, fmt.Errorf("attestation keys: thumbprint: %w", err)
	}
	return Key{Thumbprint: base64.RawURLEncoding.EncodeToString(tp), Created: created, Private: priv}, nil
}

// Rotate makes a new key of bits (KeyBits when 0), which signs from now on;
// the older ones stay in the file and on the public address. The file is
// written to a temporary file and renamed, so it is never half written.
func (r *KeyRing) Rotate(bits int) (Key, error) {
	if bits == 0 {
		bits = KeyBits
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return Key{}, fmt.Errorf("attestation keys: cannot make a key: %w", err)
	}
	key, err := newKey(priv, time.Now().UTC().Truncate(time.Second))
	if err != nil {
		return Key{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := append(append([]Key(nil), r.keys...), key)
	if err := writeKeys(r.path, keys); err != nil {
		return Key{}, err
	}
	r.keys = keys
	return key, nil
}

func writeKeys(path string, keys []Key) error {
	f := keyFile{Note: "diagbot's attestation signing keys, newest last. Keep this file secret (mode 600) and back it up with the database: without it, issued attestations can no longer be verified."}
	for _, k := range keys {
		der, err := x509.MarshalPKCS8PrivateKey(k.Private)
		if err != nil {
			return err
		}
		f.Keys = append(f.Keys, keyRecord{Created: k.Created, PKCS8: base64.StdEncoding.EncodeToString(der)})
	}
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("attestation keys: cannot create the directory of %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, keyFileMode); err != nil {
		return fmt.Errorf("attestation keys: cannot write %s (check the directory is writable): %w", tmp, err)
	}
	if err := os.Chmod(tmp, keyFileMode); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("attestation keys: cannot rename %s to %s: %w", tmp, path, err)
	}
	return nil
}

// Signing returns the key that signs: the newest.
func (r *KeyRing) Signing() Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.keys[len(r.keys)-1]
}

// Keys returns every key, oldest first.
func (r *KeyRing) Keys() []Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]Key(nil), r.keys...)
}

// ByThumbprint finds a key.
func (r *KeyRing) ByThumbprint(tp string) (Key, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, k := range r.keys {
		if k.Thumbprint == tp {
			return k, true
		}
	}
	return Key{}, false
}

// JWKS is every public key as a JSON Web Key Set.
func (r *KeyRing) JWKS(base string) jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range r.Keys() {
		set.Keys = append(set.Keys, k.Public(base))
	}
	return set
}

// OpenKeysReadOnly reads the key file at path and never creates one: for
// verifying, a missing file is an error.
func OpenKeysReadOnly(path string) (*KeyRing, bool, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("attestation keys: there is no key file at %s: this database issued no attestation, or it is elsewhere (give --db)", path)
	}
	return OpenKeys(path, 0)
}
