package telegramtest

import (
	"slices"
	"time"
)

// rateMethods are the calls Telegram's flood control counts as messages.
var rateMethods = map[string]bool{
	"sendMessage":        true,
	"sendPhoto":          true,
	"sendDocument":       true,
	"editMessageText":    true,
	"editMessageCaption": true,
}

// MaxRate is the largest number of successful sends (sendMessage, sendPhoto,
// sendDocument, editMessageText) to one chat that arrived within any window
// of the given length, by the server clock. Telegram tolerates about one
// message per second per chat with short bursts, so a bot that paces itself
// at 1/s with bursts of 3 must give MaxRate(chat, time.Second) <= 3.
func (s *Server) MaxRate(chatID int64, window time.Duration) int {
	return s.maxRate(window, func(c Call) bool { return c.ChatID == chatID })
}

// MaxGlobalRate is MaxRate over all chats: the bot as a whole must stay
// under about 30 messages per second.
func (s *Server) MaxGlobalRate(window time.Duration) int {
	return s.maxRate(window, func(Call) bool { return true })
}

func (s *Server) maxRate(window time.Duration, keep func(Call) bool) int {
	s.mu.Lock()
	var times []time.Time
	for _, c := range s.calls {
		if c.Status == 200 && rateMethods[c.Method] && keep(c) {
			times = append(times, c.At)
		}
	}
	s.mu.Unlock()
	return maxInWindow(times, window)
}

// maxInWindow counts the most instants falling in any half-open window
// [t, t+window). Calls are recorded when answered, not when they arrive, so
// the times are sorted first.
func maxInWindow(times []time.Time, window time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= window {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
