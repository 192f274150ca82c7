package lieux

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shared is where the real files are: ../shared/data/lieux beside the
// repository (CI clones the repository with ../shared beside it).
const shared = "../../../shared/data/lieux"

func openShared(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(shared, name))
	if err != nil {
		t.Skipf("the shared data is not beside the repository: %v", err)
	}
	return b
}

func TestReadCharente(t *testing.T) {
	imp, err := Read(bytes.NewReader(openShared(t, "charente-2023-07-11.json")))
	if err != nil {
		t.Fatal(err)
	}
	if imp.Form != "json" || len(imp.Places) != 188 || len(imp.Refused) != 0 || len(imp.Notes) != 0 {
		t.Fatalf("form %s, %d places, refused %v, notes %v; want json, 188, none, none", imp.Form, len(imp.Places), imp.Refused, imp.Notes)
	}
	if got := strings.Join(imp.Renamed, ", "); got != "accessibilite → fiche_acces_libre, labels_nationaux → dispositif_programmes_nationaux, courriel → courriels" {
		t.Errorf("renamed %q", got)
	}
	counts := map[string]int{}
	for _, p := range imp.Places {
		if p.Horaires != "" {
			counts["horaires"]++
		}
		if p.Telephone != "" {
			counts["telephone"]++
		}
		if _, ok := p.Position(); ok {
			counts["position"]++
		}
		if p.Free() {
			counts["free"]++
		}
		if !p.ForYoung() {
			counts["not young"]++
		}
		for _, d := range p.Dispositifs {
			counts[d]++
		}
	}
	want := map[string]int{"horaires": 72, "telephone": 65, "position": 188, "free": 126, "not young": 3, "Conseillers numériques": 109}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s: %d places, want %d", k, counts[k], v)
		}
	}
	p := imp.Places[2] // JEUNESSE ASSOCIATION DE BAIL-AIR
	if p.Nom != "JEUNESSE ASSOCIATION DE BAIL-AIR" || p.Telephone != "+33545932222" || len(p.Services) != 2 ||
		strings.Join(p.Dispositifs, "|") != "Conseillers numériques|Aidants Connect" {
		t.Errorf("place 2 read as %+v", p)
	}
}

func TestReadExampleCSV(t *testing.T) {
	imp, err := Read(bytes.NewReader(openShared(t, "exemple-valide.csv")))
	if err != nil {
		t.Fatal(err)
	}
	if imp.Form != "csv" || len(imp.Places) != 1 || len(imp.Refused) != 0 || len(imp.Unknown) != 0 {
		t.Fatalf("%+v", imp)
	}
	p := imp.Places[0]
	if p.ID != "structure-1" || len(p.Courriels) != 2 || len(p.SiteWeb) != 2 || strings.Join(p.Publics, "|") != "Jeunes|Femmes" ||
		p.PriseRdv != "https://www.rdv-solidarites.fr/" || *p.Latitude != 43.52609 || len(p.Accompagnement) != 4 {
		t.Errorf("read as %+v", p)
	}
}

const header = "id,pivot,nom,commune,code_postal,adresse,date_maj,latitude,longitude,telephone,services,frais_a_charge,horaires,site_web,courriels,publics_specifiquement_adresses,couleur\n"

