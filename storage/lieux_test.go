package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

func placesOf(src string, ids ...string) []StoredPlace {
	var out []StoredPlace
	for _, id := range ids {
		out = append(out, StoredPlace{Source: src, ID: id, Data: json.RawMessage(fmt.Sprintf(`{"id":%q,"nom":"Lieu %s"}`, id, id))})
	}
	return out
}

func TestPlaces(t *testing.T) {
	c := newClock()
	db := openTest(t, withClock(c.Now))
	steps := []struct {
		name        string
		src         string
		ids         []string
		wantRemoved int
		wantErr     error
	}{
		{name: "first import", src: "charente", ids: []string{"a", "b", "c"}},
		{name: "another source", src: "gironde", ids: []string{"a", "x"}},
		{name: "re-import replaces its own places only", src: "charente", ids: []string{"b", "d"}, wantRemoved: 3},
		{name: "a source with a NUL", src: "a\x00b", ids: []string{"a"}, wantErr: ErrInvalid},
		{name: "an empty id", src: "charente", ids: []string{""}, wantErr: ErrInvalid},
	}
	for i, s := range steps {
		c.Set(t0.Add(time.Duration(i) * time.Hour))
		removed, err := db.ReplacePlaces(PlaceSource{Name: s.src, File: s.src + ".json"}, placesOf(s.src, s.ids...))
		if !errors.Is(err, s.wantErr) || removed != s.wantRemoved {
			t.Errorf("%s: removed %d, err %v; want %d, %v", s.name, removed, err, s.wantRemoved, s.wantErr)
		}
	}
	if _, err := db.ReplacePlaces(PlaceSource{Name: "bad"}, []StoredPlace{{ID: "a", Data: json.RawMessage("{")}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid JSON: %v", err)
	}
	if err := db.PutLocalPlace(LocalPlace{ID: "atelier-cv", Data: json.RawMessage(`{"nom":"Atelier CV"}`), AddedBy: "U123"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutLocalPlace(LocalPlace{ID: "x", Data: json.RawMessage(`nope`)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid local JSON: %v", err)
	}

	db = reopen(t, db, withClock(c.Now))
	// A re-import of the same source leaves the advisors' place alone.
	if _, err := db.ReplacePlaces(PlaceSource{Name: "gironde"}, placesOf("gironde", "x")); err != nil {
		t.Fatal(err)
	}
	imported, local, err := db.Places()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range imported {
		got = append(got, p.Source+"/"+p.ID+" "+string(p.Data))
	}
	want := []string{`charente/b {"id":"b","nom":"Lieu b"}`, `charente/d {"id":"d","nom":"Lieu d"}`, `gironde/x {"id":"x","nom":"Lieu x"}`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("imported %v, want %v", got, want)
	}
	if len(local) != 1 || local[0].ID != "atelier-cv" || local[0].AddedBy != "U123" || !local[0].AddedAt.Equal(t0.Add(4*time.Hour)) ||
		string(local[0].Data) != `{"nom":"Atelier CV"}` {
		t.Errorf("local %+v", local)
	}
	srcs, err := db.PlaceSources()
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 2 || srcs[0].Name != "charente" || srcs[0].Places != 2 || srcs[0].File != "charente.json" ||
		!srcs[0].ImportedAt.Equal(t0.Add(2*time.Hour)) || srcs[1].Places != 1 {
		t.Errorf("sources %+v", srcs)
	}
	before, err := db.PlacesVersion()
	if err != nil || before == 0 {
		t.Fatalf("version %d: %v", before, err)
	}
	if err := db.DeleteLocalPlace("atelier-cv"); err != nil {
		t.Fatal(err)
	}
	if after, _ := db.PlacesVersion(); after <= before {
		t.Errorf("version %d after a delete, was %d", after, before)
	}
	if err := db.DeleteLocalPlace("atelier-cv"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	st, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Buckets["places"] != 3 || st.Buckets["places_local"] != 0 || st.Buckets["place_sources"] != 2 {
		t.Errorf("stats %v", st.Buckets)
	}
}
