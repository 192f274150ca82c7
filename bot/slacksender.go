package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/diagbot/diagbot/channels/slack"
	"github.com/diagbot/diagbot/dialog"
	"github.com/diagbot/diagbot/storage"
)

// SlackSender hands the outbox's advisor notifications to the Slack channel,
// in its own terms: the channel knows dialog's notification, not storage.
type SlackSender struct {
	S *slack.Sender
	// Started is when this process started: an entry created before may
	// have been posted by the process before, which stopped (or crashed)
	// before marking it sent.
	Started time.Time
	// Changed is told when a notification that the advisors' Home tabs
	// show was delivered (a help request, a claim, a result); nil: nobody.
	Changed func()
}

// Send implements Sender.
func (a *SlackSender) Send(ctx context.Context, m storage.Message) (string, error) {
	var n dialog.Notification
	if err := json.Unmarshal(m.Payload, &n); err != nil {
		return "", fmt.Errorf("slack: outbox message %d (%s) does not hold a notification: %w", m.ID, m.Kind, err)
	}
	ref, err := a.S.Send(ctx, slack.Notice{
		Key: strconv.FormatUint(m.ID, 10), Kind: m.Kind, To: m.To, Notification: n,
		// A failed attempt may have reached Slack too (a timeout after the
		// post): look before posting again.
		Uncertain: m.Attempts > 0 || m.CreatedAt.Before(a.Started),
	})
	if err == nil && a.Changed != nil {
		switch m.Kind {
		case slack.KindHelp, slack.KindClaimed, slack.KindResolved, slack.KindFinished, slack.KindErased:
			a.Changed()
		}
	}
	return ref, err
}
