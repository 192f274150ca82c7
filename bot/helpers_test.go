package bot

import (
	"testing"

	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

func loadTestEngine(t testing.TB) (*bank.Bank, *engine.Engine) {
	t.Helper()
	b, err := bank.Load(bank.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(b.EngineItems(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b, e
}
