package storage

import (
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Places of digital mediation (bot/lieux gives them meaning): the places
// imported from open-data files, replaced per source on re-import, and the
// places advisors add by hand, kept apart so that no import touches them.
// Values are the place's JSON as bot/lieux writes it; storage checks only
// that it is JSON.

// PlaceSource describes one import: a re-import of the same name replaces
// every place it brought.
type PlaceSource struct {
	Name       string    `json:"name"`
	File       string    `json:"file,omitempty"` // the file it came from, for the operator
	Places     int       `json:"places"`
	ImportedAt time.Time `json:"imported_at"`
}

// StoredPlace is an imported place.
type StoredPlace struct {
	Source string
	ID     string
	Data   json.RawMessage
}

// LocalPlace is a place (or a workshop) an advisor added by hand.
type LocalPlace struct {
	ID      string          `json:"id"`
	Data    json.RawMessage `json:"data"`
	AddedBy string          `json:"added_by,omitempty"`
	AddedAt time.Time       `json:"added_at"`
}

// ReplacePlaces stores the places of one import in one transaction: every
// place src.Name brought before is removed, then these are stored. It
// returns how many were removed. A zero ImportedAt takes now.
func (db *DB) ReplacePlaces(src PlaceSource, places []StoredPlace) (removed int, err error) {
	if err := checkID("place source", src.Name); err != nil {
		return 0, err
	}
	for i, p := range places {
		if err := checkID("place id", p.ID); err != nil {
			return 0, fmt.Errorf("place %d of source %q: %w", i, src.Name, err)
		}
		if !json.Valid(p.Data) {
			return 0, fmt.Errorf("storage: place %q of source %q is not JSON: %w", p.ID, src.Name, ErrInvalid)
		}
	}
	if src.ImportedAt.IsZero() {
		src.ImportedAt = db.now()
	}
	src.Places = len(places)
	meta, err := json.Marshal(src)
	if err != nil {
		return 0, err
	}
	err = db.update(fmt.Sprintf("replace the places of source %q", src.Name), func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPlaces)
		var old [][]byte
		if err := forPrefix(b, prefix(src.Name), func(k, _ []byte) error {
			old = append(old, clone(k))
			return nil
		}); err != nil {
			return err
		}
		if err := deleteKeys(b, old); err != nil {
			return err
		}
		removed = len(old)
		for _, p := range places {
			if err := b.Put(pairKey(src.Name, p.ID), p.Data); err != nil {
				return err
			}
		}
		if err := bumpPlaces(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketPlaceSources).Put([]byte(src.Name), meta)
	})
	if err != nil {
		return 0, err
	}
	return removed, nil
}

// PlaceSources lists the imports, by name.
func (db *DB) PlaceSources() ([]PlaceSource, error) {
	var out []PlaceSource
	err := db.view("list the sources of places", func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketPlaceSources).ForEach(func(k, v []byte) error {
			var s PlaceSource
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("decode place source %q: %w", k, err)
			}
			out = append(out, s)
			return nil
		})
	})
	return out, err
}

// Places returns every imported place (by source, then id) and every place
// advisors added (by id).
func (db *DB) Places() ([]StoredPlace, []LocalPlace, error) {
	var (
		imported []StoredPlace
		local    []LocalPlace
	)
	err := db.view("read the places", func(tx *bbolt.Tx) error {
		err := tx.Bucket(bucketPlaces).ForEach(func(k, v []byte) error {
			src, id, ok := cutPair(k)
			if !ok {
				return fmt.Errorf("place key %q has no source: restore a backup", k)
			}
			imported = append(imported, StoredPlace{Source: src, ID: id, Data: clone(v)})
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketLocalPlaces).ForEach(func(k, v []byte) error {
			var p LocalPlace
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode local place %q: %w", k, err)
			}
			local = append(local, p)
			return nil
		})
	})
	return imported, local, err
}

// PutLocalPlace stores a place an advisor added, or replaces the one with
// the same id. A zero AddedAt takes now.
func (db *DB) PutLocalPlace(p LocalPlace) error {
	if err := checkID("place id", p.ID); err != nil {
		return err
	}
	if !json.Valid(p.Data) {
		return fmt.Errorf("storage: local place %q is not JSON: %w", p.ID, ErrInvalid)
	}
	if p.AddedAt.IsZero() {
		p.AddedAt = db.now()
	}
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return db.update(fmt.Sprintf("store local place %q", p.ID), func(tx *bbolt.Tx) error {
		if err := bumpPlaces(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketLocalPlaces).Put([]byte(p.ID), v)
	})
}

// DeleteLocalPlace removes a place an advisor added; ErrNotFound if there
// is none with that id.
func (db *DB) DeleteLocalPlace(id string) error {
	return db.update(fmt.Sprintf("delete local place %q", id), func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLocalPlaces)
		if b.Get([]byte(id)) == nil {
			return fail("storage: no place added by hand has the id %q in %s: %w", id, db.path, ErrNotFound)
		}
		if err := bumpPlaces(tx); err != nil {
			return err
		}
		return b.Delete([]byte(id))
	})
}

// bumpPlaces counts a change of the places (the sequence of the
// place_sources bucket), so readers that keep them decoded know to read
// them again.
func bumpPlaces(tx *bbolt.Tx) error {
	_, err := tx.Bucket(bucketPlaceSources).NextSequence()
	return err
}

// PlacesVersion changes whenever a place is imported, added or removed: a
// cache of the decoded places is good while it stays the same.
func (db *DB) PlacesVersion() (uint64, error) {
	var v uint64
	err := db.view("read the version of the places", func(tx *bbolt.Tx) error {
		v = tx.Bucket(bucketPlaceSources).Sequence()
		return nil
	})
	return v, err
}

// cutPair splits a \x00 b.
func cutPair(k []byte) (string, string, bool) {
	for i, c := range k {
		if c == 0 {
			return string(k[:i]), string(k[i+1:]), true
		}
	}
	return "", "", false
}
