package attest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/storage"
)

// Server is the public address: what anyone may fetch to verify an
// attestation. It serves
//
//	/                       a form to type a code
//	/v/CODE                 the verification page (HTML, French)
//	/v/CODE.jwt             the signed credential (gone once revoked)
//	/issuer                 the issuer profile (JSON)
//	/keys/THUMBPRINT        one public key, a bare JWK (the kid URLs)
//	/.well-known/jwks.json  every public key
//	/status/N               status list N, a signed BitstringStatusListCredential
//	/referentiel            the rubric the credentials refer to (JSON)
type Server struct {
	DB     *storage.DB
	Issuer *Issuer
	Log    zerolog.Logger
	Now    func() time.Time // default time.Now

	mu    sync.Mutex
	lists map[uint32]signedList
}

// signedList is a status list credential signed once and served until its
// bits or the signing key change, or it is a day old.
type signedList struct {
	sum   [32]byte
	kid   string
	at    time.Time
	token string
}

// statusMaxAge is how long a signed status list is served before it is
// signed again; verifiers may cache it as long.
const statusMaxAge = time.Hour

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ServeHTTP routes the public address.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "GET seulement", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*") // verifiers in a browser fetch these
	p := r.URL.Path
	switch {
	case p == "/":
		if code := r.URL.Query().Get("code"); code != "" {
			http.Redirect(w, r, "/v/"+NormalizeCode(code), http.StatusSeeOther)
			return
		}
		s.page(w, http.StatusOK, pageData{State: "form"})
	case strings.HasPrefix(p, "/v/") && strings.HasSuffix(p, ".jwt"):
		s.credential(w, NormalizeCode(strings.TrimSuffix(strings.TrimPrefix(p, "/v/"), ".jwt")))
	case strings.HasPrefix(p, "/v/"):
		s.verifyPage(w, NormalizeCode(strings.TrimPrefix(p, "/v/")))
	case p == "/issuer":
		s.json(w, "application/json", struct {
			Context []string `json:"@context"`
			Profile
		}{[]string{ContextVC, ContextOB}, s.Issuer.Profile()})
	case p == "/.well-known/jwks.json":
		s.json(w, "application/jwk-set+json", s.Issuer.Keys.JWKS(s.Issuer.Settings.PublicURL))
	case strings.HasPrefix(p, "/keys/"):
		k, ok := s.Issuer.Keys.ByThumbprint(strings.TrimPrefix(p, "/keys/"))
		if !ok {
			http.Error(w, "clé inconnue", http.StatusNotFound)
			return
		}
		s.json(w, "application/jwk+json", k.Public(s.Issuer.Settings.PublicURL))
	case strings.HasPrefix(p, "/status/"):
		s.statusList(w, strings.TrimPrefix(p, "/status/"))
	case p == "/referentiel":
		s.json(w, "application/json", ResultDescriptions(s.Issuer.Settings.PublicURL))
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) json(w http.ResponseWriter, ctype string, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(body)
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	s.Log.Error().Err(err).Msg("public address: cannot answer")
	http.Error(w, "erreur du service, réessayez plus tard", http.StatusInternalServerError)
}

func (s *Server) credential(w http.ResponseWriter, code string) {
	a, ok, err := s.DB.Attestation(code)
	switch {
	case err != nil:
		s.fail(w, err)
	case !ok || !a.Issued():
		http.Error(w, "attestation inconnue", http.StatusNotFound)
	case a.RevokedAt != nil:
		http.Error(w, "attestation révoquée", http.StatusGone)
	default:
		w.Header().Set("Content-Type", MIMEJWT)
		w.Header().Set("Content-Disposition", `attachment; filename="`+FileJWT+`"`)
		_, _ = w.Write([]byte(a.JWT))
	}
}

func (s *Server) statusList(w http.ResponseWriter, n string) {
	list, err := strconv.ParseUint(n, 10, 32)
	if err != nil {
		http.NotFound(w, nil)
		return
	}
	bits, ok, err := s.DB.StatusList(uint32(list))
	if err != nil {
		s.fail(w, err)
		return
	}
	if !ok {
		http.Error(w, "liste de statut inconnue", http.StatusNotFound)
		return
	}
	token, err := s.signedList(uint32(list), bits)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", MIMEJWT)
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write([]byte(token))
}

// signedList returns the signed credential of a list, signing it again
// only when it changed.
func (s *Server) signedList(list uint32, bits []byte) (string, error) {
	sum := sha256.Sum256(bits)
	key := s.Issuer.Keys.Signing()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.lists[list]; ok && c.sum == sum && c.kid == key.Thumbprint && now.Sub(c.at) < statusMaxAge {
		return c.token, nil
	}
	token, err := SignStatusList(s.Issuer.Settings.PublicURL, s.Issuer.Profile().ID, list, bits, now, key)
	if err != nil {
		return "", err
	}
	if s.lists == nil {
		s.lists = map[uint32]signedList{}
	}
	s.lists[list] = signedList{sum: sum, kid: key.Thumbprint, at: now, token: token}
	return token, nil
}

// verifyPage says whether a code is valid, revoked or unknown, and what a
// valid one attests. A revoked one shows nothing of its learner.
func (s *Server) verifyPage(w http.ResponseWriter, code string) {
	a, ok, err := s.DB.Attestation(code)
	if err != nil {
		s.fail(w, err)
		return
	}
	d := pageData{Code: PrintCode(code), Issuer: s.Issuer.Settings.IssuerName}
	switch {
	case !ok || !a.Issued():
		d.State = "unknown"
		s.page(w, http.StatusNotFound, d)
		return
	case a.RevokedAt != nil:
		d.State, d.Revoked = "revoked", frenchDate(*a.RevokedAt)
		s.page(w, http.StatusOK, d)
		return
	}
	c, err := credentialOf(a.JWT)
	if err != nil {
		s.fail(w, err)
		return
	}
	d.State = "valid"
	d.JWT = "/v/" + code + ".jwt"
	for _, id := range c.Subject.Identifier {
		if id.IdentityType == "name" && !id.Hashed {
			d.Name = id.IdentityHash
		}
	}
	if t, err := time.Parse(time.RFC3339, c.Subject.ActivityEnd); err == nil {
		d.Date = frenchDate(t)
	}
	if t, err := time.Parse(time.RFC3339, c.ValidFrom); err == nil {
		d.Issued = frenchDate(t)
	}
	d.Criteria = c.Subject.Achievement.Criteria.Narrative
	names := map[string]string{}
	for _, rd := range c.Subject.Achievement.ResultDescription {
		names[rd.ID] = rd.Name
	}
	for _, r := range c.Subject.Result {
		level, _ := strconv.Atoi(r.Value)
		d.Rows = append(d.Rows, pageRow{Name: names[r.ResultDescription], Level: level, Band: Band(level),
			Filled: strings.Repeat("■", max(level, 0)), Empty: strings.Repeat("□", max(8-level, 0))})
	}
	s.page(w, http.StatusOK, d)
}

// credentialOf reads the credential a stored JWT carries (the bot signed
// it itself: no need to check the signature to show it).
func credentialOf(token string) (Credential, error) {
	var c Credential
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errBadStored
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(raw, &c)
}

type storedError string

func (e storedError) Error() string { return string(e) }

const errBadStored = storedError("a stored attestation is not a compact JWT: the database is damaged")
