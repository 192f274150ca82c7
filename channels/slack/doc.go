// Package slack is diagbot's channel to advisors, through Slack
// (github.com/slack-go/slack, imported as slackapi).
//
// Two parts, both built from one Config:
//
//   - Sender delivers the advisor notifications the bot puts in its outbox
//     (a learner finished, asked for help, wrote while help is open, a help
//     request was claimed or resolved, a learner erased their data, the
//     weekly digest). The bot's dispatcher calls Send, retries its errors
//     with backoff and waits at least RetryAfter on a 429.
//   - Listener runs Socket Mode, an outgoing WebSocket, so a Mission Locale
//     needs no public URL. It takes /diagbot commands from advisors, the
//     "Je m'en occupe" and "Résolu" buttons, and advisors' replies in the
//     thread of a help request, and hands them to a Handler (the bot).
//
// Nothing is lost: an event is acknowledged to Slack only after the Handler
// stored it, so a failure means Slack delivers it again, and each action
// carries an ID stable across redeliveries for the bot's inbox.
//
// Learner text is escaped for mrkdwn (&, <, >) before it reaches Slack, and
// advisors' replies are turned back into plain text before they reach a
// learner. Logs at info and above hold no message text and no names.
//
// The Slack app to create and the settings are in README.md.
package slack
