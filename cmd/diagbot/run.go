package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/bot/attest"
	"github.com/diagbot/diagbot/channels/slack"
	"github.com/diagbot/diagbot/channels/telegram"
	"github.com/diagbot/diagbot/channels/webhook"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/engine/bank"
	"github.com/diagbot/diagbot/storage"
)

// Settings of `diagbot run`, from the environment. Defaults are named here.
const (
	envTelegramToken  = "DIAGBOT_TELEGRAM_TOKEN"
	envTelegramAPI    = "DIAGBOT_TELEGRAM_API_URL"
	envWebhookURL     = "DIAGBOT_WEBHOOK_URL"
	envWebhookListen  = "DIAGBOT_WEBHOOK_LISTEN"
	envWebhookSecret  = "DIAGBOT_WEBHOOK_SECRET"
	envAdminAddr      = "DIAGBOT_ADMIN_ADDR"
	defaultTelegram   = "https://api.telegram.org"
	defaultAdminAddr  = "127.0.0.1:8081"
	defaultListenAddr = ":8443"
)

type runConfig struct {
	db, token, apiURL                        string
	webhookURL, webhookListen, webhookSecret string
	adminAddr, adminToken                    string
	attest                                   attest.Settings // PublicURL "" = no attestations
	publicListen                             string
	slack                                    slackSettings
	log                                      zerolog.Logger
	pollTimeout                              time.Duration
	limiter                                  *telegram.Limiter // default: Telegram's limits
	ready                                    chan<- string     // test hook: the webhook's listen address once up
	webhookLimits                            *serverLimits     // test hook: default webhookLimits
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func runCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fl := flag.NewFlagSet("run", flag.ContinueOnError)
	fl.SetOutput(stderr)
	cfg := runConfig{}
	fl.StringVar(&cfg.db, "db", defaultDBPath(), "bbolt file (env "+envDB+")")
	level := fl.String("log-level", "", "debug, info, warn or error (env "+envLogLevel+", default "+defaultLogLevelRun+")")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	log, err := newLogger(stderr, *level, defaultLogLevelRun)
	if err != nil {
		return err
	}
	bot.TuneGC()
	cfg.log = log
	cfg.token = os.Getenv(envTelegramToken)
	cfg.apiURL = envOr(envTelegramAPI, defaultTelegram)
	cfg.webhookURL = os.Getenv(envWebhookURL)
	cfg.webhookListen = envOr(envWebhookListen, defaultListenAddr)
	cfg.webhookSecret = os.Getenv(envWebhookSecret)
	cfg.adminAddr = envOr(envAdminAddr, defaultAdminAddr)
	cfg.adminToken = os.Getenv(envAdminToken)
	cfg.attest = attestSettings("")
	cfg.publicListen = envOr(envPublicListen, defaultPublicListen)
	cfg.slack = slackSettings{token: os.Getenv(slack.EnvBotToken), appToken: os.Getenv(slack.EnvAppToken),
		apiURL: os.Getenv(slack.EnvAPIURL), channel: os.Getenv(slack.EnvChannel), advisors: os.Getenv(slack.EnvAdvisors)}
	if cfg.token == "" {
		return fmt.Errorf("no channel configured: set %s (from @BotFather), or use `diagbot try` for the terminal", envTelegramToken)
	}
	if cfg.webhookURL != "" && len(cfg.webhookSecret) < 16 {
		return fmt.Errorf("webhook mode needs %s: a random secret of 16 characters or more (A-Z a-z 0-9 _ -)", envWebhookSecret)
	}
	return serve(ctx, cfg)
}

// slackSettings are the advisors' Slack, from the environment.
type slackSettings struct {
	token, appToken, apiURL, channel, advisors string
}

// telegramSender adapts the Telegram channel to the bot's outbox.
type telegramSender struct{ s *telegram.Sender }

