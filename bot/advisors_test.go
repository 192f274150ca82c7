package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diagbot/diagbot/channels/slack"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// noteSender records advisor notifications as the Slack channel would get them.
type noteSender struct {
	mu    sync.Mutex
	notes []storage.Message
}

func (n *noteSender) Send(_ context.Context, m storage.Message) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notes = append(n.notes, m)
	return fmt.Sprintf("%s:17000.%d", m.To, m.ID), nil
}

func (n *noteSender) kinds() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var k []string
	for _, m := range n.notes {
		k = append(k, m.Kind+">"+m.To)
	}
	return k
}

func lastText(h *harness, learner string) string {
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	var texts []string
	for _, o := range h.rec.sent[learner] {
		texts = append(texts, o.Text)
		if o.Question != nil {
			texts = append(texts, o.Question.Header)
		}
	}
	return strings.Join(texts, "\n")
}

// TestHelpRequestAnsweredFromSlack: a learner asks for help, an advisor takes
// it, answers in the thread, reads the learner's reply there and closes it;
// the learner goes on with the question.
func TestHelpRequestAnsweredFromSlack(t *testing.T) {
	notes := &noteSender{}
	h := start(t, filepath.Join(t.TempDir(), "b.db"), func(c *Config) { c.Senders[NotifyChannel] = notes })
	if err := h.db.PutCampaign(storage.Campaign{Code: "AIDEZM234", Name: "Aide", Competences: []string{"1.1"}, SlackChannel: "C9"}); err != nil {
		t.Fatal(err)
	}
	adv := &Advisors{Bot: h.bot}
	const l = "test:77"
	h.send(l, "/start AIDEZM234")
	h.send(l, "oui")
	h.send(l, "/aide je suis perdu")
	h.waitIdle()
	// The thread is recorded once Slack has the notification (its outbox is
	// not the learner's, which waitIdle watches).
	var ref string
	eventually(t, 5*time.Second, func() bool {
		r, ok, _ := h.db.HelpThread(l)
		ref = r
		return ok && strings.HasPrefix(r, "C9:")
	}, func() string { return fmt.Sprintf("help thread = %q; notes %v", ref, notes.kinds()) })
	if who, ok, _ := adv.LearnerOfThread(ref); !ok || who != l {
		t.Errorf("LearnerOfThread = %q %v", who, ok)
	}
	act := func(kind, id, text string) {
		t.Helper()
		if err := adv.Advisor(context.Background(), slack.AdvisorAction{Kind: kind, ID: id, LearnerID: l, Ref: ref, User: "U1", Text: text}); err != nil {
			t.Fatal(err)
		}
		h.waitIdle()
	}
	openHelp := func() []storage.HelpOpen {
		t.Helper()
		hs, err := h.db.OpenHelp()
		if err != nil {
			t.Fatal(err)
		}
		return hs
	}
	asked := openHelp()
	if len(asked) != 1 || asked[0].LearnerID != l || asked[0].Campaign != "AIDEZM234" || asked[0].ClaimedBy != "" || asked[0].Since.IsZero() {
		t.Errorf("open help requests after /aide: %+v", asked)
	}
	act("claim", "slack:claim:1", "")
	act("claim", "slack:claim:1", "") // Slack redelivers: handled once
	if hs := openHelp(); len(hs) != 1 || hs[0].ClaimedBy != "U1" || len(asked) == 1 && !hs[0].Since.Equal(asked[0].Since) {
		t.Errorf("open help requests after the claim: %+v", hs)
	}
	act("reply", "slack:message:C9:2", "Relisez la question, puis choisissez.")
	h.send(l, "d'accord merci")
	h.waitIdle()
	act("resolve", "slack:resolve:3", "")
	text := lastText(h, l)
	if n := strings.Count(text, "Question 1 ·"); n != 2 {
		t.Errorf("question 1 shown %d times, want 2 (again after the help)", n)
	}
	for _, want := range []string{"a vu votre demande", "Votre conseiller ou conseillère : Relisez la question", "fermé la demande"} {
		if !strings.Contains(text, want) {
			t.Errorf("the learner did not get %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "a vu votre demande"); n != 1 {
		t.Errorf("claim told %d times", n)
	}
	got := strings.Join(notes.kinds(), " ")
	for _, want := range []string{"notify_help>C9", "notify_claimed>C9", "notify_help_message>C9", "notify_resolved>C9"} {
		if !strings.Contains(got, want) {
			t.Errorf("Slack did not get %s: %s", want, got)
		}
	}
	raw, _, _ := h.db.Session(l)
	var s dialog.Session
	json.Unmarshal(raw, &s)
	if s.State != dialog.StateQuestion || s.HelpPending {
		t.Errorf("after resolve: %s pending=%v", s.State, s.HelpPending)
	}
	if hs := openHelp(); len(hs) != 0 {
		t.Errorf("open help requests after the resolve: %+v", hs)
	}
	// An action for someone unknown creates no one.
	if err := adv.Advisor(context.Background(), slack.AdvisorAction{Kind: "reply", ID: "slack:x", LearnerID: "test:404", Text: "?"}); err != nil {
		t.Fatal(err)
	}
	h.waitIdle()
	if _, ok, _ := h.db.Learner("test:404"); ok {
		t.Error("an advisor's action created a learner")
	}
}

func TestAdvisorCommands(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	adv := &Advisors{Bot: h.bot, BotName: "diagbot_bot"}
	ctx := context.Background()
	r, err := adv.Command(ctx, slack.Command{Op: slack.OpCampaignCreate, User: "U1", Channel: "C5", Name: "Atelier <mardi>", Competences: []string{"4.1"}})
	if err != nil || !strings.Contains(r.Text, "Atelier &lt;mardi&gt;") || len(r.Files) != 1 || !strings.Contains(r.Text, "https://t.me/diagbot_bot?start=") {
		t.Fatalf("create: %+v %v", r, err)
	}
	cs, _ := h.db.Campaigns()
	if len(cs) != 1 || cs[0].SlackChannel != "C5" || cs[0].Owner != "U1" {
		t.Fatalf("stored: %+v", cs)
	}
	code := cs[0].Code
	h.send("test:1", "/start "+strings.ToLower(code))
	h.waitIdle()
	cases := []struct {
		c    slack.Command
		want string
	}{
		{slack.Command{Op: slack.OpCampaignList}, code},
		{slack.Command{Op: slack.OpCampaignStats, Code: code}, "1 apprenant inscrit"},
		{slack.Command{Op: slack.OpCampaignExport, Code: code}, "Export de *" + code},
		{slack.Command{Op: slack.OpLearner, Learner: dialog.LearnerRef("test:1")}, dialog.LearnerRef("test:1")},
		{slack.Command{Op: slack.OpLearner, Learner: "personne"}, "Je ne trouve pas"},
		{slack.Command{Op: slack.OpCampaignStats, Code: "ZZZZZZ999"}, "⚠️"},
		{slack.Command{Op: slack.OpCampaignArchive, Code: code}, "archivée"},
	}
	for _, c := range cases {
		r, err := adv.Command(ctx, c.c)
		if err != nil || !strings.Contains(r.Text, c.want) {
			t.Errorf("%s: %+v %v, want %q", c.c.Op, r, err, c.want)
		}
	}
}

// TestAdvisorCommandEdges: codes as advisors type them, an archived
// campaign, learners that do not exist.
func TestAdvisorCommandEdges(t *testing.T) {
	h := start(t, filepath.Join(t.TempDir(), "b.db"), nil)
	adv := &Advisors{Bot: h.bot, BotName: "diagbot_bot"}
	ctx := context.Background()
	if err := h.db.PutCampaign(storage.Campaign{Code: "BORDAS234", Name: "Bordeaux", Competences: []string{"4.1"}}); err != nil {
		t.Fatal(err)
	}
	h.send("test:1", "/start BORDAS234")
	h.waitIdle()
	cases := []struct {
		c        slack.Command
		want     string
		files    int
		ephemera bool
	}{
		{slack.Command{Op: slack.OpCampaignStats, Code: "bordas234"}, "BORDAS234", 1, false},
		{slack.Command{Op: slack.OpCampaignStats, Code: " bordas 234 "}, "BORDAS234", 1, false},
		{slack.Command{Op: slack.OpCampaignExport, Code: "bordas234"}, "Export de *BORDAS234* : 1 jeune(s)", 1, false},
		{slack.Command{Op: slack.OpCampaignStats, Code: ""}, "⚠️", 0, true},
		{slack.Command{Op: slack.OpCampaignExport, Code: "nope"}, "⚠️", 0, true},
		{slack.Command{Op: slack.OpCampaignArchive, Code: "zzzzzz999"}, "⚠️", 0, true},
		{slack.Command{Op: slack.OpCampaignArchive, Code: "bordas234"}, "archivée", 0, false},
		{slack.Command{Op: slack.OpCampaignArchive, Code: "BORDAS234"}, "archivée", 0, false}, // twice: no harm
		{slack.Command{Op: slack.OpCampaignList}, "(archivée)", 0, false},
		// An archived campaign keeps its results for its advisors.
		{slack.Command{Op: slack.OpCampaignStats, Code: "bordas234"}, "BORDAS234", 1, false},
		{slack.Command{Op: slack.OpLearner, Learner: strings.ToLower(dialog.LearnerRef("test:1"))}, dialog.LearnerRef("test:1"), 0, false},
		{slack.Command{Op: slack.OpLearner, Learner: dialog.LearnerRef("test:404")}, "Je ne trouve pas", 0, true},
		{slack.Command{Op: slack.OpLearner, Learner: "  "}, "Je ne trouve pas", 0, true},
		{slack.Command{Op: "nonsense"}, slack.Usage, 0, true},
	}
	for _, c := range cases {
		r, err := adv.Command(ctx, c.c)
		if err != nil || !strings.Contains(r.Text, c.want) || len(r.Files) != c.files || r.Ephemeral != c.ephemera {
			t.Errorf("%s %q%q: %q files=%d ephemeral=%v err=%v; want %q files=%d ephemeral=%v",
				c.c.Op, c.c.Code, c.c.Learner, r.Text, len(r.Files), r.Ephemeral, err, c.want, c.files, c.ephemera)
		}
	}
	c, _, _ := h.db.Campaign("BORDAS234")
	if c.ArchivedAt == nil {
		t.Error("not archived")
	}
	// Its code no longer enrols anyone.
	h.send("test:2", "/start bordas234")
	h.waitIdle()
	if l, _, _ := h.db.Learner("test:2"); l.Campaign != "" {
		t.Errorf("an archived campaign enrolled %+v", l)
	}
}
