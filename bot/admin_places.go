package bot

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/diagbot/diagbot/bot/lieux"
)

// maxPlacesFile bounds a file of places sent to the admin address: the
// national export of the "Lieux de médiation numérique" is about 20 MB.
const maxPlacesFile = 64 << 20

// PlacesImported is what POST /places answers: what was read, and whether
// it was stored.
type PlacesImported struct {
	Source   string `json:"source"`
	Form     string `json:"form"` // csv or json
	Taken    int    `json:"taken"`
	Refused  int    `json:"refused"`
	Stored   bool   `json:"stored"`
	Replaced int    `json:"replaced"` // the source's places before
}

// importPlaces stores a file of places (the request's body, CSV or JSON of
// the "Lieux de médiation numérique" schema) as source ?source=NAME,
// replacing that source's places, while the bot runs: `diagbot lieux import
// --admin URL`. The running bot sees them at its next suggestion (the places
// carry a version). A file with no place to take stores nothing.
func (a *admin) importPlaces(w http.ResponseWriter, r *http.Request) {
	source := strings.TrimSpace(r.URL.Query().Get("source"))
	if source == "" || len(source) > 100 {
		writeError(w, http.StatusBadRequest, "give the source's name as ?source=NAME (1 to 100 characters): importing it again replaces its places")
		return
	}
	file := strings.TrimSpace(r.URL.Query().Get("file"))
	if len(file) > 200 {
		writeError(w, http.StatusBadRequest, "the file's name (?file=) takes at most 200 characters")
		return
	}
	imp, err := lieux.Read(http.MaxBytesReader(w, r.Body, maxPlacesFile))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file of places is over %d MB", maxPlacesFile>>20))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "the file of places cannot be read: "+err.Error())
		return
	}
	out := PlacesImported{Source: source, Form: imp.Form, Taken: len(imp.Places), Refused: len(imp.Refused)}
	if len(imp.Places) == 0 {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("no place could be taken from the file (%d rows refused): the places of source %q were left as they were", len(imp.Refused), source))
		return
	}
	if out.Replaced, err = ImportPlaces(a.cfg.DB, source, file, imp); err != nil {
		writeError(w, http.StatusInternalServerError, "the places could not be stored: "+err.Error())
		return
	}
	out.Stored = true
	writeJSON(w, http.StatusOK, out)
}
