package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"
)

// checkBlockKit walks a view as Slack receives it (JSON) and reports every
// Block Kit limit it breaks.
func checkBlockKit(t *testing.T, what string, view any, maxBlocks int) {
	t.Helper()
	raw, err := json.Marshal(view)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	blocks, _ := v["blocks"].([]any)
	if len(blocks) == 0 || len(blocks) > maxBlocks {
		t.Errorf("%s: %d blocks, Slack takes 1 to %d", what, len(blocks), maxBlocks)
	}
	for _, k := range []string{"title", "submit", "close"} {
		if o, ok := v[k].(map[string]any); ok {
			if n := utf8.RuneCountInString(fmt.Sprint(o["text"])); n > 24 {
				t.Errorf("%s: %s is %d characters, Slack takes 24", what, k, n)
			}
		}
	}
	if n := len(fmt.Sprint(v["private_metadata"])); v["private_metadata"] != nil && n > 3000 {
		t.Errorf("%s: private_metadata of %d characters", what, n)
	}
	ids := map[string]bool{}
	var walk func(path string, x any)
	walk = func(path string, x any) {
		switch x := x.(type) {
		case map[string]any:
			if id, ok := x["block_id"].(string); ok && id != "" {
				if ids[id] {
					t.Errorf("%s: block_id %q twice", what, id)
				}
				ids[id] = true
			}
			if id, ok := x["action_id"].(string); ok && len(id) > 255 {
				t.Errorf("%s: action_id of %d characters", what, len(id))
			}
			typ, _ := x["type"].(string)
			limit := map[string]int{"section": 3000, "header": 150, "context": 3000}[typ]
			if txt, ok := x["text"].(map[string]any); ok && limit > 0 {
				if n := utf8.RuneCountInString(fmt.Sprint(txt["text"])); n > limit {
					t.Errorf("%s: %s text of %d characters, Slack takes %d", what, typ, n, limit)
				}
			}
			if typ == "button" {
				if txt, ok := x["text"].(map[string]any); ok && utf8.RuneCountInString(fmt.Sprint(txt["text"])) > 75 {
					t.Errorf("%s: button text %q over 75 characters", what, txt["text"])
				}
				if n := len(fmt.Sprint(x["value"])); n > 2000 {
					t.Errorf("%s: button value of %d characters", what, n)
				}
			}
			if opts, ok := x["options"].([]any); ok {
				if len(opts) > 100 {
					t.Errorf("%s: %d options", what, len(opts))
				}
				for _, o := range opts {
					om := o.(map[string]any)
					txt := om["text"].(map[string]any)
					if utf8.RuneCountInString(fmt.Sprint(txt["text"])) > 75 || len(fmt.Sprint(om["value"])) > 150 {
						t.Errorf("%s: option %v over Slack's limits", what, om)
					}
				}
			}
			if els, ok := x["elements"].([]any); ok && typ == "actions" && len(els) > 25 {
				t.Errorf("%s: %d elements in an actions block", what, len(els))
			}
			for k, y := range x {
				walk(path+"."+k, y)
			}
		case []any:
			for i, y := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), y)
			}
		}
	}
	walk("", v)
}

func TestHomeViewWithinBlockKitLimits(t *testing.T) {
	now := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	big := Home{Advisor: true, Now: now}
	for i := range 40 {
		big.Campaigns = append(big.Campaigns, HomeCampaign{Code: fmt.Sprintf("ABCDEF%03d", i), Name: strings.Repeat("Atelier numérique très long ", 3),
			Learners: 30, Started: 25, Finished: 20, Stuck: 3, Mine: i%2 == 0})
		big.Help = append(big.Help, HomeHelp{Who: "Léa (A-7KQ2MXP4)", Campaign: "ABCDEF001", Since: now.Add(-time.Duration(i) * time.Hour), ClaimedBy: map[bool]string{true: "UADV1"}[i%3 == 0]})
		big.Finished = append(big.Finished, HomeFinished{Who: strings.Repeat("Prénom-composé ", 8), Campaign: "ABCDEF001", At: now, Level: i % 9})
	}
	for _, tt := range []struct {
		name string
		home Home
	}{
		{"empty", Home{Advisor: true, Now: now}},
		{"busy", big},
		{"not an advisor", Home{Now: now}},
	} {
		view := HomeView(tt.home)
		checkBlockKit(t, tt.name, view, 100)
		raw, _ := json.Marshal(view)
		text := string(raw)
		switch tt.name {
		case "busy":
			for _, want := range []string{"Demandes d'aide ouvertes : 40", "Campagnes : 40", "… et 30 autres", "Terminé cette semaine : 40", "Créer une campagne", "Bloqués", "Sujets à travailler", `prise par \u003c@UADV1\u003e`, "depuis 7 h", "… et 32 autres"} {
				if !strings.Contains(text, want) {
					t.Errorf("busy Home lacks %q", want)
				}
			}
		case "not an advisor":
			if strings.Contains(text, ActionHomeCreate) || !strings.Contains(text, "réservé") {
				t.Errorf("a non-advisor's Home: %s", text)
			}
		}
	}
}

