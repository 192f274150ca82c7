package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	randv2 "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/channels/chart"
	"github.com/diagbot/diagbot/engine"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

const envBotUsername = "DIAGBOT_TELEGRAM_BOT"

// campaignCommands are the subcommands of `diagbot campaign`; "apprenant"
// is "learner" for advisors who type French.
var campaignCommands = []string{"create", "list", "archive", "stats", "export", "learner", "apprenant"}

// adminTimeout bounds one request to a running bot's admin address: an
// export of a few thousand learners takes well under a second.
const adminTimeout = 2 * time.Minute

// campaignCmd manages campaigns and reads their reports: directly on the file
// when the bot is stopped, or through a running bot's admin address
// (--admin URL or DIAGBOT_ADMIN_URL, with DIAGBOT_ADMIN_TOKEN).
func campaignCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains(campaignCommands, args[0]) {
		if len(args) == 0 {
			return fmt.Errorf("campaign needs create, list, archive, stats, export or learner: %w", errUsage)
		}
		return fmt.Errorf("unknown campaign command %q (create, list, archive, stats, export, learner): %w", args[0], errUsage)
	}
	sub := args[0]
	if sub == "apprenant" {
		sub = "learner"
	}
	fl := flag.NewFlagSet("campaign "+sub, flag.ContinueOnError)
	fl.SetOutput(stderr)
	dbPath := fl.String("db", defaultDBPath(), "bbolt file, when the bot is stopped (env "+envDB+")")
	admin := fl.String("admin", os.Getenv(envAdminURL), "admin URL of a running bot, e.g. http://127.0.0.1:8081 (env "+envAdminURL+", with "+envAdminToken+")")
	comps := fl.String("competences", "", "create: target competences, comma separated (default all 16)")
	profile := fl.String("profile", "", "create: complet (16 competences, 32 questions) or emploi (6, 24 questions); or give --competences")
	maxQ := fl.Int("max", 0, "create: maximum questions (default 32)")
	feedback := fl.Bool("feedback", false, "create: right/wrong after each answer")
	stopRule := fl.Bool("stop-rule", false, "create: stop asking a competence once its level is known (a shorter test; see README, Stopping when the level is known)")
	minQ := fl.Int("min", 0, "create, with --stop-rule: questions asked at least")
	extID := fl.Bool("external-id", false, "create: ask the learner's France Travail identifier")
	idKind := fl.String("id-kind", "", "create: with --external-id, the identifier asked: france_travail (default) or mission_locale (the file number)")
	helpHours := fl.String("help-hours", "", "create: when an advisor answers help requests, for the learner (default \"sous 2 jours ouvrés\")")
	slackCh := fl.String("slack-channel", "", "create: Slack channel for this campaign's notifications")
	owner := fl.String("owner", "", "create: the advisor who owns it")
	path := fl.Int("path", 0, "create: micro-lessons after the diagnostic, 1 to 30 (default 5; -1 for none)")
	botName := fl.String("bot", os.Getenv(envBotUsername), "create: the bot's Telegram username, for the link (env "+envBotUsername+")")
	qr := fl.String("qr", "", "create: write the QR code of the link to this PNG file")
	hook := fl.String("webhook", "", "create: https URL that receives the campaign's events (started, finished, palier, path_done), signed")
	paliersFile := fl.String("paliers", "", "create: file of 3 to 5 paliers, one per line: level ; title ; advice ; message")
	resultText := fl.String("result-text", "", "create: a message shown with the results")
	resultLink := fl.String("result-link", "", "create: a button shown with the results, \"Label=https://…\"")
	chartOut := fl.String("chart", "", "stats: also write the chart of the mean levels to this PNG file")
	lang := fl.String("lang", "fr", "stats: language of the chart, fr or en")
	out := fl.String("out", "", "export: write the CSV to this file instead of the standard output")
	pos, err := parseInterleaved(fl, args[1:])
	if err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}

	// Check the command line before touching the file or the network.
	var code string
	switch sub {
	case "create":
		if len(pos) == 0 {
			return fmt.Errorf("campaign create needs a name: diagbot campaign create Atelier mardi: %w", errUsage)
		}
	case "archive", "stats", "export":
		if len(pos) != 1 {
			return fmt.Errorf("campaign %s needs one campaign code: diagbot campaign %s QWERTY789: %w", sub, sub, errUsage)
		}
		var ok bool
		if code, ok = bot.NormalizeCode(pos[0]); !ok {
			return fmt.Errorf("%q is not a campaign code (6 letters, 3 digits): %w", pos[0], errUsage)
		}
	case "learner":
		if len(pos) != 1 {
			return fmt.Errorf("campaign learner needs who: the pseudonym shown in Slack (A-…), the external id or the learner id: %w", errUsage)
		}
	}
	if *lang != "fr" && *lang != "en" {
		return fmt.Errorf("--lang %q: use fr or en: %w", *lang, errUsage)
	}

	var api campaignAPI
	if *admin != "" {
		token := os.Getenv(envAdminToken)
		if token == "" {
			return fmt.Errorf("--admin %s needs the bot's admin token in %s", *admin, envAdminToken)
		}
		api = &adminAPI{base: strings.TrimSuffix(*admin, "/"), token: token, client: &http.Client{Timeout: adminTimeout}}
	} else {
		db, err := storage.Open(*dbPath, storage.WithTimeout(time.Second))
		if errors.Is(err, storage.ErrLocked) {
			return fmt.Errorf("the bot is running and holds %s: pass --admin %s (%s) and %s", *dbPath, adminURLHint(), envAdminURL, envAdminToken)
		}
		if err != nil {
			return err
		}
		defer db.Close()
		api = &fileAPI{db: db, now: time.Now}
	}

	switch sub {
	case "create":
		if *path < -1 || *path > 30 {
			return fmt.Errorf("--path %d: give 1 to 30 lessons, or -1 for none: %w", *path, errUsage)
		}
		c := storage.Campaign{Name: strings.Join(pos, " "), Profile: *profile, MaxQuestions: *maxQ, StopWhenKnown: *stopRule, MinQuestions: *minQ, Feedback: *feedback, AskExternalID: *extID, SlackChannel: *slackCh, Owner: *owner, PathLength: *path,
			HelpHours: strings.TrimSpace(*helpHours), ExternalIDKind: strings.TrimSpace(*idKind)}
		if *comps != "" {
			c.Competences = strings.Split(*comps, ",")
		}
		c.WebhookURL, c.ResultText = *hook, *resultText
		if *paliersFile != "" {
			text, err := os.ReadFile(*paliersFile)
			if err != nil {
				return fmt.Errorf("--paliers: %w", err)
			}
			if c.Paliers, err = bot.ParsePaliers(string(text)); err != nil {
				return fmt.Errorf("--paliers %s: %w", *paliersFile, err)
			}
		}
		if *resultLink != "" {
			label, u, ok := strings.Cut(*resultLink, "=")
			if !ok {
				return fmt.Errorf("--result-link %q: write it \"Label=https://…\": %w", *resultLink, errUsage)
			}
			c.ResultLink = &storage.Link{Label: strings.TrimSpace(label), URL: strings.TrimSpace(u)}
		}
		info, err := api.create(ctx, c)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "campagne « %s » : code %s\n", info.Name, info.Code)
		if info.WebhookSecret != "" {
			fmt.Fprintf(stdout, "webhook : %s\nsecret du webhook (à donner au système qui reçoit, il n'est plus affiché ensuite) : %s\n", info.WebhookURL, info.WebhookSecret)
		}
		link := info.Link
		if *botName != "" {
			link = bot.DeepLink(*botName, info.Code)
		}
		if link == "" {
			fmt.Fprintf(stdout, "lien : give --bot or %s to print the t.me link\n", envBotUsername)
			return nil
		}
		fmt.Fprintf(stdout, "lien : %s\n", link)
		if *qr != "" {
			png, err := chart.QR(link, 800, info.Code)
			if err != nil {
				return err
			}
			if err := os.WriteFile(*qr, png, 0o644); err != nil {
				return fmt.Errorf("cannot write the QR code: %w", err)
			}
			fmt.Fprintf(stdout, "QR code : %s\n", *qr)
		}
	case "list":
		cs, err := api.list(ctx)
		if err != nil {
			return err
		}
		for _, c := range cs {
			state := "ouverte"
			if c.ArchivedAt != nil {
				state = "archivée"
			}
			comps := "toutes"
			if len(c.Competences) > 0 {
				comps = strings.Join(c.Competences, ",")
			}
			fmt.Fprintf(stdout, "%s  %-9s  %3d apprenants  compétences %s  %s\n", c.Code, state, c.Learners, comps, c.Name)
		}
		if len(cs) == 0 {
			fmt.Fprintln(stdout, "aucune campagne : diagbot campaign create NOM")
		}
	case "archive":
		c, err := api.archive(ctx, code)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "campagne %s archivée\n", c.Code)
	case "stats":
		chartLang := ""
		if *chartOut != "" {
			chartLang = *lang
		}
		text, png, err := api.stats(ctx, code, chartLang)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, text)
		if *chartOut != "" {
			if err := os.WriteFile(*chartOut, png, 0o644); err != nil {
				return fmt.Errorf("cannot write the chart: %w", err)
			}
			fmt.Fprintf(stdout, "graphique : %s\n", *chartOut)
		}
	case "export":
		if *out == "" {
			_, err := api.export(ctx, code, stdout)
			return err
		}
		rows, err := writeAtomically(*out, func(w io.Writer) (int, error) { return api.export(ctx, code, w) })
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d apprenants exportés dans %s\n", rows, *out)
	case "learner":
		text, err := api.learner(ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, text)
	}
	return nil
}

