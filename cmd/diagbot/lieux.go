package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/bot/lieux"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/storage"
)

// lieuxCmd imports places of digital mediation and shows what a learner
// would be proposed: on the file while the bot is stopped, or (import)
// through a running bot's admin address.
//
//	diagbot lieux import FILE [--source NAME] [--check] [--admin URL]
//	diagbot lieux near POSTCODE [--competences 4.1,2.1] [--at "2026-12-08 10:00"] [--lang en]
func lieuxCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "near") {
		return fmt.Errorf("lieux needs import FILE or near POSTCODE: %w", errUsage)
	}
	sub := args[0]
	fl := flag.NewFlagSet("lieux "+sub, flag.ContinueOnError)
	fl.SetOutput(stderr)
	dbPath := fl.String("db", defaultDBPath(), "bbolt file, while the bot is stopped (env "+envDB+")")
	source := fl.String("source", "", "import: the name of this source; importing it again replaces its places (default: the file's name)")
	check := fl.Bool("check", false, "import: read and check the file, store nothing")
	comps := fl.String("competences", "", "near: the competences to work, in order, comma separated (default: those a job search needs most)")
	atText := fl.String("at", "", `near: the time for "open now", "2006-01-02 15:04" in Paris (default: now)`)
	lang := fl.String("lang", "fr", "near: fr or en")
	admin := fl.String("admin", os.Getenv(envAdminURL), "import: the admin URL of a running bot, e.g. http://127.0.0.1:8081 (env "+envAdminURL+", with "+envAdminToken+")")
	pos, err := parseInterleaved(fl, args[1:])
	if err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	if len(pos) != 1 {
		if sub == "import" {
			return fmt.Errorf("lieux import needs one file: diagbot lieux import lieux.csv: %w", errUsage)
		}
		return fmt.Errorf("lieux near needs one postcode: diagbot lieux near 16000: %w", errUsage)
	}
	if sub == "import" {
		return lieuxImport(pos[0], *source, *dbPath, *admin, *check, stdout)
	}
	req := bot.PlacesRequest{Postcode: pos[0]}
	if !lieux.ValidPostcode(req.Postcode) {
		return fmt.Errorf("%q is not a postcode: give its 5 digits, e.g. 16000: %w", req.Postcode, errUsage)
	}
	if *comps != "" {
		for _, c := range strings.Split(*comps, ",") {
			if _, ok := engine.CompetenceByID(strings.TrimSpace(c)); !ok {
				return fmt.Errorf("--competences: %q is not a competence (1.1 … 5.2): %w", c, errUsage)
			}
			req.Competences = append(req.Competences, strings.TrimSpace(c))
		}
	}
	if *lang != "fr" && *lang != "en" {
		return fmt.Errorf("--lang %q: use fr or en: %w", *lang, errUsage)
	}
	now := time.Now()
	if *atText != "" {
		paris, _ := time.LoadLocation("Europe/Paris")
		if now, err = time.ParseInLocation("2006-01-02 15:04", *atText, paris); err != nil {
			return fmt.Errorf("--at %q: write the time as \"2026-12-08 10:00\": %w", *atText, errUsage)
		}
	}
	sm, err := bot.PlaceServices()
	if err != nil {
		return err
	}
	db, err := openStopped(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	places, err := bot.Places(db)
	if err != nil {
		return err
	}
	s := bot.SuggestPlaces(places, sm, req)
	switch s.Located.By {
	case "postcode":
		fmt.Fprintf(stdout, "%s: the mean position of the %s with this postcode\n", s.Located.Postcode, count(s.Located.Places, "place"))
	case "department":
		fmt.Fprintf(stdout, "%s: no place has this postcode; the mean position of the %s of department %s\n",
			s.Located.Postcode, count(s.Located.Places, "place"), lieux.Department(s.Located.Postcode))
	default:
		fmt.Fprintf(stdout, "%s: no place of department %s is known, so no position: import its places (diagbot lieux import FILE)\n",
			s.Located.Postcode, lieux.Department(s.Located.Postcode))
	}
	fmt.Fprintf(stdout, "competences to work: %s\n\n%s\n\nadvisor: %s\n", strings.Join(s.Focus, ", "), s.Text(*lang, now), s.Line())
	return nil
}

