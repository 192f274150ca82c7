package bot

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/diagbot/diagbot/bot/lieux"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// PlaceServices reads the map of competences to the services of places
// shipped with the bank (engine/bank/items/lieux/services.yaml).
func PlaceServices() (*lieux.ServiceMap, error) {
	b, err := fs.ReadFile(bank.Embedded(), lieux.ServicesFile)
	if err != nil {
		return nil, fmt.Errorf("the bank has no %s: %w", lieux.ServicesFile, err)
	}
	return lieux.ParseServices(bytes.NewReader(b), lieux.ServicesFile)
}

// ImportPlaces stores the places an import took as the source's places,
// replacing those it brought before; places advisors added stay. It returns
// how many places of the source were replaced.
func ImportPlaces(db *storage.DB, source, file string, imp *lieux.Import) (int, error) {
	stored := make([]storage.StoredPlace, 0, len(imp.Places))
	for _, p := range imp.Places {
		data, err := json.Marshal(p)
		if err != nil {
			return 0, err
		}
		stored = append(stored, storage.StoredPlace{Source: source, ID: p.ID, Data: data})
	}
	return db.ReplacePlaces(storage.PlaceSource{Name: source, File: file}, stored)
}

// Places reads every place stored: the imported ones, then those advisors
// added.
func Places(db *storage.DB) ([]lieux.Place, error) {
	imported, local, err := db.Places()
	if err != nil {
		return nil, err
	}
	out := make([]lieux.Place, 0, len(imported)+len(local))
	for _, sp := range imported {
		var p lieux.Place
		if err := json.Unmarshal(sp.Data, &p); err != nil {
			return nil, fmt.Errorf("place %q of source %q is unreadable (import the source again): %w", sp.ID, sp.Source, err)
		}
		out = append(out, p)
	}
	for _, lp := range local {
		var p lieux.Place
		if err := json.Unmarshal(lp.Data, &p); err != nil {
			return nil, fmt.Errorf("the place %q an advisor added is unreadable: %w", lp.ID, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// PlacesRequest is what a suggestion of places needs.
type PlacesRequest struct {
	Postcode string
	// Levels are the learner's measured levels by competence; Competences,
	// when given, are the competences to work, in order, instead.
	Levels      map[string]int
	Competences []string
}

// SuggestPlaces chooses the places for a learner among places (see
// lieux.ServiceMap.Suggest).
func SuggestPlaces(places []lieux.Place, sm *lieux.ServiceMap, req PlacesRequest) lieux.Suggestions {
	focus := slices.Clone(req.Competences)
	if len(focus) == 0 {
		focus = sm.Focus(req.Levels, lieux.DefaultMax)
	}
	return sm.Suggest(places, req.Postcode, focus, 0, 0)
}

// PlaceBook keeps the places decoded, and reads them from the database
// again only when they changed (storage.PlacesVersion): decoding 15,000
// places, the national file's size, takes about 0.2 s, too long for every
// learner's turn.
type PlaceBook struct {
	mu      sync.Mutex
	loaded  bool
	version uint64
	places  []lieux.Place
}

// Places returns the places stored now. The slice is shared: do not modify it.
func (pb *PlaceBook) Places(db *storage.DB) ([]lieux.Place, error) {
	v, err := db.PlacesVersion()
	if err != nil {
		return nil, err
	}
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if pb.loaded && pb.version == v {
		return pb.places, nil
	}
	places, err := Places(db)
	if err != nil {
		return nil, err
	}
	pb.loaded, pb.version, pb.places = true, v, places
	return places, nil
}

// AddLocalPlace stores a place or workshop an advisor adds by hand (kept
// apart from imports, which never replace it). Its id is "local-" and the
// postcode and name unless given; by is who added it.
func AddLocalPlace(db *storage.DB, p lieux.Place, by string) (lieux.Place, error) {
	if errs := lieux.CheckLocal(p); len(errs) > 0 {
		return p, fmt.Errorf("the place cannot be added: %s", strings.Join(errs, "; "))
	}
	if p.ID == "" {
		p.ID = "local-" + p.CodePostal + "-" + strings.Join(strings.Fields(strings.ToLower(p.Nom)), "-")
	}
	p.Source = cmp.Or(p.Source, "conseiller")
	data, err := json.Marshal(p)
	if err != nil {
		return p, err
	}
	return p, db.PutLocalPlace(storage.LocalPlace{ID: p.ID, Data: data, AddedBy: by})
}

// placeServices is the shipped map, read once.
var placeServices = sync.OnceValues(PlaceServices)

// fillPlaces turns the dialog's OutPlaces into the text of the places
// chosen for the learner (an OutText, so every channel shows it), and
// returns the advisor's line.
func (b *Bot) fillPlaces(o *dialog.Output, now time.Time) (string, error) {
	if o.Places == nil {
		return "", fmt.Errorf("the dialog asked for places without a postcode (Output.Places is nil)")
	}
	sm, err := placeServices()
	if err != nil {
		return "", err
	}
	places, err := b.places.Places(b.cfg.DB)
	if err != nil {
		return "", err
	}
	s := SuggestPlaces(places, sm, PlacesRequest{Postcode: o.Places.Postcode, Levels: o.Places.Levels})
	*o = dialog.Output{Kind: dialog.OutText, Lang: o.Lang, Text: s.Text(o.Lang, now)}
	b.cfg.Log.Info().Int("places", len(s.Places)).Str("located_by", s.Located.By).Msg("places proposed")
	return s.Line(), nil
}