// parseInterleaved parses flags wherever they stand, so that both
// `stats --chart c.png CODE` and `stats CODE --chart c.png` work, and returns
// the other arguments in order. Everything after "--" is an argument.
func parseInterleaved(fl *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, rest = args[:i], args[i+1:]
	}
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		args = fl.Args()
		if len(args) == 0 {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// adminURLHint is the admin URL of a bot started here with the same
// environment: DIAGBOT_ADMIN_ADDR as seen from this machine.
func adminURLHint() string {
	addr := envOr(envAdminAddr, defaultAdminAddr)
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// writeAtomically writes a file through a temporary one, so that a failed
// export never leaves half a file under the name asked for.
func writeAtomically(path string, write func(io.Writer) (int, error)) (int, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("cannot write %s: %w", path, err)
	}
	n, err := write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("nothing written to %s: %w", path, err)
	}
	return n, nil
}

// campaignAPI is what the campaign commands do, on the file or through the
// admin address of a running bot.
type campaignAPI interface {
	create(ctx context.Context, c storage.Campaign) (bot.CampaignInfo, error)
	list(ctx context.Context) ([]bot.CampaignInfo, error)
	archive(ctx context.Context, code string) (storage.Campaign, error)
	// stats returns the summary, and the chart when chartLang is not "".
	stats(ctx context.Context, code, chartLang string) (string, []byte, error)
	export(ctx context.Context, code string, w io.Writer) (rows int, err error)
	learner(ctx context.Context, query string) (string, error)
}

