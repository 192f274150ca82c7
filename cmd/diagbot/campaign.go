package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	randv2 "math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/diagbot/diagbot/bot"
	"github.com/diagbot/diagbot/channels/chart"
	"github.com/diagbot/diagbot/storage"
)

const envBotUsername = "DIAGBOT_TELEGRAM_BOT"

// campaignCmd manages campaigns directly on the file (the bot stopped).
func campaignCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("campaign needs create, list or archive: %w", errUsage)
	}
	fl := flag.NewFlagSet("campaign "+args[0], flag.ContinueOnError)
	fl.SetOutput(stderr)
	dbPath := fl.String("db", defaultDBPath(), "bbolt file (env "+envDB+"); the bot must be stopped")
	comps := fl.String("competences", "", "create: target competences, comma separated (default all 16)")
	maxQ := fl.Int("max", 0, "create: maximum questions (default 32)")
	feedback := fl.Bool("feedback", false, "create: right/wrong after each answer")
	extID := fl.Bool("external-id", false, "create: ask the learner's France Travail identifier")
	slackCh := fl.String("slack-channel", "", "create: Slack channel for this campaign's notifications")
	owner := fl.String("owner", "", "create: the advisor who owns it")
	botName := fl.String("bot", os.Getenv(envBotUsername), "create: the bot's Telegram username, for the link (env "+envBotUsername+")")
	qr := fl.String("qr", "", "create: write the QR code of the link to this PNG file")
	if err := fl.Parse(args[1:]); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	db, err := storage.Open(*dbPath, storage.WithTimeout(time.Second))
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	switch args[0] {
	case "create":
		name := strings.Join(fl.Args(), " ")
		c := storage.Campaign{Name: name, MaxQuestions: *maxQ, Feedback: *feedback, AskExternalID: *extID, SlackChannel: *slackCh, Owner: *owner}
		if *comps != "" {
			c.Competences = strings.Split(*comps, ",")
		}
		var seed [16]byte
		rand.Read(seed[:])
		r := randv2.New(randv2.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
		c, err := bot.CreateCampaign(db, c, r, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "campagne « %s » : code %s\n", c.Name, c.Code)
		if *botName == "" {
			fmt.Fprintf(stdout, "lien : give --bot or %s to print the t.me link\n", envBotUsername)
			return nil
		}
		link := bot.DeepLink(*botName, c.Code)
		fmt.Fprintf(stdout, "lien : %s\n", link)
		if *qr != "" {
			png, err := chart.QR(link, 800, c.Code)
			if err != nil {
				return err
			}
			if err := os.WriteFile(*qr, png, 0o644); err != nil {
				return fmt.Errorf("cannot write the QR code: %w", err)
			}
			fmt.Fprintf(stdout, "QR code : %s\n", *qr)
		}
	case "list":
		cs, err := db.Campaigns()
		if err != nil {
			return err
		}
		for _, c := range cs {
			state := "ouverte"
			if c.ArchivedAt != nil {
				state = "archivée"
			}
			learners, _ := db.CampaignLearners(c.Code)
			comps := "toutes"
			if len(c.Competences) > 0 {
				comps = strings.Join(c.Competences, ",")
			}
			fmt.Fprintf(stdout, "%s  %-9s  %3d apprenants  compétences %s  %s\n", c.Code, state, len(learners), comps, c.Name)
		}
		if len(cs) == 0 {
			fmt.Fprintln(stdout, "aucune campagne : diagbot campaign create NOM")
		}
	case "archive":
		code, ok := bot.NormalizeCode(fl.Arg(0))
		if !ok {
			return fmt.Errorf("%q is not a campaign code (6 letters, 3 digits): %w", fl.Arg(0), errUsage)
		}
		c, err := bot.ArchiveCampaign(db, code, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "campagne %s archivée\n", c.Code)
	default:
		return fmt.Errorf("unknown campaign command %q (create, list, archive): %w", args[0], errUsage)
	}
	return nil
}
