package dialog

import (
	"slices"
	"strconv"
	"strings"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

// Results and the review of the missed questions.

func (st *step) finish() error {
	if err := st.fire("finish"); err != nil {
		return err
	}
	st.s.FinishedAt = st.env.Now
	st.s.Question = 0
	res, err := st.env.Engine.Result(st.s.Engine)
	if err != nil {
		return err
	}
	st.say("finished", "questions", st.questions(res.Questions))
	ev := st.event(EvFinished, "")
	ev.Result = &res
	ev.Duration = st.env.Now.Sub(st.s.StartedAt)
	st.t.Events = append(st.t.Events, ev)
	if err := st.results(); err != nil {
		return err
	}
	st.offerReview()
	return nil
}

// MaxSummary bounds the first results message: a weak reader reads it to
// the end on a phone. Details come on demand.
const (
	MaxSummary      = 600 // characters
	MaxSummaryLines = 10
)

// results shows the outcome: a picture of the levels per area, then a short
// first message (what the learner can already do, their level with a plain
// word, one next step) with a button per area for the details, one for the
// skills to work and one for the attestation.
func (st *step) results() error {
	res, err := st.env.Engine.Result(st.s.Engine)
	if err != nil {
		return err
	}
	lang := st.lang()
	v := &ResultsView{
		Title: T(lang, "results_title"), Level: res.Level, Pix: res.Pix, PixMax: res.PixMax, Questions: res.Questions,
		TrainTitle: T(lang, "to_train"), ChartTitle: T(lang, "chart_title"),
	}
	for _, c := range res.Competences {
		comp, _ := engine.CompetenceByID(c.Competence)
		v.Competences = append(v.Competences, CompetenceView{
			ID: c.Competence, Name: comp.Name(lang), Plain: plainName(lang, c.Competence), Short: comp.Short(lang),
			Level: c.Level, LevelLow: c.LevelLow, LevelHigh: c.LevelHigh, Value: engine.ContinuousLevel(c.Theta), Pix: c.Pix,
		})
	}
	v.Areas = st.areas(v.Competences)
	v.Train = st.train(res)
	v.Summary = st.summary(res, v.Train)
	var buttons [][]ButtonView
	for _, a := range v.Areas {
		buttons = append(buttons, []ButtonView{{Label: "🔎 " + a.Plain, Data: Button{Menu: "area", Value: strconv.Itoa(a.ID)}.Encode()}})
	}
	if len(v.Train) > 0 {
		buttons = append(buttons, []ButtonView{{Label: T(lang, "btn_train"), Data: Button{Menu: "results", Value: "train"}.Encode()}})
	}
	buttons = append(buttons, []ButtonView{{Label: T(lang, "btn_attestation"), Data: Button{Menu: "attest", Value: "start"}.Encode()}})
	buttons = append(buttons, placesButton(lang))
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutResults, Lang: lang, Results: v, Buttons: buttons})
	return nil
}

// areas is the level of each area measured: the mean of its competences'
// continuous levels, as a whole level.
func (st *step) areas(comps []CompetenceView) []AreaView {
	var out []AreaView
	for _, a := range engine.Areas() {
		sum, n := 0.0, 0
		for _, c := range comps {
			if comp, _ := engine.CompetenceByID(c.ID); comp.Area == a.ID {
				sum, n = sum+c.Value, n+1
			}
		}
		if n == 0 {
			continue
		}
		name := a.NameFR
		if st.lang() == "en" {
			name = a.NameEN
		}
		level := int(sum / float64(n))
		out = append(out, AreaView{ID: a.ID, Plain: plainAreaName(st.lang(), a.ID), Name: name, Level: level, Band: band(st.lang(), level)})
	}
	return out
}

// lesson is the micro-lesson of a skill, when there is one.
func (st *step) lesson(competence, skill string) (LessonView, bool) {
	if st.env.Lesson == nil {
		return LessonView{}, false
	}
	return st.env.Lesson(competence, skill, st.lang())
}

// priority is a skill's usefulness to find a job, 1 (most) to 3.
func priority(l LessonView, ok bool) int {
	if !ok || l.Priority < 1 {
		return 2
	}
	return l.Priority
}

