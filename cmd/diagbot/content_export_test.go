package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// TestContentExport: the export holds every field of every item, lesson and
// glossary term, and keeps the keys of the first export.
func TestContentExport(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"content", "export", "--json", "--bank", "../../engine/bank/testdata/good"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var got struct {
		Items    []map[string]any `json:"items"`
		Lessons  []map[string]any `json:"lessons"`
		Glossary []map[string]any `json:"glossary"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if len(got.Items) != 5 || len(got.Lessons) != 4 || len(got.Glossary) != 5 {
		t.Fatalf("%d items, %d lessons, %d terms", len(got.Items), len(got.Lessons), len(got.Glossary))
	}
	byID := map[string]map[string]any{}
	for _, it := range got.Items {
		for _, k := range []string{"id", "competence", "skill", "level", "type", "a", "b", "prompt", "tip", "file", "line"} {
			if _, ok := it[k]; !ok {
				t.Errorf("item %v lacks %q", it["id"], k)
			}
		}
		byID[it["id"].(string)] = it
	}
	tests := []struct {
		id, key string
		want    string
	}{
		{"c11-a-1", "choices", `[{"correct":true,"text":"vendeur Lyon offre emploi"},{"text":"Bonjour"}]`},
		{"c11-a-1", "en", `{"choices":["sales job Lyon","Hello"],"prompt":"What do you type?"}`},
		{"c11-a-1", "image", `"images/pixel.png"`},
		{"c11-b-1", "answers", `["12","douze"]`},
		{"c11-b-1", "typo", `true`},
		{"c11-a-2", "why", `"Le lien mène à un faux site qui vole la carte bancaire."`},
		{"c11-a-2", "image", `"images/c11-a-2.png"`},
		{"c11-a-2", "alt", `"Un SMS du 06 39 98 12 34 : « Votre colis est bloqué. Payez 1,99 € : https://colis-relais.info/p »."`},
		{"c11-a-2", "screen", `{"app":"06 39 98 12 34","blocks":[{"bubble":"Votre colis est bloqué. Payez 1,99 € : https://colis-relais.info/p","time":"09:12"}],"status":{"battery":64,"time":"09:14"},"subtitle":"SMS"}`},
		{"c11-c-1", "choices", `[{"text":"Vrai"},{"correct":true,"text":"Faux"}]`},
		{"c11-c-1", "level", `3`},
	}
	for _, tt := range tests {
		v, _ := json.Marshal(byID[tt.id][tt.key])
		if string(v) != tt.want {
			t.Errorf("%s %s = %s, want %s", tt.id, tt.key, v, tt.want)
		}
	}
	l, _ := json.Marshal(got.Lessons[0])
	if want := `{"check":"c11-a-1","competence":"1.1","en":{"text":"A search engine looks for words. Type the job and the town.","title":"Searching with the right words","try":"Try it now: type \"sales\" and your town."},"file":"lessons/1.1.yaml","line":3,"link":"https://www.francetravail.fr","priority":2,"skill":"a","text":"Un moteur de recherche cherche des mots. Tapez le métier et la ville.","title":"Chercher avec les bons mots","try":"Essayez maintenant : tapez « vendeur » et votre ville."}`; string(l) != want {
		t.Errorf("lesson =\n%s\nwant\n%s", l, want)
	}
	g, _ := json.Marshal(got.Glossary[0])
	if want := `{"also":["navigateur web"],"en":{"also":["web browser"],"term":"browser","text":"The app you use to open websites, for example Chrome, Safari or Firefox."},"term":"navigateur","text":"L'appli qui sert à ouvrir les sites internet. Par exemple Chrome, Safari ou Firefox."}`; string(g) != want {
		t.Errorf("term =\n%s\nwant\n%s", g, want)
	}

	// A lesson's can and priority.
	out.Reset()
	if code := run(context.Background(), []string{"content", "export", "--json", "--bank", "../../engine/bank/testdata/cues/clean"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.Lessons[0]["can"] != "chercher avec les bons mots" || got.Lessons[0]["priority"] != 1.0 {
		t.Errorf("lesson can and priority: %v %v", err, got.Lessons[0])
	}

	// The embedded bank exports too.
	out.Reset()
	if code := run(context.Background(), []string{"content", "export", "--json"}, nil, &out, &errOut); code != 0 || !json.Valid(out.Bytes()) {
		t.Errorf("embedded export: exit %d, valid JSON %v", code, json.Valid(out.Bytes()))
	}
}
