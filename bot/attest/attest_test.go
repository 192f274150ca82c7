package attest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/diagbot/diagbot/bot/attest/attesttest"
)

// schemaPath is 1EdTech's JSON Schema of the credential, kept in shared/.
const schemaPath = "../../../shared/data/openbadges/ob_v3p0_achievementcredential_schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatalf("the Open Badges schema is not beside the repository (%v): it comes with shared/data/openbadges", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(SchemaURL, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaURL)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func payloadOf(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestIndependentVerifierAccepts: a credential the bot issued passes an
// independent verifier against the JWKS fetched from the bot, validates
// against 1EdTech's schema, and says what the issue asks.
func TestIndependentVerifierAccepts(t *testing.T) {
	e := newEnv(t)
	slot, is := e.issueFor(t, "telegram:5551234", "Yanis Benali")
	c, err := attesttest.Verify(e.srv.URL+"/.well-known/jwks.json", is.JWT)
	if err != nil {
		t.Fatalf("the independent verifier refuses: %v", err)
	}
	if err := compileSchema(t).Validate(payloadOf(t, is.JWT)); err != nil {
		t.Errorf("the credential does not validate against the OB 3.0 schema: %v", err)
	}
	if _, err := e.verifier().Verify(context.Background(), is.JWT); err != nil {
		t.Errorf("our own verifier refuses: %v", err)
	}
	raw, _ := json.Marshal(c)
	var got Credential
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	subj := got.Subject
	checks := []struct {
		what string
		ok   bool
	}{
		{"@context", len(got.Context) == 2 && got.Context[0] == ContextVC && got.Context[1] == ContextOB},
		{"type", strings.Join(got.Type, ",") == "VerifiableCredential,OpenBadgeCredential"},
		{"id is the verification page", got.ID == e.srv.URL+"/v/"+slot.Code},
		{"issuer profile", got.Issuer.ID == e.srv.URL+"/issuer" && got.Issuer.Name == "Mission Locale de Lille" && got.Issuer.Type[0] == "Profile"},
		{"subject is a urn:uuid", strings.HasPrefix(subj.ID, "urn:uuid:") && len(subj.ID) == 45},
		{"name as identifier", len(subj.Identifier) == 1 && subj.Identifier[0].IdentityHash == "Yanis Benali" && subj.Identifier[0].IdentityType == "name"},
		{"achievement", subj.Achievement.Name == AchievementFR && subj.Achievement.AchievementType == "Assessment"},
		{"criteria", strings.Contains(subj.Achievement.Criteria.Narrative, "18 questions") && strings.Contains(subj.Achievement.Criteria.Narrative, "7 décembre 2026")},
		{"a rubric of 8 levels per measured competence", len(subj.Achievement.ResultDescription) == 3 && len(subj.Achievement.ResultDescription[0].RubricCriterionLvls) == 8},
		{"aligned to CRCN and DigComp", len(subj.Achievement.ResultDescription[0].Alignment) == 3 && subj.Achievement.ResultDescription[0].Alignment[1].TargetFramework == "DigComp 2.2"},
		{"one result per measured competence", len(subj.Result) == 3},
		{"achieved level", subj.Result[1].AchievedLevel == e.srv.URL+"/referentiel#c2.1-n5" && subj.Result[1].Value == "5"},
		{"band words", subj.Achievement.ResultDescription[0].RubricCriterionLvls[4].Name == "Niveau 5 (avancé)"},
		{"schema", got.CredentialSchema[0].Type == SchemaType},
		{"status", got.CredentialStatus.Type == "BitstringStatusListEntry" && got.CredentialStatus.StatusListIndex == strings.TrimSpace(itoa(slot.Index))},
		{"never a certification", strings.Contains(got.Description, "ce n'est pas une certification")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: wrong in %s", c.what, raw)
		}
	}
	if strings.Contains(is.JWT, "5551234") || strings.Contains(string(raw), "telegram") {
		t.Error("the credential names the learner's chat")
	}
	// Every result's achievedLevel is the id of a level of its description.
	ids := map[string]bool{}
	for _, rd := range subj.Achievement.ResultDescription {
		ids[rd.ID] = true
		for _, l := range rd.RubricCriterionLvls {
			ids[l.ID] = true
		}
	}
	for _, r := range subj.Result {
		if !ids[r.ResultDescription] || r.AchievedLevel != "" && !ids[r.AchievedLevel] {
			t.Errorf("result %+v points outside the achievement", r)
		}
	}
}

func itoa(i uint32) string { b, _ := json.Marshal(i); return string(b) }