func lieuxImport(file, source, dbPath, admin string, check bool, stdout io.Writer) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("cannot open the file of places: %w", err)
	}
	start := time.Now()
	imp, err := lieux.Read(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	read := time.Since(start)
	if source == "" {
		source = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	for _, r := range imp.Refused {
		fmt.Fprintf(stdout, "%s: refused %s\n", file, r)
	}
	for _, r := range imp.Notes {
		fmt.Fprintf(stdout, "%s: note %s\n", file, r)
	}
	if len(imp.Renamed) > 0 {
		fmt.Fprintf(stdout, "earlier field names read as the current ones: %s\n", strings.Join(imp.Renamed, ", "))
	}
	if len(imp.Unknown) > 0 {
		fmt.Fprintf(stdout, "fields the schema does not know, kept with each place: %s\n", strings.Join(imp.Unknown, ", "))
	}
	summary := fmt.Sprintf("%s (%s): %s taken, %s refused", file, strings.ToUpper(imp.Form), count(len(imp.Places), "place"), count(len(imp.Refused), "row"))
	switch {
	case check:
		fmt.Fprintf(stdout, "%s; checked in %s, nothing stored (--check)\n", summary, read.Round(time.Millisecond))
		return nil
	case len(imp.Places) == 0:
		return fmt.Errorf("%s: nothing stored, the places of source %q were left as they were", summary, source)
	}
	var replaced int
	if admin != "" {
		got, err := importThroughAdmin(admin, source, file, data)
		if err != nil {
			return err
		}
		replaced = got.Replaced
	} else {
		db, err := openStopped(dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		if replaced, err = bot.ImportPlaces(db, source, file, imp); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s; stored as source %q (replacing its %d earlier places) in %s\n",
		summary, source, replaced, time.Since(start).Round(time.Millisecond))
	return nil
}

// openStopped opens the database file, saying what to do when the bot holds it.
func openStopped(path string) (*storage.DB, error) {
	db, err := storage.Open(path, storage.WithTimeout(time.Second))
	if errors.Is(err, storage.ErrLocked) {
		return nil, fmt.Errorf("the bot is running and holds %s: pass --admin %s (%s) and %s, or stop it, run this command, then start it again", path, adminURLHint(), envAdminURL, envAdminToken)
	}
	return db, err
}

// count writes "1 place", "2 places".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// checkPlaceServices checks the bank's map of competences to the services
// of places, when the bank has one, and prints its problems.
func checkPlaceServices(fsys fs.FS, w io.Writer) error {
	b, err := fs.ReadFile(fsys, lieux.ServicesFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		_, err = lieux.ParseServices(bytes.NewReader(b), lieux.ServicesFile)
	}
	if err != nil {
		fmt.Fprintln(w, err)
	}
	return err
}

// importThroughAdmin sends the file of places to a running bot, which reads
// it again and stores it (bot's POST /places).
func importThroughAdmin(admin, source, file string, data []byte) (bot.PlacesImported, error) {
	var got bot.PlacesImported
	token := os.Getenv(envAdminToken)
	if token == "" {
		return got, fmt.Errorf("--admin %s needs the bot's admin token in %s", admin, envAdminToken)
	}
	api := &adminAPI{base: strings.TrimSuffix(admin, "/"), token: token, client: &http.Client{Timeout: 2 * time.Minute}}
	q := url.Values{"source": {source}, "file": {filepath.Base(file)}}
	err := api.getJSON(context.Background(), http.MethodPost, "/places?"+q.Encode(), bytes.NewReader(data), &got)
	return got, err
}