func TestReadCSVRows(t *testing.T) {
	good := "a1,12345678901234,Lieu,Angoulême,16000,1 rue X,2024-01-02,45.65,0.15,+33545000000,Aide aux démarches administratives,Gratuit,Mo-Fr 09:00-12:00,https://x.fr/,a@x.fr,Jeunes,bleu\n"
	cases := []struct {
		name, row string
		want      string // in the reason; "" = taken
	}{
		{"good", good, ""},
		{"case of a vocabulary value", strings.Replace(good, "Gratuit", "gratuit", 1), ""},
		{"no coordinates", strings.Replace(good, "45.65,0.15", ",", 1), ""},
		{"required", strings.Replace(good, "Lieu,", ",", 1), "nom is required and empty"},
		{"postcode", strings.Replace(good, "16000", "1600", 1), `code_postal "1600": write the 5 digits`},
		{"date", strings.Replace(good, "2024-01-02", "02/01/2024", 1), "date_maj \"02/01/2024\": write the date as YYYY-MM-DD"},
		{"pivot", strings.Replace(good, "12345678901234", "123", 1), "pivot \"123\""},
		{"phone national", strings.Replace(good, "+33545000000", "05 45 00 00 00", 1), "+33545000000"},
		{"decimal comma", strings.Replace(good, "45.65,0.15", `"45,65",0.15`, 1), "write the decimals after a dot: 45.65"},
		{"swapped", strings.Replace(good, "45.65,0.15", "0.15,45.65", 1), "seem swapped"},
		{"abroad", strings.Replace(good, "45.65,0.15", "40.4,-3.7", 1), "not in France"},
		{"overseas", strings.Replace(strings.Replace(good, "45.65,0.15", "-20.88,55.45", 1), "16000", "97400", 1), ""},
		{"half a position", strings.Replace(good, "45.65,0.15", "45.65,", 1), "go together"},
		{"url", strings.Replace(good, "https://x.fr/", "www.x.fr", 1), "must start with https://"},
		{"mail", strings.Replace(good, "a@x.fr", "a-x.fr", 1), "not an e-mail address"},
		{"service", strings.Replace(good, "Aide aux démarches administratives", "Aide|Loisirs", 1), `services "Aide": not a value of the schema`},
		{"public", strings.Replace(good, ",Jeunes,", ",Jeunes;Femmes,", 1), `"Jeunes;Femmes": not a value`},
		{"fields", strings.Replace(good, ",bleu", "", 1), "16 fields where the header has 17"},
		{"quotes", strings.Replace(good, "1 rue X", `1 "rue" X`, 1), "not readable as CSV"},
		{"unreadable hours are kept", strings.Replace(good, "Mo-Fr 09:00-12:00", "du lundi au vendredi", 1), ""},
	}
	for _, c := range cases {
		imp, err := ReadCSV(strings.NewReader(header + c.row))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		switch {
		case c.want == "" && len(imp.Places) != 1:
			t.Errorf("%s: refused %v", c.name, imp.Refused)
		case c.want != "" && (len(imp.Refused) != 1 || !strings.Contains(imp.Refused[0].String(), c.want)):
			t.Errorf("%s: refused %v, want one reason saying %q", c.name, imp.Refused, c.want)
		case c.want != "" && imp.Refused[0].Line != 2:
			t.Errorf("%s: refused at %s, want line 2", c.name, imp.Refused[0].Where())
		}
		if c.want == "" && len(imp.Places) == 1 && imp.Places[0].Extra["couleur"] != "bleu" {
			t.Errorf("%s: the unknown field couleur was not kept: %+v", c.name, imp.Places[0].Extra)
		}
	}
	imp, _ := ReadCSV(strings.NewReader(header + strings.Replace(good, "Mo-Fr 09:00-12:00", "du lundi au vendredi", 1)))
	if len(imp.Notes) != 1 || !strings.Contains(imp.Notes[0].String(), `horaires "du lundi au vendredi" kept as written`) {
		t.Errorf("notes %v", imp.Notes)
	}
	if strings.Join(imp.Unknown, ",") != "couleur" {
		t.Errorf("unknown %v", imp.Unknown)
	}
}

func TestReadCSVFile(t *testing.T) {
	good := "a1,12345678901234,Lieu,Angoulême,16000,1 rue X,2024-01-02,45.65,0.15,,,,,,,,\n"
	// A row spanning two lines: the next row's line counts both.
	multi := "a2,12345678901234,\"Lieu\nsur deux lignes\",Angoulême,16000,1 rue X,2024-01-02,,,,,,,,,,\n"
	imp, err := ReadCSV(strings.NewReader("\xef\xbb\xbf" + header + good + multi + strings.Replace(strings.Replace(good, "1600", "", 1), "a1,", "a3,", 1) + good))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range imp.Refused {
		got = append(got, r.String())
	}
	want := []string{
		`line 5 (id "a3"): code_postal "0": write the 5 digits of the postcode, e.g. 16000`,
		`line 6 (id "a1"): id "a1" is already used by line 2: every place needs its own id`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(imp.Places) != 2 {
		t.Errorf("refused\n%s\nwant\n%s\n(%d places)", strings.Join(got, "\n"), strings.Join(want, "\n"), len(imp.Places))
	}
	// Semicolons as separators are read too.
	semi := strings.ReplaceAll(header, ",", ";") + strings.ReplaceAll(good, ",", ";")
	if imp, err := ReadCSV(strings.NewReader(semi)); err != nil || len(imp.Places) != 1 {
		t.Errorf("semicolon CSV: %v %+v", err, imp)
	}
	for _, bad := range []struct{ file, want string }{
		{"id,nom\na,b\n", "line 1: the header has no column pivot, commune, code_postal, adresse, date_maj"},
		{"id,id,pivot\n", `columns 1 and 2 are both "id"`},
		{"", "the file is empty"},
		{"  \n", "the file is empty"},
	} {
		if _, err := Read(strings.NewReader(bad.file)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.file, err, bad.want)
		}
	}
}

