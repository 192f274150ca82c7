package lieux

import (
	"bytes"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/diagbot/diagbot/engine/bank"
)

func shippedServices(t testing.TB) *ServiceMap {
	t.Helper()
	b, err := fs.ReadFile(bank.Embedded(), ServicesFile)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseServices(bytes.NewReader(b), ServicesFile)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestShippedServices(t *testing.T) {
	m := shippedServices(t)
	if m.Enough != 3 {
		t.Errorf("enough %d", m.Enough)
	}
	if c, _ := m.Of("4.1"); c.Priority != 1 || !slices.Equal(c.Services, []string{"Utilisation sécurisée du numérique"}) {
		t.Errorf("4.1: %+v", c)
	}
}

func TestParseServicesErrors(t *testing.T) {
	shipped, err := fs.ReadFile(bank.Embedded(), ServicesFile)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, old, new, want string }{
		{"service", "      - Utilisation sécurisée du numérique\n\n  - competence: \"4.2\"", "      - Sécurité\n\n  - competence: \"4.2\"", `services.yaml:LINE: competence 4.1: "Sécurité" is not a service of the schema`},
		{"priority", "priority: 3 # tableurs", "priority: 5 # tableurs", "competence 1.3: priority 5: write 1"},
		{"competence", `competence: "5.2"`, `competence: "5.3"`, `competence "5.3" is not one of the framework`},
		{"missing", `competence: "5.2"`, `competence: "5.1"`, "competence 5.1 is given twice"},
		{"enough", "enough: 3", "enough: 9", "enough: 9: give the level"},
		{"fallback", "  - Maîtrise des outils numériques du quotidien\n\ncompetences:", "  - Outils\n\ncompetences:", `services.yaml:LINE: fallback: "Outils" is not a service`},
		{"unknown key", "enough: 3", "enough: 3\nniveau: 2", "field niveau not found"},
	}
	for _, c := range cases {
		text := strings.Replace(string(shipped), c.old, c.new, 1)
		if text == string(shipped) {
			t.Fatalf("%s: %q is not in the shipped file", c.name, c.old)
		}
		// LINE is where the change stands: errors name the line to fix.
		want := strings.ReplaceAll(c.want, "LINE", fmt.Sprint(1+strings.Count(string(shipped)[:strings.Index(string(shipped), c.old)], "\n")))
		_, err := ParseServices(strings.NewReader(text), "services.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", c.name, err, want)
		}
	}
}

func TestFocus(t *testing.T) {
	m := shippedServices(t)
	cases := []struct {
		levels map[string]int
		want   []string
	}{
		// Below 3, priority 1 first, then the weakest.
		{map[string]int{"1.3": 0, "4.1": 2, "3.1": 1, "5.1": 1, "2.1": 5}, []string{"3.1", "4.1", "5.1"}},
		{map[string]int{"3.2": 0, "1.3": 1}, []string{"3.2", "1.3"}},
		// Nothing below 3: the weakest of all, priority first.
		{map[string]int{"1.3": 3, "4.1": 6, "2.2": 4}, []string{"4.1", "2.2", "1.3"}},
		// No levels: what a job search needs most.
		{nil, []string{"1.1", "2.1", "2.4"}},
	}
	for _, c := range cases {
		if got := m.Focus(c.levels, 3); !slices.Equal(got, c.want) {
			t.Errorf("%v: %v, want %v", c.levels, got, c.want)
		}
	}
}

func TestDepartment(t *testing.T) {
	for pc, want := range map[string]string{"16000": "16", "01000": "01", "20000": "2A", "20167": "2A", "20200": "2B",
		"20600": "2B", "97400": "974", "97600": "976", "98800": "988", "1600": "", "16 00": "", "": ""} {
		if got := Department(pc); got != want {
			t.Errorf("Department(%q) = %q, want %q", pc, got, want)
		}
	}
}

func place(id, pc string, lat, lon float64, services ...string) Place {
	return Place{ID: id, Nom: "Lieu " + id, Adresse: id + " rue", CodePostal: pc, Commune: "C", Latitude: &lat, Longitude: &lon,
		Services: services, Frais: []string{"Gratuit"}}
}

