package bot

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/storage"
)

// TestAdminImportsPlaces: the 188 places of the Charente are imported into a
// running bot's file through its admin address, and replace themselves when
// sent again; a file with nothing to take, an unreadable one, one without a
// source's name or without the token change nothing.
func TestAdminImportsPlaces(t *testing.T) {
	data, err := os.ReadFile("../../shared/data/lieux/charente-2023-07-11.json")
	if err != nil {
		t.Fatalf("the shared data is not beside the repository: %v", err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(NewAdminHandler(AdminConfig{DB: db, Token: "s3cret"}))
	defer srv.Close()
	ok := adminClient{t, srv.URL, "s3cret"}
	count := func() int {
		t.Helper()
		places, _, err := db.Places()
		if err != nil {
			t.Fatal(err)
		}
		return len(places)
	}
	for i, want := range []int{0, 188} { // the second time replaces the first
		code, _, body := ok.do("POST", "/places?source=charente&file=charente.json", string(data))
		var got PlacesImported
		if code != 200 || json.Unmarshal(body, &got) != nil || !got.Stored || got.Taken != 188 || got.Refused != 0 ||
			got.Form != "json" || got.Replaced != want || got.Source != "charente" {
			t.Fatalf("import %d: %d %s", i+1, code, body)
		}
		if n := count(); n != 188 {
			t.Fatalf("import %d: %d places stored", i+1, n)
		}
	}
	for _, tt := range []struct {
		name, path, body, token string
		code                    int
		says                    string
	}{
		{"no source", "/places", string(data), "s3cret", http.StatusBadRequest, "?source=NAME"},
		{"a file name too long", "/places?source=charente&file=" + strings.Repeat("x", 201), string(data), "s3cret", http.StatusBadRequest, "?file="},
		{"not a file of places", "/places?source=charente", "<html>", "s3cret", http.StatusBadRequest, "cannot be read"},
		{"nothing to take", "/places?source=charente", "[]", "s3cret", http.StatusUnprocessableEntity, "left as they were"},
		{"no token", "/places?source=charente", string(data), "", http.StatusUnauthorized, "DIAGBOT_ADMIN_TOKEN"},
	} {
		code, _, body := adminClient{t, srv.URL, tt.token}.do("POST", tt.path, tt.body)
		if code != tt.code || !strings.Contains(jsonError(body), tt.says) {
			t.Errorf("%s: %d %s", tt.name, code, body)
		}
		if n := count(); n != 188 {
			t.Errorf("%s: %d places left", tt.name, n)
		}
	}
}