func TestReadJSON(t *testing.T) {
	file := `[
  {"id": "a", "pivot": "12345678901234", "nom": "A", "commune": "C", "code_postal": "16000", "adresse": "x",
   "date_maj": "2023-01-01", "latitude": 45.6, "longitude": 0.1, "labels_nationaux": "CNFS;France Services",
   "publics_accueillis": "Adultes;Jeunes (16-26 ans)", "services": ["Aide aux démarches administratives"], "note": "x"},
  {"id": "b", "pivot": "12345678901234", "nom": "B", "commune": "C", "code_postal": 16000, "adresse": "x",
   "date_maj": "2023-01-01", "labels_nationaux": "Petits débrouillards"},
  "not an object",
  {"id": "c", "pivot": "12345678901234", "nom": "C", "commune": "C", "code_postal": "16000", "adresse": {"rue": "x"},
   "date_maj": "2023-01-01", "courriel": "a@b.fr", "courriels": "c@d.fr"}
]`
	imp, err := Read(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Places) != 1 {
		t.Fatalf("%d places: %+v", len(imp.Places), imp.Refused)
	}
	a := imp.Places[0]
	if strings.Join(a.Dispositifs, "|") != "Conseillers numériques|France Services" || len(a.PublicsAccueillis) != 2 || !a.ForYoung() ||
		a.Extra["note"] != "x" || len(a.Services) != 1 {
		t.Errorf("a: %+v", a)
	}
	var got []string
	for _, r := range imp.Refused {
		got = append(got, r.String())
	}
	if len(got) != 3 || !strings.HasPrefix(got[0], `index 1 (line 5) (id "b"): dispositif_programmes_nationaux "Petits débrouillards": not a value`) ||
		!strings.HasPrefix(got[1], "index 2 (line 7): not an object of fields") || !strings.Contains(got[2], "index 3 (line 8)") ||
		!strings.Contains(got[2], "adresse: an object") || !strings.Contains(got[2], "courriels is given twice, as courriels and as courriel") {
		t.Errorf("refused:\n%s", strings.Join(got, "\n"))
	}
	for _, bad := range []struct{ file, want string }{
		{`{"id": 1}`, "expected a JSON array"},
		{"[\n{\"id\": 1},\n{\"id\": \n", "index 1 (line 3): not valid JSON"},
	} {
		if _, err := Read(strings.NewReader(bad.file)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.file, err, bad.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(header + "a1,12345678901234,Lieu,Angoulême,16000,1 rue X,2024-01-02,45.65,0.15,+33545000000,Aide aux démarches administratives,Gratuit,Mo-Fr 09:00-12:00,https://x.fr/,a@x.fr,Jeunes,bleu\n"))
	f.Add([]byte(`[{"id":"a","pivot":"12345678901","nom":"n","commune":"c","code_postal":"16000","adresse":"a","date_maj":"2023-01-01","latitude":45.6,"longitude":0.1}]`))
	f.Add([]byte("id;pivot\n1;2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		imp, err := Read(bytes.NewReader(b))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no message")
			}
			return
		}
		for _, r := range imp.Refused {
			if len(r.Reasons) == 0 || r.Line < 1 {
				t.Fatalf("refused with no reason or line: %+v", r)
			}
		}
		ids := map[string]bool{}
		for _, p := range imp.Places {
			if p.ID == "" || p.Nom == "" || !ValidPostcode(p.CodePostal) || ids[p.ID] {
				t.Fatalf("a place taken breaks the schema: %+v", p)
			}
			ids[p.ID] = true
			if pos, ok := p.Position(); ok && !InFrance(pos) {
				t.Fatalf("a place outside France: %+v", pos)
			}
		}
	})
}
