package bot

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

func TestCampaignCodes(t *testing.T) {
	form := regexp.MustCompile(`^[A-HJKMNP-Z]{6}[2-9]{3}$`)
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		c := NewCampaignCode(r)
		if !form.MatchString(c) {
			t.Fatalf("code %q has not the Pix form", c)
		}
		if norm, ok := NormalizeCode(" " + c[:3] + " " + c[3:] + " "); !ok || norm != c {
			t.Fatalf("NormalizeCode(%q) = %q %v", c, norm, ok)
		}
		seen[c] = true
	}
	if len(seen) < 1990 {
		t.Errorf("only %d distinct codes in 2000", len(seen))
	}
	for _, bad := range []string{"", "QWERTY78", "QWERTI789", "QWERTY189", "QWERTY7890", "qwerty78x"} {
		if _, ok := NormalizeCode(bad); ok {
			t.Errorf("NormalizeCode accepted %q", bad)
		}
	}
	if l := DeepLink("@diagbot_bot", "QWERTY789"); l != "https://t.me/diagbot_bot?start=QWERTY789" {
		t.Errorf("DeepLink = %s", l)
	}
}

func TestLearnerJoinsCampaign(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	r := rand.New(rand.NewPCG(3, 4))
	c, err := CreateCampaign(h.db, storage.Campaign{Name: "Atelier mardi", Competences: []string{"4.1", "1.1"}, MaxQuestions: 6}, r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateCampaign(h.db, storage.Campaign{Name: "x", Competences: []string{"9.9"}}, r, time.Now()); err == nil {
		t.Error("unknown competence accepted")
	}
	if _, err := CreateCampaign(h.db, storage.Campaign{Name: "x", MaxQuestions: 3}, r, time.Now()); err == nil {
		t.Error("3 questions for 16 competences accepted")
	}
	// The help hours and the identifier's kind, per campaign.
	for _, tt := range []struct {
		c  storage.Campaign
		ok bool
	}{
		{storage.Campaign{Name: "x", HelpHours: "le mardi, de 9 h à 12 h", AskExternalID: true, ExternalIDKind: "mission_locale"}, true},
		{storage.Campaign{Name: "x", ExternalIDKind: "france_travail"}, true},
		{storage.Campaign{Name: "x", ExternalIDKind: "pole_emploi"}, false},
		{storage.Campaign{Name: "x", HelpHours: strings.Repeat("h", 81)}, false},
	} {
		got, err := CreateCampaign(h.db, tt.c, r, time.Now())
		if (err == nil) != tt.ok {
			t.Errorf("%+v: %v", tt.c, err)
		}
		if err == nil {
			if back, _, _ := h.db.Campaign(got.Code); back.HelpHours != tt.c.HelpHours || back.ExternalIDKind != tt.c.ExternalIDKind {
				t.Errorf("stored as %+v", back)
			}
		}
	}
	h.send("test:1", "/start "+c.Code)
	h.send("test:1", "oui")
	h.waitIdle()
	l, _, _ := h.db.Learner("test:1")
	members, _ := h.db.CampaignLearners(c.Code)
	if l.Campaign != c.Code || len(members) != 1 {
		t.Fatalf("learner %+v, members %v", l, members)
	}
	if _, err := ArchiveCampaign(h.db, c.Code, time.Now()); err != nil {
		t.Fatal(err)
	}
	h.send("test:2", "/start "+c.Code)
	h.waitIdle()
	if l, _, _ := h.db.Learner("test:2"); l.Campaign != "" {
		t.Errorf("an archived campaign still joins learners: %+v", l)
	}
}

// TestCampaignCodeTypedAlone: a learner types the code the advisor wrote on
// paper instead of opening the link. Where typed text is not an answer, it
// opens the campaign as /start CODE would; at a question it stays an answer.
func TestCampaignCodeTypedAlone(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	if err := h.db.PutCampaign(storage.Campaign{Code: "QWERTY789", Name: "Atelier jeudi", Competences: []string{"1.1"}}); err != nil {
		t.Fatal(err)
	}
	campaignOf := func(id string) string {
		raw, _, _ := h.db.Session(id)
		var s dialog.Session
		json.Unmarshal(raw, &s)
		if s.Campaign == nil {
			return ""
		}
		return s.Campaign.Code
	}
	tests := []struct {
		name, learner string
		before        []string
		typed         string
		want          string
	}{
		{"first message", "test:41", nil, "qwerty 789", "QWERTY789"},
		{"at the privacy notice", "test:42", []string{"/start"}, "QWERTY789", "QWERTY789"},
		{"at a question: an answer, not a code", "test:43", []string{"/start", "oui"}, "QWERTY789", ""},
		{"an unknown code is text", "test:44", []string{"/start"}, "ZZZZZZ222", ""},
	}
	for _, tt := range tests {
		for _, m := range tt.before {
			h.send(tt.learner, m)
		}
		h.send(tt.learner, tt.typed)
		h.waitIdle()
		if got := campaignOf(tt.learner); got != tt.want {
			t.Errorf("%s: campaign %q, want %q", tt.name, got, tt.want)
		}
	}
	if !strings.Contains(lastText(h, "test:41"), "Atelier jeudi") {
		t.Errorf("the learner who typed the code was not welcomed to the campaign:\n%s", lastText(h, "test:41"))
	}
}

// FuzzNormalizeCode: a code read from typed text has the campaign form,
// reads back as itself, and keeps the typed letters and digits in order.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"QWERTY789", "qwerty 789", " q w e r t y 7 8 9 ", "QWERTY78", "QWERTYI789", "ÉCOLE1234", "", "qwerty\t789\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := NormalizeCode(s)
		if !ok {
			return
		}
		if len(c) != 9 || strings.ContainsAny(c, "ILO01 ") {
			t.Fatalf("NormalizeCode(%q) = %q, accepted", s, c)
		}
		if again, ok := NormalizeCode(c); !ok || again != c {
			t.Fatalf("NormalizeCode(%q) = %q, which reads back as %q %v", s, c, again, ok)
		}
		if strings.Join(strings.Fields(strings.ToUpper(s)), "") != c {
			t.Fatalf("NormalizeCode(%q) = %q: not the typed characters", s, c)
		}
	})
}

