package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/diagbot/diagbot/bot/lieux"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
)

func contentCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("content needs check, export or images: %w", errUsage)
	}
	switch args[0] {
	case "check":
		return contentCheck(args[1:], stdout)
	case "export":
		return contentExport(args[1:], stdout)
	case "images":
		return contentImages(args[1:], stdout)
	}
	return fmt.Errorf("unknown content command %q: %w", args[0], errUsage)
}

// bankFS returns the bank in dir, or the embedded bank when dir is empty.
func bankFS(dir string) (fs.FS, string, error) {
	if dir == "" {
		return bank.Embedded(), "embedded bank", nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("cannot open the bank directory: %w", err)
	}
	if !st.IsDir() {
		return nil, "", fmt.Errorf("%s is not a directory: give the folder that holds 1.1.yaml … 5.2.yaml", dir)
	}
	return os.DirFS(dir), dir, nil
}

// checkOptions checks the buttons as the channels will encode them, with the
// largest session nonce and question number.
func checkOptions() bank.CheckOptions {
	return bank.CheckOptions{ButtonData: func(it *bank.Item) []string {
		return dialog.AnswerButtons(^uint32(0), 999, len(it.Choices), it.Type == bank.Multiple)
	}}
}

func contentCheck(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("content check", flag.ContinueOnError)
	fl.SetOutput(stdout)
	calibration := fl.String("calibration", os.Getenv(envCalibration), "a calibration file (diagbot calibrate): show authored beside calibrated parameters and the items to look at (env "+envCalibration+")")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	fsys, name, err := bankFS(fl.Arg(0))
	if err != nil {
		return err
	}
	b, problems := bank.Check(fsys, checkOptions())
	for _, p := range problems {
		fmt.Fprintln(stdout, p.String())
	}
	placeErr := checkPlaceServices(fsys, stdout)
	printCoverage(stdout, b)
	if *calibration != "" {
		if err := printAuthoredVsCalibrated(stdout, b, *calibration); err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %d problem(s) to fix, listed above", name, len(problems))
	}
	if placeErr != nil {
		return fmt.Errorf("%s: %s has problems to fix, listed above", name, lieux.ServicesFile)
	}
	fmt.Fprintf(stdout, "%s: %d items, %d lessons, no problem found\n", name, len(b.Items), len(b.Lessons()))
	return nil
}

func printCoverage(w io.Writer, b *bank.Bank) {
	cov := b.Coverage()
	fmt.Fprintf(w, "\n%-5s", "comp")
	for l := engine.MinLevel; l <= engine.MaxLevel; l++ {
		fmt.Fprintf(w, " %3s", fmt.Sprintf("L%d", l))
	}
	fmt.Fprintf(w, " %4s %6s %7s  %s\n", "pics", "total", "lessons", "name")
	skills, lessons := lessonCoverage(b)
	pics := map[string]int{}
	for _, it := range b.Items {
		if it.Image != "" {
			pics[it.Competence]++
		}
	}
	var col [engine.MaxLevel + 1]int
	allSkills, allLessons := 0, 0
	for _, c := range engine.Competences() {
		cnt := cov[c.ID]
		total := 0
		fmt.Fprintf(w, "%-5s", c.ID)
		for l := engine.MinLevel; l <= engine.MaxLevel; l++ {
			fmt.Fprintf(w, " %3d", cnt[l])
			total += cnt[l]
			col[l] += cnt[l]
		}
		allSkills += skills[c.ID]
		allLessons += lessons[c.ID]
		fmt.Fprintf(w, " %4d %6d %7s  %s\n", pics[c.ID], total, fmt.Sprintf("%d/%d", lessons[c.ID], skills[c.ID]), c.NameFR)
	}
	fmt.Fprintf(w, "%-5s", "all")
	for l := engine.MinLevel; l <= engine.MaxLevel; l++ {
		fmt.Fprintf(w, " %3d", col[l])
	}
	allPics := 0
	for _, n := range pics {
		allPics += n
	}
	fmt.Fprintf(w, " %4d %6d %7s\n", allPics, len(b.Items), fmt.Sprintf("%d/%d", allLessons, allSkills))
	fmt.Fprintf(w, "glossary: %d terms\n%s\n", len(b.Glossary()), strings.Repeat("-", 63))
}

// lessonCoverage counts, per competence, the skills of the bank's items and
// the lessons that teach one of them.
func lessonCoverage(b *bank.Bank) (skills, lessons map[string]int) {
	skills, lessons = map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for _, it := range b.Items {
		k := it.Competence + "/" + it.Skill
		if seen[k] {
			continue
		}
		seen[k] = true
		skills[it.Competence]++
		if _, ok := b.Lesson(it.Competence, it.Skill); ok {
			lessons[it.Competence]++
		}
	}
	return skills, lessons
}