func TestCreateModalAndTextModalWithinLimits(t *testing.T) {
	checkBlockKit(t, "create form", CreateModal(), 100)
	long := strings.Repeat("• *Léa (A-7KQ2MXP4)* · terminé · niveau 3 (intermédiaire) → travailler : reconnaître un SMS d'arnaque (4.1)\n", 3000)
	checkBlockKit(t, "long answer", TextModal("Campagne QWERTY789 très très longue", long), 100)
	checkBlockKit(t, "short answer", TextModal("Sujets", "rien"), 100)
}

// form builds a submitted state of the create form.
func form(values map[string]map[string]slackapi.BlockAction) *slackapi.ViewState {
	return &slackapi.ViewState{Values: values}
}

func TestParseCreate(t *testing.T) {
	opt := func(v string) slackapi.OptionBlockObject { return slackapi.OptionBlockObject{Value: v} }
	full := form(map[string]map[string]slackapi.BlockAction{
		blockName:      {"name": {Value: "  Atelier   mardi "}},
		blockComps:     {"comps": {SelectedOptions: []slackapi.OptionBlockObject{opt("4.1"), opt("1.1")}}},
		blockQuestions: {"questions": {SelectedOption: opt("20")}},
		blockPath:      {"path": {SelectedOption: opt("-1")}},
		blockOptions:   {"options": {SelectedOptions: []slackapi.OptionBlockObject{opt(optFeedback), opt(optExternalID), opt(optStop)}}},
		blockChannel:   {"channel": {SelectedConversation: "CTEAM"}},
		blockIDKind:    {"id_kind": {SelectedOption: opt("mission_locale")}},
		blockHelpHours: {"help_hours": {Value: "  le mardi   et le jeudi "}},
	})
	c, errs := ParseCreate(full)
	if errs != nil || c.Op != OpCampaignCreate || c.Name != "Atelier mardi" || strings.Join(c.Competences, ",") != "4.1,1.1" ||
		c.MaxQuestions != 20 || c.PathLength != -1 || !c.Feedback || !c.AskExternalID || !c.StopWhenKnown || c.Channel != "CTEAM" ||
		c.IDKind != "mission_locale" || c.HelpHours != "le mardi et le jeudi" {
		t.Errorf("full form: %+v %v", c, errs)
	}
	c, errs = ParseCreate(form(map[string]map[string]slackapi.BlockAction{blockName: {"name": {Value: "Mardi"}}}))
	if errs != nil || c.Name != "Mardi" || len(c.Competences) != 0 || c.MaxQuestions != 0 || c.PathLength != 0 || c.Channel != "" {
		t.Errorf("name only: %+v %v", c, errs)
	}
	for _, tt := range []struct {
		name   string
		state  *slackapi.ViewState
		blocks []string
	}{
		{"empty", form(nil), []string{blockName}},
		{"nil", nil, []string{blockName}},
		{"too long", form(map[string]map[string]slackapi.BlockAction{blockName: {"name": {Value: strings.Repeat("a", 81)}}}), []string{blockName}},
		{"forged competence", form(map[string]map[string]slackapi.BlockAction{blockName: {"name": {Value: "x"}},
			blockComps: {"comps": {SelectedOptions: []slackapi.OptionBlockObject{opt("9.9")}}}}), []string{blockComps}},
		{"fewer questions than competences", form(map[string]map[string]slackapi.BlockAction{blockName: {"name": {Value: "x"}},
			blockComps:     {"comps": {SelectedOptions: []slackapi.OptionBlockObject{opt("1.1"), opt("1.2"), opt("1.3")}}},
			blockQuestions: {"questions": {SelectedOption: opt("2")}}}), []string{blockQuestions}},
		{"forged path", form(map[string]map[string]slackapi.BlockAction{blockName: {"name": {Value: "x"}}, blockPath: {"path": {SelectedOption: opt("99")}}}), []string{blockPath}},
		{"profile and competences", form(map[string]map[string]slackapi.BlockAction{blockName: {"name": {Value: "x"}},
			blockComps: {"comps": {SelectedOptions: []slackapi.OptionBlockObject{opt("1.1")}}}, blockProfile: {"profile": {SelectedOption: opt("emploi")}}}), []string{blockProfile}},
		{"forged profile", form(map[string]map[string]slackapi.BlockAction{blockName: {"name": {Value: "x"}}, blockProfile: {"profile": {SelectedOption: opt("tout")}}}), []string{blockProfile}},
		{"forged identifier", form(map[string]map[string]slackapi.BlockAction{blockName: {"name": {Value: "x"}}, blockIDKind: {"id_kind": {SelectedOption: opt("nir")}}}), []string{blockIDKind}},
	} {
		_, errs := ParseCreate(tt.state)
		for _, b := range tt.blocks {
			if errs[b] == "" {
				t.Errorf("%s: no error on %s: %v", tt.name, b, errs)
			}
		}
	}
}

