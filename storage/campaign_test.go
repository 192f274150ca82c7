package storage

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestCampaigns(t *testing.T) {
	c := newClock()
	db := openTest(t, withClock(c.Now))
	archived := t0.Add(48 * time.Hour)
	steps := []struct {
		name    string
		create  bool
		c       Campaign
		wantErr error
	}{
		{name: "create", create: true, c: Campaign{Code: "qwerty789", Name: "Lille, mardi", Competences: []string{"1.1", "2.1"}, MaxQuestions: 20, Feedback: true, SlackChannel: "#ml-lille", Owner: "U123"}},
		{name: "create a taken code, other case", create: true, c: Campaign{Code: "QWERTY789", Name: "intrus"}, wantErr: ErrExists},
		{name: "create another", create: true, c: Campaign{Code: " abc ", Name: "Roubaix"}},
		{name: "put updates and keeps CreatedAt", c: Campaign{Code: "Qwerty789", Name: "Lille, mardi", AskExternalID: true, ArchivedAt: &archived}},
		{name: "put creates", c: Campaign{Code: "NEW1", Name: "new"}},
		{name: "empty code", c: Campaign{Code: "  "}, wantErr: ErrInvalid},
		{name: "code with NUL", create: true, c: Campaign{Code: "A\x00B"}, wantErr: ErrInvalid},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			c.Set(t0.Add(time.Duration(i) * time.Hour))
			var err error
			if s.create {
				err = db.CreateCampaign(s.c)
			} else {
				err = db.PutCampaign(s.c)
			}
			if !errors.Is(err, s.wantErr) {
				t.Fatalf("err = %v, want %v", err, s.wantErr)
			}
		})
	}
	got, ok, err := db.Campaign("qWeRtY789")
	if err != nil || !ok {
		t.Fatalf("Campaign: %v %v", ok, err)
	}
	if got.Code != "QWERTY789" || !got.CreatedAt.Equal(t0) || !got.AskExternalID || got.ArchivedAt == nil || !got.ArchivedAt.Equal(archived) {
		t.Errorf("campaign = %+v", got)
	}
	if got.Name != "Lille, mardi" {
		t.Errorf("the failed create changed the campaign: %+v", got)
	}
	if _, ok, _ := db.Campaign("nope"); ok {
		t.Error("unknown campaign found")
	}
	all, err := db.Campaigns()
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, c := range all {
		codes = append(codes, c.Code)
	}
	if fmt.Sprint(codes) != "[ABC NEW1 QWERTY789]" {
		t.Errorf("codes = %v", codes)
	}
}

func TestCampaignLearners(t *testing.T) {
	db := openTest(t)
	join := func(id, code string) {
		mustCommit(t, db, Turn{Learner: &Learner{ID: id, Campaign: code}})
	}
	join("telegram:2", "abc")
	join("telegram:1", "ABC")
	join("telegram:3", "ABCD") // a code that extends another is another campaign
	join("telegram:4", "")
	join("telegram:3", "abc") // moves
	join("telegram:2", "")    // leaves
	tests := []struct{ code, want string }{
		{"abc", "[telegram:1 telegram:3]"},
		{"ABCD", "[]"},
		{"zzz", "[]"},
	}
	for _, tt := range tests {
		ids, err := db.CampaignLearners(tt.code)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids) == "[]" && ids != nil {
			t.Errorf("empty result should be nil")
		}
		if got := fmt.Sprint(ids); got != tt.want {
			t.Errorf("CampaignLearners(%q) = %s, want %s", tt.code, got, tt.want)
		}
	}
}