func TestCreateCampaignProfile(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(1, 2))
	c, err := CreateCampaign(db, storage.Campaign{Name: "Atelier emploi", Profile: "emploi"}, r, time.Now())
	if err != nil || c.Profile != "emploi" {
		t.Fatalf("%+v %v", c, err)
	}
	if got, _, _ := db.Campaign(c.Code); got.Profile != "emploi" || len(got.Competences) != 6 {
		t.Errorf("stored %+v", got)
	}
	for _, bad := range []storage.Campaign{{Name: "x", Profile: "nope"}, {Name: "x", Profile: "emploi", MaxQuestions: 12}} {
		if _, err := CreateCampaign(db, bad, r, time.Now()); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

// TestCampaignStopsWhenTheLevelIsKnown: a campaign that stops once the
// levels are known takes its minimum and the stop rule to the engine; a
// learner who answers "je ne sais pas" to everything is done after one
// question per competence. A minimum needs the rule and fits the maximum.
func TestCampaignStopsWhenTheLevelIsKnown(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "s.db"), nil)
	r := rand.New(rand.NewPCG(5, 6))
	for _, tt := range []struct {
		c  storage.Campaign
		ok bool
	}{
		{storage.Campaign{Name: "x", StopWhenKnown: true, MinQuestions: 20}, true},
		{storage.Campaign{Name: "x", StopWhenKnown: true, Profile: "emploi", MinQuestions: 24}, true},
		{storage.Campaign{Name: "x", StopWhenKnown: true, Profile: "emploi", MinQuestions: 25}, false},
		{storage.Campaign{Name: "x", StopWhenKnown: true, MaxQuestions: 20, MinQuestions: 21}, false},
		{storage.Campaign{Name: "x", MinQuestions: 10}, false},
	} {
		if _, err := CreateCampaign(h.db, tt.c, r, time.Now()); (err == nil) != tt.ok {
			t.Errorf("%+v: %v", tt.c, err)
		}
	}
	for _, tt := range []struct {
		stop bool
		want int
	}{{true, 16}, {false, 32}} {
		c, err := CreateCampaign(h.db, storage.Campaign{Name: "Atelier", StopWhenKnown: tt.stop}, r, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if back, _, _ := h.db.Campaign(c.Code); back.StopWhenKnown != tt.stop {
			t.Fatalf("stored as %+v", back)
		}
		learner := fmt.Sprintf("test:%v", tt.stop)
		h.send(learner, "/start "+c.Code)
		h.send(learner, "oui")
		for i := 0; i < 34; i++ {
			h.send(learner, "je ne sais pas")
		}
		h.waitIdle()
		answers, err := h.db.Answers(learner)
		if err != nil || len(answers) != tt.want {
			t.Errorf("stop rule %v: %d answers (%v), want %d", tt.stop, len(answers), err, tt.want)
		}
	}
}
