package bot

import (
	"errors"
	"fmt"
)

// Problem is an error with two readers. Error() is for the operator, in a
// terminal or a log: English, naming files and commands. Advice is for an
// advisor, who only has Slack: French, saying what to do there.
type Problem struct {
	Err    error
	Advice string
}

func (p *Problem) Error() string { return p.Err.Error() }
func (p *Problem) Unwrap() error { return p.Err }

// problem wraps err with the advice an advisor reads.
func problem(err error, advice string, args ...any) error {
	return &Problem{Err: err, Advice: fmt.Sprintf(advice, args...)}
}

// AdviceOf is what to tell an advisor about err: its advice, or a plain
// sentence when it has none (the details go to the log, not to Slack).
func AdviceOf(err error) string {
	var p *Problem
	if errors.As(err, &p) && p.Advice != "" {
		return p.Advice
	}
	return "Quelque chose n'a pas marché de notre côté. Réessayez dans une minute ; si cela revient, prévenez la personne qui gère diagbot."
}