// train is the skills to work, the most useful to find a job first, each
// named by what the learner will be able to do.
func (st *step) train(res engine.Result) []TrainView {
	var out []TrainView
	prio := map[string]int{}
	for _, r := range res.Train {
		comp, _ := engine.CompetenceByID(r.Competence)
		tv := TrainView{Competence: r.Competence, Name: comp.Name(st.lang()), Skill: r.Skill, Level: r.Level}
		l, ok := st.lesson(r.Competence, r.Skill)
		tv.Can = yours(st.lang(), l.Can)
		prio[r.Competence+"/"+r.Skill] = priority(l, ok)
		for _, id := range r.Missed {
			if it, ok := st.env.Bank.Item(id); ok && id != l.Check { // never the answer of a coming check question
				tv.Tips = append(tv.Tips, it.In(st.lang()).Tip)
			}
		}
		out = append(out, tv)
	}
	slices.SortStableFunc(out, func(a, b TrainView) int {
		return prio[a.Competence+"/"+a.Skill] - prio[b.Competence+"/"+b.Skill]
	})
	return out
}

// canDo is what the learner showed they can do: the skills of the items
// they got right, in plain words, the most useful first; at most two.
func (st *step) canDo() []string {
	type can struct {
		text      string
		prio, lvl int
	}
	var cans []can
	seen := map[string]bool{}
	for _, g := range st.s.Given {
		it, ok := st.env.Bank.Item(g.Item)
		if !g.Correct || !ok {
			continue
		}
		l, found := st.lesson(it.Competence, it.Skill)
		text := yours(st.lang(), l.Can)
		if text == "" || seen[text] {
			continue
		}
		seen[text] = true
		cans = append(cans, can{text, priority(l, found), it.Level})
	}
	slices.SortStableFunc(cans, func(a, b can) int {
		if a.prio != b.prio {
			return a.prio - b.prio
		}
		return b.lvl - a.lvl
	})
	var out []string
	for _, c := range cans[:min(2, len(cans))] {
		out = append(out, c.text)
	}
	return out
}

// summary is the first results message: what the learner can do, their
// level with a plain word, one next step; a low result is a start.
func (st *step) summary(res engine.Result, train []TrainView) string {
	lang := st.lang()
	var lines []string
	lines = append(lines, st.levelText("results_band", res.Level))
	right := 0
	for _, g := range st.s.Given {
		if g.Correct {
			right++
		}
	}
	switch cans := st.canDo(); {
	case len(cans) > 0:
		lines = append(lines, T(lang, "results_can", "can", strings.Join(cans, T(lang, "and"))))
	case right > 0:
		lines = append(lines, T(lang, "results_right", "n", right))
	}
	if res.Level <= 2 {
		lines = append(lines, T(lang, "results_start"))
	}
	if len(train) > 0 {
		t := train[0]
		if t.Can != "" {
			lines = append(lines, T(lang, "results_next_can", "can", t.Can))
		} else {
			lines = append(lines, T(lang, "results_next", "name", plainName(lang, t.Competence)))
		}
	}
	lines = append(lines, T(lang, "results_more"))
	return strings.Join(lines, "\n")
}

// levelText says a level with its plain word (key "results_band" or
// "level_short"); below level 1 it says the word alone, never "0 sur 8".
func (st *step) levelText(key string, level int) string {
	if level < 1 {
		return T(st.lang(), key+"_zero", "band", band(st.lang(), level))
	}
	return T(st.lang(), key, "band", band(st.lang(), level), "level", level)
}

// finishedResult is the result of the finished diagnostic; without one it
// says so and ok is false.
func (st *step) finishedResult() (res engine.Result, ok bool, err error) {
	if st.s.FinishedAt.IsZero() || st.s.Engine == nil {
		st.say("no_results", "questions", st.questions(st.answered()))
		return res, false, nil
	}
	res, err = st.env.Engine.Result(st.s.Engine)
	return res, err == nil, err
}

// areaDetail shows one area's competences: the plain name beside the
// framework's, the whole level and its word.
func (st *step) areaDetail(value string) error {
	res, ok, err := st.finishedResult()
	if !ok || err != nil {
		return err
	}
	id, _ := strconv.Atoi(value)
	lang := st.lang()
	var lines []string
	estimated := false
	for _, c := range res.Competences {
		comp, _ := engine.CompetenceByID(c.Competence)
		if comp.Area != id {
			continue
		}
		level := st.levelText("level_short", c.Level)
		if c.Estimated {
			level += " (" + T(lang, "estimated") + ")"
			estimated = true
		}
		lines = append(lines, T(lang, "area_line", "plain", plainName(lang, c.Competence), "name", comp.Name(lang),
			"id", c.Competence, "level", level))
	}
	if len(lines) == 0 {
		st.say("stale_plain")
		return nil
	}
	text := "🔎 " + plainAreaName(lang, id) + "\n" + strings.Join(lines, "\n") + "\n"
	if estimated {
		text += T(lang, "estimated_note") + "\n"
	}
	text += T(lang, "pix_line", "pix", res.Pix, "pixmax", res.PixMax)
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutText, Lang: lang, Text: text})
	return nil
}

