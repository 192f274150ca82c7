package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/diagbot/diagbot/bot/attest"
)

// Settings of the attestations and the public address, from the
// environment. Defaults are named here.
const (
	envPublicURL        = "DIAGBOT_PUBLIC_URL"
	envPublicListen     = "DIAGBOT_PUBLIC_LISTEN"
	envIssuerName       = "DIAGBOT_ISSUER_NAME"
	envIssuerURL        = "DIAGBOT_ISSUER_URL"
	envIssuerEmail      = "DIAGBOT_ISSUER_EMAIL"
	defaultPublicListen = "127.0.0.1:8082"
	// defaultTryPublicURL is where `try` says its attestations are
	// verified: this machine, for a try-out (`run` issues none without
	// DIAGBOT_PUBLIC_URL: an employer could not verify them).
	defaultTryPublicURL = "http://localhost:8082"
	defaultIssuerName   = "diagbot"
)

// attestSettings reads the issuer's settings; def is the public URL when
// none is set ("" for none).
func attestSettings(def string) attest.Settings {
	return attest.Settings{PublicURL: envOr(envPublicURL, def), IssuerName: envOr(envIssuerName, defaultIssuerName),
		IssuerURL: os.Getenv(envIssuerURL), IssuerEmail: os.Getenv(envIssuerEmail)}
}

// openIssuer opens (at first run, creates) the signing keys beside the
// database and checks the settings. The key itself is never logged.
func openIssuer(dbPath string, s attest.Settings, log zerolog.Logger) (*attest.Issuer, error) {
	if _, err := s.Check(); err != nil {
		return nil, fmt.Errorf("%v: set %s (and %s)", err, envPublicURL, envIssuerName)
	}
	keys, created, err := attest.OpenKeys(attest.KeyPath(dbPath), 0)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info().Str("path", keys.Path()).Msg("attestation signing key created: back this file up with the database")
	}
	return attest.NewIssuer(s, keys)
}

// publicServer serves the public address (verification pages, keys,
// status lists) on listen.
func publicServer(listen string, h http.Handler) *http.Server {
	return &http.Server{Addr: listen, Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 20 * time.Second, WriteTimeout: 30 * time.Second}
}

func attestationCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("attestation needs a subcommand: verify FILE|CODE, or rotate-key: %w", errUsage)
	}
	fl := flag.NewFlagSet("attestation "+args[0], flag.ContinueOnError)
	fl.SetOutput(stderr)
	dbPath := fl.String("db", defaultDBPath(), "bbolt file; the signing keys are beside it (env "+envDB+")")
	url := fl.String("url", os.Getenv(envPublicURL), "public address of the bot that issued it (env "+envPublicURL+")")
	rest := args[1:]
	var operands []string
	for len(rest) > 0 { // flags before or after the operand
		if err := fl.Parse(rest); err != nil {
			return fmt.Errorf("%v: %w", err, errUsage)
		}
		if fl.NArg() == 0 {
			break
		}
		operands, rest = append(operands, fl.Arg(0)), fl.Args()[1:]
	}
	switch args[0] {
	case "rotate-key":
		keys, _, err := attest.OpenKeys(attest.KeyPath(*dbPath), 0)
		if err != nil {
			return err
		}
		k, err := keys.Rotate(0)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new signing key %s in %s; the %d older ones stay published, so attestations signed with them still verify.\nRestart the bot (diagbot run) so it signs with the new key and serves it.\n",
			k.Thumbprint, keys.Path(), len(keys.Keys())-1)
		return nil
	case "verify":
		if len(operands) != 1 {
			return fmt.Errorf("attestation verify needs one .jwt file or one verification code: %w", errUsage)
		}
		return verifyCmd(ctx, operands[0], *dbPath, strings.TrimRight(*url, "/"), stdout)
	}
	return fmt.Errorf("unknown attestation subcommand %q: use verify or rotate-key: %w", args[0], errUsage)
}

// verifyCmd verifies a .jwt file (offline against the key file, or against
// the keys and the status list of --url) or a code against a running bot.
func verifyCmd(ctx context.Context, what, dbPath, base string, stdout io.Writer) error {
	web := attest.Web{}
	v := attest.Verifier{}
	token, err := os.ReadFile(what)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrNotExist) && len(attest.NormalizeCode(what)) == 10:
		if base == "" {
			return fmt.Errorf("to verify the code %s, give the address of the bot that issued it: --url https://… (or %s)", what, envPublicURL)
		}
		code := attest.NormalizeCode(what)
		body, err := webGet(ctx, attest.CredentialURL(base, code))
		var he *attest.HTTPError
		switch {
		case errors.As(err, &he) && he.Status == http.StatusNotFound:
			return fmt.Errorf("attestation inconnue : aucune attestation ne porte le code %s sur %s", attest.PrintCode(code), base)
		case errors.As(err, &he) && he.Status == http.StatusGone:
			return fmt.Errorf("attestation révoquée : le code %s a été révoqué par son émetteur", attest.PrintCode(code))
		case err != nil:
			return err
		}
		token = body
	default:
		return fmt.Errorf("cannot read %s (a .jwt file, or a 10-character code with --url): %w", what, err)
	}
	if base != "" {
		keys, err := web.FetchJWKS(ctx, base)
		if err != nil {
			return fmt.Errorf("attestation non vérifiée : %w", err)
		}
		v.Keys, v.Status, v.Trust = keys, web.StatusList, base
	} else {
		keys, _, err := attest.OpenKeysReadOnly(attest.KeyPath(dbPath))
		if err != nil {
			return fmt.Errorf("%w\nto verify against a running bot instead, give its address: --url https://…", err)
		}
		v.Keys = keys
	}
	out, err := v.Verify(ctx, string(token))
	if err != nil {
		return fmt.Errorf("attestation refusée : %w", err)
	}
	fmt.Fprint(stdout, describe(out))
	return nil
}

func webGet(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s injoignable : %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &attest.HTTPError{URL: u, Status: resp.StatusCode}
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// describe says in French what a verified attestation attests.
func describe(v *attest.Verified) string {
	c := v.Credential
	var b strings.Builder
	b.WriteString("✅ Attestation valide (signature, émetteur, dates")
	if v.StatusChecked {
		b.WriteString(", non révoquée")
	}
	b.WriteString(")\n")
	for _, id := range c.Subject.Identifier {
		if id.IdentityType == "name" && !id.Hashed {
			fmt.Fprintf(&b, "  Délivrée à : %s\n", id.IdentityHash)
		}
	}
	fmt.Fprintf(&b, "  %s\n", c.Subject.Achievement.Criteria.Narrative)
	names := map[string]string{}
	for _, rd := range c.Subject.Achievement.ResultDescription {
		names[rd.ID] = rd.Name
	}
	for _, r := range c.Subject.Result {
		level := 0
		fmt.Sscan(r.Value, &level)
		fmt.Fprintf(&b, "  %s : %d/8 (%s)\n", names[r.ResultDescription], level, attest.Band(level))
	}
	fmt.Fprintf(&b, "  Émise par : %s (%s), le %s\n", c.Issuer.Name, c.Issuer.ID, c.ValidFrom)
	if !v.StatusChecked {
		b.WriteString("  Révocation : non vérifiée hors ligne ; ajoutez --url https://… pour la vérifier auprès de l'émetteur\n")
	}
	b.WriteString("  " + attest.NotCertificate + "\n")
	return b.String()
}
