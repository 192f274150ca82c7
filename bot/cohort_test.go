package bot

import (
	"strings"
	"testing"

	"github.com/diagbot/diagbot/channels/slack"
)

// Triage of the fixture's campaign: by status, by palier, by a skill lacked.
func TestCohortTriage(t *testing.T) {
	f := newCampaignFixture(t)
	bk, _ := loadTestEngine(t)
	co, err := LoadCohort(f.db, f.eng, bk, "QWERTY789", reportNow)
	if err != nil {
		t.Fatal(err)
	}
	count := func(filter, lacks, palier string) int { return len(co.FilterPalier(filter, lacks, palier)) }
	for _, tt := range []struct {
		filter, lacks, palier string
		want                  int
	}{
		{slack.FilterAll, "", "", 6}, {slack.FilterFinished, "", "", 3}, {slack.FilterStuck, "", "", 1},
		{slack.FilterProgress, "", "", 1}, {slack.FilterHelp, "", "", 0},
	} {
		if got := count(tt.filter, tt.lacks, tt.palier); got != tt.want {
			t.Errorf("%s/%s/%s: %d learners, want %d", tt.filter, tt.lacks, tt.palier, got, tt.want)
		}
	}
	// Every finished learner has a palier; the paliers split them.
	byPalier := 0
	for i := range DefaultPaliers {
		byPalier += count(slack.FilterAll, "", string(rune('1'+i)))
	}
	if byPalier != 3 {
		t.Errorf("paliers cover %d finished learners, want 3", byPalier)
	}
	if n := count(slack.FilterAll, "", "prem"); n != count(slack.FilterAll, "", "1") {
		t.Errorf("a palier by the start of its title: %d", n)
	}
	if count(slack.FilterAll, "", "9") != 0 || count(slack.FilterAll, "", "zzz") != 0 {
		t.Error("an unknown palier keeps someone")
	}
	// Every learner has a next step; a stuck one is to be contacted.
	for _, l := range co.Learners {
		if l.Next == "" {
			t.Errorf("%s has no next step", l.Ref)
		}
		if l.Status == statusLabel[stuck] && !strings.Contains(l.Next, "relancer") {
			t.Errorf("stuck %s: next step %q", l.Ref, l.Next)
		}
	}
	// Topics: the skills most lacked first, each with its learners.
	topics := co.Topics(bk, 5)
	if len(topics) == 0 {
		t.Fatal("no topic")
	}
	for i := 1; i < len(topics); i++ {
		if topics[i].Count > topics[i-1].Count {
			t.Errorf("topics not by count: %+v", topics)
		}
	}
	if got := count(slack.FilterAll, topics[0].Competence+"/"+topics[0].Skill, ""); got != topics[0].Count {
		t.Errorf("the first topic counts %d, its filter keeps %d", topics[0].Count, got)
	}
	adv := &Advisors{Bot: &Bot{cfg: Config{DB: f.db, Engine: f.eng, Bank: bk}}}
	text, err := adv.learnersText(slack.Command{Code: "QWERTY789", Filter: slack.FilterFinished, Palier: "1"}, reportNow)
	if err != nil || !strings.Contains(text, "palier "+DefaultPaliers[0].Title) {
		t.Errorf("learners of palier 1: %v\n%s", err, text)
	}
	if _, err := adv.learnersText(slack.Command{Code: "QWERTY789", Palier: "zzz"}, reportNow); err == nil || !strings.Contains(AdviceOf(err), "palier") {
		t.Errorf("an unknown palier: %v", err)
	}
}