// trainDetail lists the skills to work, the most useful first, by what the
// learner will be able to do.
func (st *step) trainDetail() error {
	res, ok, err := st.finishedResult()
	if !ok || err != nil {
		return err
	}
	lines := []string{T(st.lang(), "to_train")}
	for _, t := range st.train(res) {
		what := t.Can
		if what == "" {
			what = plainName(st.lang(), t.Competence)
		}
		lines = append(lines, "• "+what+" ("+t.Competence+" "+t.Name+")")
	}
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutText, Lang: st.lang(), Text: strings.Join(lines, "\n")})
	return nil
}

func (st *step) missed() []Given {
	var out []Given
	for _, g := range st.s.Given {
		if !g.Correct {
			out = append(out, g)
		}
	}
	return out
}

func (st *step) offerReview() {
	if st.m.current() != StateResults {
		return
	}
	if len(st.missed()) == 0 {
		st.say("no_missed")
		if err := st.closeDiagnostic(); err != nil {
			st.err = err
		}
		return
	}
	st.sayMenu(T(st.lang(), "offer_review"))
}

// MaxReviewScreens is how many missed questions the review shows one by
// one; "Tout voir" shows the rest in one message.
const MaxReviewScreens = 8

// reviewMore tells whether the review is at its last screen with missed
// questions left: its buttons are then "Tout voir" and "Terminer".
func (st *step) reviewMore() bool {
	return st.s.Review == MaxReviewScreens-1 && len(st.missed()) > MaxReviewScreens
}

func (st *step) reviewItem() error {
	missed := st.missed()
	if st.s.Review >= len(missed) {
		st.say("review_done")
		return st.closeDiagnostic()
	}
	g := missed[st.s.Review]
	it, ok := st.env.Bank.Item(g.Item)
	if !ok { // removed from the bank since: skip it
		st.s.Review++
		return st.reviewItem()
	}
	text := T(st.lang(), "review_item", "i", st.s.Review+1, "n", len(missed), "prompt", it.In(st.lang()).Prompt, "answer", st.rightAnswer(it))
	if tip := st.reviewTip(missed, st.s.Review); tip != "" {
		text += "\n" + T(st.lang(), "tip", "tip", tip)
	}
	st.sayMenu(text)
	return nil
}

// reviewAll shows every missed question left after the screens, in one
// message, then closes the diagnostic.
func (st *step) reviewAll() error {
	missed := st.missed()
	var parts []string
	for i := st.s.Review + 1; i < len(missed); i++ {
		it, ok := st.env.Bank.Item(missed[i].Item)
		if !ok {
			continue
		}
		part := "• " + it.In(st.lang()).Prompt + "\n  " + T(st.lang(), "right_answer", "answer", st.rightAnswer(it))
		if tip := st.reviewTip(missed, i); tip != "" {
			part += "\n  " + T(st.lang(), "tip", "tip", tip)
		}
		parts = append(parts, part)
	}
	st.s.Review = len(missed)
	if len(parts) > 0 {
		st.say("review_all", "list", strings.Join(parts, "\n"))
	}
	st.say("review_done")
	return st.closeDiagnostic()
}

// rightAnswer is the right answer of it, in words.
func (st *step) rightAnswer(it *bank.Item) string {
	if it.Type == bank.Text {
		return it.Answers[0]
	}
	l := it.In(st.lang())
	var right []string
	for _, i := range it.CorrectChoices() {
		right = append(right, l.Choices[i])
	}
	return strings.Join(right, " · ")
}

// reviewTip is the tip of missed[i], or "" when the learner already read it
// word for word: after the answer (a campaign with feedback) or earlier in
// the review.
func (st *step) reviewTip(missed []Given, i int) string {
	if st.s.Campaign != nil && st.s.Campaign.Feedback {
		return ""
	}
	it, ok := st.env.Bank.Item(missed[i].Item)
	if !ok {
		return ""
	}
	tip := it.In(st.lang()).Tip
	for _, g := range missed[:i] {
		if prev, ok := st.env.Bank.Item(g.Item); ok && prev.In(st.lang()).Tip == tip {
			return ""
		}
	}
	return tip
}
