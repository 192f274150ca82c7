package telegram

import (
	"bytes"
	"context"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"

	"github.com/diagbot/diagbot/channels/telegram/telegramtest"
	"github.com/diagbot/diagbot/dialog"
)

// TestSendFilesResumesAfterAFailure: an attestation's three files go as
// documents, the text as the first one's caption; a failure in the middle
// is retried with the same key and sends only what was not sent.
func TestSendFilesResumesAfterAFailure(t *testing.T) {
	srv := telegramtest.NewServer(t)
	api, err := tg.New(srv.Token(), tg.WithServerURL(srv.URL()), tg.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	s := NewSender(api, simLimiter(&fakeClock{now: time.Unix(1e9, 0)}), nil, nil)
	ctx := context.Background()
	o := dialog.Output{Kind: dialog.OutAttestation, Lang: "fr", Text: "Voici votre attestation <de positionnement>.", Files: []dialog.OutFile{
		{Name: "attestation-positionnement.pdf", MIME: "application/pdf", Data: []byte("%PDF-1.3 …")},
		{Name: "attestation-positionnement.png", MIME: "image/png", Data: nil}, // refused by Telegram: empty
		{Name: "attestation-positionnement.jwt", MIME: "application/jwt", Data: []byte("eyJ.eyJ.sig")},
	}}
	if _, err := s.SendFiles(ctx, 7, "42", o); err == nil {
		t.Fatal("an empty file was sent")
	}
	o.Files[1].Data = []byte("\x89PNG…")
	if _, err := s.Send(ctx, 7, dialog.Output{Kind: dialog.OutText, Text: "between"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendFiles(ctx, 7, "42", o); err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent(7)
	var names []string
	for _, m := range sent {
		if m.Method == "sendDocument" {
			names = append(names, m.FileName)
		}
	}
	if len(names) != 3 || names[0] != o.Files[0].Name || names[1] != o.Files[1].Name || names[2] != o.Files[2].Name {
		t.Fatalf("documents sent: %v, want each file once, in order", names)
	}
	if sent[0].PlainText != "Voici votre attestation <de positionnement>." || !bytes.Equal(sent[3].Document, o.Files[2].Data) {
		t.Errorf("caption %q, last document %q", sent[0].PlainText, sent[3].Document)
	}
	// Done: the marks are gone, and a new message with the same files is sent in full.
	if _, ok, _ := s.refs.Ref(LearnerID(7), "f:42:0"); ok {
		t.Error("the marks of a finished send are kept")
	}
	if _, err := s.Send(ctx, 7, o); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Sent(7)); n != 7 {
		t.Errorf("%d messages, want 7", n)
	}
}
