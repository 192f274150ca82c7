// Package slackfake is an in-process fake of the Slack Web API and Socket
// Mode for tests.
//
// It is github.com/slack-go/slack/slacktest with handlers for the methods
// diagbot calls (auth.test, apps.connections.open, conversations.info,
// conversations.members, conversations.history, users.info,
// chat.postMessage, chat.postEphemeral, chat.update and the two-step file
// upload), so tests run the real client end to end. The server records every
// call, keeps posted messages so that chat.update and conversations.history
// see them, acknowledges nothing itself but records the Socket Mode acks the
// client sends, and fails on demand.
//
// Start one per test with [New] and point the client at [Server.APIURL]:
//
//	f := slackfake.New(t)
//	cfg := slack.Config{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: f.APIURL()}
//
// Then push Socket Mode envelopes ([Server.Push]), wait for what the client
// does ([Server.Wait], [Server.WaitCall], [Server.Acked]) and assert on the
// calls ([Server.OK], [Server.Calls], [Server.Failed]). Faults
// ([Server.Fail], [Server.SetDown], [Server.SetBadTokens]) reproduce HTTP
// errors, rate limits, Slack error codes and outages.
package slackfake
