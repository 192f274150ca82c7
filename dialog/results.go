package dialog

import (
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
	st.say("finished", "n", res.Questions)
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

func (st *step) results() error {
	res, err := st.env.Engine.Result(st.s.Engine)
	if err != nil {
		return err
	}
	v := &ResultsView{
		Title: T(st.lang(), "results_title"), Level: res.Level, Pix: res.Pix, PixMax: res.PixMax, Questions: res.Questions,
		Summary:    T(st.lang(), "results_level", "level", res.Level, "pix", res.Pix, "pixmax", res.PixMax),
		TrainTitle: T(st.lang(), "to_train"),
	}
	for _, c := range res.Competences {
		comp, _ := engine.CompetenceByID(c.Competence)
		v.Competences = append(v.Competences, CompetenceView{
			ID: c.Competence, Name: comp.Name(st.lang()), Short: comp.Short(st.lang()), Level: c.Level, LevelLow: c.LevelLow, LevelHigh: c.LevelHigh,
			Value: engine.ContinuousLevel(c.Theta), Pix: c.Pix,
		})
	}
	for _, r := range res.Train {
		comp, _ := engine.CompetenceByID(r.Competence)
		tv := TrainView{Competence: r.Competence, Name: comp.Name(st.lang()), Skill: r.Skill, Level: r.Level}
		for _, id := range r.Missed {
			if it, ok := st.env.Bank.Item(id); ok {
				tv.Tips = append(tv.Tips, it.In(st.lang()).Tip)
			}
		}
		v.Train = append(v.Train, tv)
	}
	st.t.Outputs = append(st.t.Outputs, Output{Kind: OutResults, Lang: st.lang(), Results: v})
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
	l := it.In(st.lang())
	var right []string
	if it.Type == bank.Text {
		right = append(right, it.Answers[0])
	} else {
		for _, i := range it.CorrectChoices() {
			right = append(right, l.Choices[i])
		}
	}
	text := T(st.lang(), "review_item", "i", st.s.Review+1, "n", len(missed), "prompt", l.Prompt, "answer", strings.Join(right, " · ")) +
		"\n" + T(st.lang(), "tip", "tip", l.Tip)
	st.sayMenu(text)
	return nil
}