func (t telegramSender) Send(ctx context.Context, m storage.Message) (string, error) {
	chat, ok := telegram.ChatID(m.To)
	if !ok {
		return "", fmt.Errorf("outbox message %d is for %q, not a Telegram chat", m.ID, m.To)
	}
	var o dialog.Output
	if err := json.Unmarshal(m.Payload, &o); err != nil {
		return "", fmt.Errorf("outbox message %d is not a dialog output: %w", m.ID, err)
	}
	if m.Kind == bot.KindResultsChart {
		if o.Results == nil {
			return "", fmt.Errorf("outbox message %d: a results chart without results", m.ID)
		}
		return t.s.ResultsChart(ctx, chat, o.Results)
	}
	if o.Kind == dialog.OutAttestation {
		// Three documents from one outbox message: a retry resumes
		// after the last one sent.
		return t.s.SendFiles(ctx, chat, fmt.Sprint(m.ID), o)
	}
	return t.s.Send(ctx, chat, o)
}

func serve(ctx context.Context, cfg runConfig) error {
	bk, eng, err := loadEngine()
	if err != nil {
		return err
	}
	db, err := storage.Open(cfg.db, storage.WithLogger(cfg.log))
	if err != nil {
		return err
	}
	defer db.Close()
	api, err := tg.New(cfg.token, tg.WithServerURL(cfg.apiURL))
	if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
		return telegram.ErrBadToken
	}
	if err != nil {
		return fmt.Errorf("cannot reach Telegram at %s (%s): %w", cfg.apiURL, envTelegramAPI, err)
	}
	limiter := cfg.limiter
	if limiter == nil {
		limiter = telegram.NewLimiter()
	}
	sender := telegram.NewSender(api, limiter, bank.Embedded(), db)
	fu, err := followUpFromEnv()
	if err != nil {
		return err
	}
	senders := map[string]bot.Sender{telegram.Name: telegramSender{sender}, bot.WebhookChannel: bot.WebhookSender{DB: db, S: &webhook.Sender{}}}
	var slackCfg *slack.Config
	var collectors []prometheus.Collector
	var slackSender *bot.SlackSender
	if cfg.slack.token != "" {
		advisors, err := slack.ParseAdvisors(cfg.slack.advisors)
		if err != nil {
			return err
		}
		slackCfg = &slack.Config{BotToken: cfg.slack.token, AppToken: cfg.slack.appToken, APIURL: cfg.slack.apiURL,
			DefaultChannel: cfg.slack.channel, Advisors: advisors, Log: cfg.log, Bank: bk,
			SkillName: bot.SkillNames(bk), ThreadOf: db.HelpThread}
		ss, err := slack.NewSender(*slackCfg)
		if err != nil {
			return err
		}
		slackSender = &bot.SlackSender{S: ss, Started: time.Now()}
		senders[bot.NotifyChannel] = slackSender
		collectors = append(collectors, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "diagbot_slack_reposts_avoided_total",
			Help: "Slack posts found already there after a crash or a lost answer, not posted again."}, func() float64 { return float64(ss.AlreadyPosted()) }))
	} else {
		cfg.log.Warn().Msg("Slack is not configured (" + slack.EnvBotToken + "): advisor notifications wait in the outbox")
	}
	var issuer *attest.Issuer
	if cfg.attest.PublicURL != "" {
		if issuer, err = openIssuer(cfg.db, cfg.attest, cfg.log); err != nil {
			return err
		}
		if !strings.HasPrefix(cfg.attest.PublicURL, "https://") {
			cfg.log.Warn().Str("url", cfg.attest.PublicURL).Msg("the public address is not HTTPS: fine for a test, not for attestations given to learners")
		}
	} else {
		cfg.log.Warn().Msg("no public address (" + envPublicURL + "): learners who ask for an attestation are told it is not available")
	}
	b, err := bot.New(bot.Config{DB: db, Bank: bk, Engine: eng, Log: cfg.log, FollowUp: fu, Senders: senders, Attest: issuer,
		NoAdvisor: slackCfg == nil}) // without Slack nobody reads help requests: the learner is told so
	if err != nil {
		return err
	}
	var listener *slack.Listener
	if slackCfg != nil {
		listener, err = slack.NewListener(*slackCfg, &bot.Advisors{Bot: b, BotName: os.Getenv(envBotUsername), DefaultChannel: cfg.slack.channel})
		if err != nil {
			return err
		}
		if err := listener.Check(ctx); err != nil {
			return err
		}
		slackSender.Changed = listener.HomeChanged
	}
	recv := &telegram.Receiver{APIURL: cfg.apiURL, Token: cfg.token, API: api, Log: cfg.log, Timeout: cfg.pollTimeout}
	collectors = append(collectors, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "diagbot_webhook_refused_total",
		Help: "Webhook calls refused for a missing or wrong secret."}, func() float64 { return float64(recv.Refused()) }))
	if err := recv.Setup(ctx, cfg.webhookURL, cfg.webhookSecret); err != nil {
		return fmt.Errorf("telegram setup: %w", err)
	}
	handle := func(_ context.Context, ins []telegram.Incoming) error {
		us := make([]storage.Update, len(ins))
		for i, in := range ins {
			p, err := json.Marshal(in.Input)
			if err != nil {
				return err
			}
			us[i] = storage.Update{Key: in.Key, Channel: telegram.Name, LearnerID: in.LearnerID, Payload: p}
		}
		return b.ReceiveBatch(us)
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	errs := make(chan error, 3)
	botDone := make(chan error, 1)
	go func() { botDone <- b.Run(runCtx) }()

	admin := newServer(bot.NewAdminHandler(bot.AdminConfig{DB: db, Engine: eng, Bank: bk, Token: cfg.adminToken, Metrics: b.Metrics(),
		BotName: os.Getenv(envBotUsername), Collectors: collectors}), adminLimits)
	go func() {
		ln, err := net.Listen("tcp", cfg.adminAddr)
		if err == nil {
			err = admin.Serve(limitConns(ln, adminLimits.MaxConns))
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("admin address %s (%s): %w", cfg.adminAddr, envAdminAddr, err)
		}
	}()
	var public *http.Server
	if issuer != nil {
		ln, err := net.Listen("tcp", cfg.publicListen)
		if err != nil {
			return fmt.Errorf("public address %s (%s): %w", cfg.publicListen, envPublicListen, err)
		}
		public = publicServer(cfg.publicListen, &attest.Server{DB: db, Issuer: issuer, Log: cfg.log})
		go func() {
			if err := public.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("public address %s (%s): %w", cfg.publicListen, envPublicListen, err)
			}
		}()
		cfg.log.Info().Str("listen", ln.Addr().String()).Str("url", cfg.attest.PublicURL).Msg("public address: attestations are verified here")
	}
	listenerDone := make(chan struct{})
	if listener == nil {
		close(listenerDone)
	} else {
		go func() {
			defer close(listenerDone)
			if err := listener.Run(runCtx); err != nil && runCtx.Err() == nil {
				errs <- fmt.Errorf("slack: %w", err)
			}
		}()
		cfg.log.Info().Msg("slack socket mode")
	}
	var hook *http.Server
	if cfg.webhookURL != "" {
		ln, err := net.Listen("tcp", cfg.webhookListen)
		if err != nil {
			return fmt.Errorf("webhook listen address %s (%s): %w", cfg.webhookListen, envWebhookListen, err)
		}
		limits := webhookLimits
		if cfg.webhookLimits != nil {
			limits = *cfg.webhookLimits
		}
		hook = newServer(recv.Webhook(cfg.webhookSecret, handle), limits)
		go func() {
			if err := hook.Serve(limitConns(ln, limits.MaxConns)); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- err
			}
		}()
		if cfg.ready != nil {
			cfg.ready <- ln.Addr().String()
		}
		cfg.log.Info().Str("listen", cfg.webhookListen).Msg("telegram webhook mode")
	} else {
		go func() {
			if err := recv.Poll(runCtx, handle); err != nil {
				errs <- err
			}
		}()
		if cfg.ready != nil {
			cfg.ready <- ""
		}
		cfg.log.Info().Msg("telegram long-polling mode")
	}
	var runErr error
	botStopped := false
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	case err := <-botDone: // the bot could not start (its inbox is unreadable)
		botStopped = true
		if err != nil {
			runErr = fmt.Errorf("the bot stopped: %w", err)
		}
	}
	// Stop intake first, then let the bot finish its turns and flush.
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if hook != nil {
		hook.Shutdown(shutdown)
	}
	stop()
	<-listenerDone // commands in flight finish before the file closes
	if !botStopped {
		<-botDone
	}
	if public != nil {
		public.Shutdown(shutdown)
	}
	admin.Shutdown(shutdown)
	return runErr
}