func TestSplitText(t *testing.T) {
	parts := splitText(strings.Repeat("ligne\n", 2000), 100)
	for _, p := range parts {
		if utf8.RuneCountInString(p) > 100 {
			t.Fatalf("part of %d characters", utf8.RuneCountInString(p))
		}
	}
	if got := strings.TrimSuffix(strings.Join(parts, "\n"), "\n"); got != strings.TrimSuffix(strings.Repeat("ligne\n", 2000), "\n") {
		t.Errorf("splitting lost text: %d characters", len(got))
	}
	if p := splitText(strings.Repeat("é", 250), 100); len(p) != 1 || utf8.RuneCountInString(p[0]) != 100 {
		t.Errorf("a long line: %q", p)
	}
}

func TestPlaceForm(t *testing.T) {
	services := []string{"Maîtrise des outils numériques du quotidien", "Insertion professionnelle via le numérique"}
	checkBlockKit(t, "place form", PlaceModal(services), 100)
	opt := func(v string) slackapi.OptionBlockObject { return slackapi.OptionBlockObject{Value: v} }
	f, errs := ParsePlace(form(map[string]map[string]slackapi.BlockAction{
		blockPlaceName: {"name": {Value: " Atelier   du mercredi "}}, blockPlaceAddr: {"address": {Value: "3 place du Minage"}},
		blockPlaceCP: {"postcode": {Value: "16 000"}}, blockPlaceTown: {"commune": {Value: "Angoulême"}},
		blockPlaceHours: {"hours": {Value: "We 14:00-17:00"}}, blockPlaceServ: {"services": {SelectedOptions: []slackapi.OptionBlockObject{opt(services[1])}}},
		blockPlaceOpts: {"options": {SelectedOptions: []slackapi.OptionBlockObject{opt("free"), opt("young")}}},
	}))
	if errs != nil || f.Name != "Atelier du mercredi" || f.Postcode != "16000" || !f.Free || !f.Young || len(f.Services) != 1 || f.Hours != "We 14:00-17:00" {
		t.Errorf("%+v %v", f, errs)
	}
	_, errs = ParsePlace(form(nil))
	for _, b := range []string{blockPlaceName, blockPlaceAddr, blockPlaceCP, blockPlaceTown, blockPlaceServ} {
		if errs[b] == "" {
			t.Errorf("an empty form: no error on %s", b)
		}
	}
}