func TestSuggest(t *testing.T) {
	m := shippedServices(t)
	sec, cv := "Utilisation sécurisée du numérique", "Insertion professionnelle via le numérique"
	near := place("near", "16000", 45.65, 0.16, sec)
	far := place("far", "16800", 45.65, 0.30, cv) // about 11 km east
	mid := place("mid", "16100", 45.65, 0.20, sec, cv)
	paying := place("paying", "16000", 45.65, 0.16, sec)
	paying.Frais = []string{"Payant"}
	seniors := place("seniors", "16000", 45.65, 0.16, sec)
	seniors.Publics = []string{"Seniors"}
	adults := place("adults", "16000", 45.65, 0.16, sec)
	adults.PublicsAccueillis = []string{"Adultes"}
	young := place("young", "16000", 45.651, 0.161, sec)
	young.PublicsAccueillis = []string{"Adultes", "Jeunes (16-26 ans)"}
	closed := place("closed", "16000", 45.65, 0.16, sec)
	closed.ModalitesAcces = []string{"Ce lieu n'accueille pas de public"}
	leisure := place("leisure", "16000", 45.65, 0.16, "Loisirs et créations numériques")
	twin := near
	twin.ID, twin.Nom = "twin", "Même adresse"
	abroad := place("other-dept", "24000", 45.18, 0.72, sec) // Périgueux, 70 km
	nocoord := Place{ID: "nocoord", Nom: "Sans position", Adresse: "x", CodePostal: "16500", Services: []string{sec}, Frais: []string{"Gratuit"}}
	all := []Place{far, mid, paying, seniors, adults, closed, leisure, near, twin, abroad, nocoord, young}
	focus := []string{"4.1", "3.1"}

	var ids []string
	s := m.Suggest(all, "16000", focus, 5, 0)
	for _, p := range s.Places {
		ids = append(ids, p.Place.ID)
	}
	if want := []string{"near", "young", "mid", "far", "nocoord"}; !slices.Equal(ids, want) {
		t.Errorf("places %v, want %v", ids, want)
	}
	if s.Located.By != "postcode" || s.Located.Places != 8 {
		t.Errorf("located %+v", s.Located)
	}
	if got := s.Places[2].Needs; !slices.Equal(got, []string{"4.1", "3.1"}) {
		t.Errorf("mid needs %v", got)
	}
	if s := m.Suggest(all, "16000", focus, 0, 0); len(s.Places) != 3 {
		t.Errorf("default max: %d places", len(s.Places))
	}
	// A postcode with no place: its department's mean; none: said so.
	if s := m.Suggest(all, "16999", focus, 0, 0); s.Located.By != "department" || len(s.Places) != 3 {
		t.Errorf("16999: %+v", s.Located)
	}
	s = m.Suggest(all, "75011", focus, 0, 0)
	if s.Located.By != "" || len(s.Places) != 0 || !strings.Contains(s.Text("fr", at(7, 10, 0)), "Je ne connais pas encore de lieu près de 75011") {
		t.Errorf("75011: %+v %q", s, s.Text("fr", at(7, 10, 0)))
	}
	// Within reach only.
	if s := m.Suggest([]Place{abroad, paying}, "16000", focus, 0, 0); len(s.Places) != 0 || !strings.Contains(s.Text("en", at(7, 10, 0)), "within 50 km of 16000") {
		t.Errorf("abroad is 70 km away: %+v", s.Places)
	}
}

func TestSuggestCharente(t *testing.T) {
	imp, err := Read(bytes.NewReader(openShared(t, "charente-2023-07-11.json")))
	if err != nil {
		t.Fatal(err)
	}
	m := shippedServices(t)
	now := at(8, 10, 0) // a Tuesday morning
	s := m.Suggest(imp.Places, "16000", m.Focus(map[string]int{"4.1": 1, "3.1": 2, "2.1": 4}, 3), 0, 0)
	if len(s.Places) != 3 || s.Located.By != "postcode" {
		t.Fatalf("%+v", s)
	}
	for i, p := range s.Places {
		if !p.Place.Free() || !p.Place.ForYoung() || (i > 0 && p.Km < s.Places[i-1].Km) || p.Km > 5 {
			t.Errorf("place %d: %+v", i, p)
		}
	}
	text := s.Text("fr", now)
	t.Log("\n" + text + "\n" + s.Line())
	for _, want := range []string{"3 lieux gratuits près de 16000 où l'on peut vous aider pour : sécurité, documents texte.\n\n1. ", " m\n", "16000 ANGOULEME\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if line := s.Line(); !strings.HasPrefix(line, "Lieux proposés près de 16000 pour 4.1, 3.1 : ") {
		t.Errorf("line %q", line)
	}
	// No place of the Charente lists "Utilisation sécurisée du numérique":
	// places that help with the digital in general, said so.
	s = m.Suggest(imp.Places, "16000", []string{"4.1"}, 0, 0)
	if !s.General || len(s.Places) != 3 {
		t.Fatalf("4.1 alone: general %v, %d places", s.General, len(s.Places))
	}
	text = s.Text("fr", now)
	for _, want := range []string{"3 lieux gratuits près de 16000 où l'on peut vous aider avec le numérique du quotidien.\n",
		"Aucun lieu proche ne propose exactement : sécurité ; demandez-leur, ils peuvent souvent aider.\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(s.Line(), "pour 4.1 (aucun ne propose ces compétences : lieux d'aide au numérique du quotidien) : ") {
		t.Errorf("line %q", s.Line())
	}
}

func TestKmText(t *testing.T) {
	for _, c := range []struct {
		km       float64
		lang, is string
	}{{0.04, "fr", "100 m"}, {0.84, "fr", "800 m"}, {2.345, "fr", "2,3 km"}, {2.345, "en", "2.3 km"}, {14.6, "fr", "15 km"}} {
		if got := KmText(c.lang, c.km); got != c.is {
			t.Errorf("%v %s: %q, want %q", c.km, c.lang, got, c.is)
		}
	}
}

// BenchmarkReadCharente reads and checks the 188 Charente places.
func BenchmarkReadCharente(b *testing.B) {
	data := openShared(b, "charente-2023-07-11.json")
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSuggestNational chooses places among about 15,000, the size of
// the national file (the Charente's 188 places, 80 times).
func BenchmarkSuggestNational(b *testing.B) {
	imp, err := Read(bytes.NewReader(openShared(b, "charente-2023-07-11.json")))
	if err != nil {
		b.Fatal(err)
	}
	var all []Place
	for range 80 {
		all = append(all, imp.Places...)
	}
	m := shippedServices(b)
	focus := m.Focus(map[string]int{"4.1": 1, "3.1": 2}, 3)
	for b.Loop() {
		if s := m.Suggest(all, "16000", focus, 0, 0); len(s.Places) != 3 {
			b.Fatal(len(s.Places))
		}
	}
}
