package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/diagbot/diagbot/engine"
)

// simulate --stdio: the engine plays against an outside harness.

type stdioIn struct {
	Op           string   `json:"op"`
	ID           string   `json:"id"`
	Competences  []string `json:"competences"`
	MaxQuestions int      `json:"max_questions"`
	Seed         uint64   `json:"seed"`
	Strategy     string   `json:"strategy"`
	Item         string   `json:"item"`
	Correct      bool     `json:"correct"`
	Skip         bool     `json:"skip"`
}

type stdioCompetence struct {
	Theta float64 `json:"theta"`
	SE    float64 `json:"se"`
	Level int     `json:"level"`
}

type stdioOut struct {
	ID        string `json:"id,omitempty"`
	Item      string `json:"item,omitempty"`
	Done      bool   `json:"done,omitempty"`
	Questions int    `json:"questions,omitempty"`
	Result    *struct {
		Global      engine.Estimate            `json:"global"`
		Competences map[string]stdioCompetence `json:"competences"`
	} `json:"result,omitempty"`
	Error string `json:"error,omitempty"`
}

func simulateStdio(ctx context.Context, eng *engine.Engine, stdin io.Reader, stdout io.Writer) error {
	sessions := map[string]*engine.State{}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for sc.Scan() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		resp := stdioStep(eng, sessions, line)
		if err := enc.Encode(resp); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	return nil
}

func stdioStep(eng *engine.Engine, sessions map[string]*engine.State, line string) stdioOut {
	var in stdioIn
	if err := json.Unmarshal([]byte(line), &in); err != nil {
		return stdioOut{Error: "malformed line: " + err.Error()}
	}
	if in.ID == "" {
		return stdioOut{Error: "missing \"id\""}
	}
	switch in.Op {
	case "start":
		if _, busy := sessions[in.ID]; busy {
			return stdioOut{ID: in.ID, Error: "learner already started"}
		}
		s, err := eng.Start(engine.Config{Competences: in.Competences, MaxQuestions: in.MaxQuestions, Seed: in.Seed, Strategy: engine.Strategy(in.Strategy)})
		if err != nil {
			return stdioOut{ID: in.ID, Error: err.Error()}
		}
		sessions[in.ID] = s
	case "answer":
		s, ok := sessions[in.ID]
		if !ok {
			return stdioOut{ID: in.ID, Error: "unknown learner: send {\"op\":\"start\"} first"}
		}
		if err := eng.Answer(s, in.Item, in.Correct, in.Skip); err != nil {
			return stdioOut{ID: in.ID, Error: fmt.Sprintf("answer to %q refused: %v (pending: %q)", in.Item, err, s.Pending)}
		}
	default:
		return stdioOut{ID: in.ID, Error: fmt.Sprintf("unknown op %q (start, answer)", in.Op)}
	}
	s := sessions[in.ID]
	it, done, err := eng.Next(s)
	if err != nil {
		return stdioOut{ID: in.ID, Error: err.Error()}
	}
	if !done {
		return stdioOut{ID: in.ID, Item: it.ID}
	}
	delete(sessions, in.ID)
	res, err := eng.Result(s)
	if err != nil {
		return stdioOut{ID: in.ID, Error: err.Error()}
	}
	o := stdioOut{ID: in.ID, Done: true, Questions: res.Questions}
	o.Result = &struct {
		Global      engine.Estimate            `json:"global"`
		Competences map[string]stdioCompetence `json:"competences"`
	}{Global: res.Global, Competences: map[string]stdioCompetence{}}
	for _, cr := range res.Competences {
		o.Result.Competences[cr.Competence] = stdioCompetence{cr.Theta, cr.SE, cr.Level}
	}
	return o
}