// fileAPI works on the bbolt file of a stopped bot.
type fileAPI struct {
	db  *storage.DB
	now func() time.Time
	bk  *bank.Bank
	eng *engine.Engine
}

// engine loads the embedded bank and the engine, for the reports only.
func (f *fileAPI) engine() (*engine.Engine, error) {
	if f.eng == nil {
		bk, eng, err := loadEngine()
		if err != nil {
			return nil, err
		}
		f.bk, f.eng = bk, eng
	}
	return f.eng, nil
}

func (f *fileAPI) create(_ context.Context, c storage.Campaign) (bot.CampaignInfo, error) {
	var seed [16]byte
	rand.Read(seed[:])
	r := randv2.New(randv2.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	c, err := bot.CreateCampaign(f.db, c, r, f.now())
	return bot.CampaignInfo{Campaign: c}, err
}

func (f *fileAPI) list(context.Context) ([]bot.CampaignInfo, error) {
	return bot.ListCampaigns(f.db, "")
}

func (f *fileAPI) archive(_ context.Context, code string) (storage.Campaign, error) {
	return bot.ArchiveCampaign(f.db, code, f.now())
}

func (f *fileAPI) stats(_ context.Context, code, chartLang string) (string, []byte, error) {
	eng, err := f.engine()
	if err != nil {
		return "", nil, err
	}
	st, err := bot.Stats(f.db, eng, code, f.now())
	if err != nil || chartLang == "" {
		return st.Text(), nil, err
	}
	png, err := st.Chart(chartLang)
	return st.Text(), png, err
}

func (f *fileAPI) export(_ context.Context, code string, w io.Writer) (int, error) {
	eng, err := f.engine()
	if err != nil {
		return 0, err
	}
	return bot.ExportCSVAt(f.db, eng, f.bk, code, f.now(), w)
}

func (f *fileAPI) learner(_ context.Context, query string) (string, error) {
	eng, err := f.engine()
	if err != nil {
		return "", err
	}
	l, ok, err := bot.FindLearner(f.db, query)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("no learner answers to %q in %s: give the pseudonym shown in Slack (A-…), the external id or the learner id", query, f.db.Path())
	}
	r, err := bot.Report(f.db, eng, f.bk, l.ID)
	return r.Text(), err
}

// adminAPI talks to a running bot through its admin address.
type adminAPI struct {
	base, token string
	client      *http.Client
}

// do sends one request and returns the body of a 2xx answer, or an error
// with the bot's own message.
func (a *adminAPI) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("admin URL %q (--admin or %s): %w", a.base, envAdminURL, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the bot's admin address %s (--admin or %s): %w", a.base, envAdminURL, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var e struct {
		Error string `json:"error"`
	}
	msg := strings.TrimSpace(string(raw))
	if json.Unmarshal(raw, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	return nil, fmt.Errorf("the bot at %s answered %s: %s", a.base, resp.Status, msg)
}

// getJSON decodes the JSON answer to a request into v.
func (a *adminAPI) getJSON(ctx context.Context, method, path string, body io.Reader, v any) error {
	resp, err := a.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("the bot at %s sent an answer this diagbot cannot read (is it the same version?): %w", a.base, err)
	}
	return nil
}

func (a *adminAPI) create(ctx context.Context, c storage.Campaign) (bot.CampaignInfo, error) {
	var info bot.CampaignInfo
	body, err := json.Marshal(c)
	if err != nil {
		return info, err
	}
	err = a.getJSON(ctx, http.MethodPost, "/campaigns", strings.NewReader(string(body)), &info)
	return info, err
}

func (a *adminAPI) list(ctx context.Context) ([]bot.CampaignInfo, error) {
	var cs []bot.CampaignInfo
	err := a.getJSON(ctx, http.MethodGet, "/campaigns", nil, &cs)
	return cs, err
}

func (a *adminAPI) archive(ctx context.Context, code string) (storage.Campaign, error) {
	var c storage.Campaign
	err := a.getJSON(ctx, http.MethodPost, "/campaigns/"+code+"/archive", nil, &c)
	return c, err
}

func (a *adminAPI) stats(ctx context.Context, code, chartLang string) (string, []byte, error) {
	var st struct {
		Text string `json:"text"`
	}
	if err := a.getJSON(ctx, http.MethodGet, "/campaigns/"+code+"/stats", nil, &st); err != nil {
		return "", nil, err
	}
	if chartLang == "" {
		return st.Text, nil, nil
	}
	resp, err := a.do(ctx, http.MethodGet, "/campaigns/"+code+"/stats?format=png&lang="+url.QueryEscape(chartLang), nil)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	png, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", nil, fmt.Errorf("the chart from %s was cut off: %w", a.base, err)
	}
	return st.Text, png, nil
}

func (a *adminAPI) export(ctx context.Context, code string, w io.Writer) (int, error) {
	resp, err := a.do(ctx, http.MethodGet, "/campaigns/"+code+"/export.csv", nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return 0, fmt.Errorf("the export from %s was cut off: %w", a.base, err)
	}
	rows, _ := strconv.Atoi(resp.Header.Get("X-Diagbot-Rows"))
	return rows, nil
}

func (a *adminAPI) learner(ctx context.Context, query string) (string, error) {
	var r struct {
		Text string `json:"text"`
	}
	err := a.getJSON(ctx, http.MethodGet, "/learners/"+url.PathEscape(strings.TrimSpace(query)), nil, &r)
	return r.Text, err
}
