package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// Message is an outbox entry: something to send on a channel.
type Message struct {
	ID      uint64 `json:"id"`      // assigned: global enqueue order
	Channel string `json:"channel"` // "telegram", "console", "slack"
	// To is the learner id or the Slack channel. Messages to the same
	// (Channel, To) are delivered in ID order.
	To string `json:"to"`
	// About is the learner a message concerns when To is someone else (an
	// advisor notification in Slack), so Export and Erase find it too.
	About     string          `json:"about,omitempty"`
	Kind      string          `json:"kind"` // free label ("text", "question", "notify_finished", …)
	Payload   json.RawMessage `json:"payload,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	Attempts  int             `json:"attempts"`
	NotBefore time.Time       `json:"not_before,omitzero"` // retry/backoff time
	LastError string          `json:"last_error,omitempty"`
}

func (m *Message) check() error {
	if err := checkID("message channel", m.Channel); err != nil {
		return err
	}
	if err := checkID("message recipient (To)", m.To); err != nil {
		return err
	}
	if len(m.Payload) > 0 && !json.Valid(m.Payload) {
		return fmt.Errorf("storage: message %q to %q has a payload that is not valid JSON: %w", m.Kind, m.To, ErrInvalid)
	}
	return nil
}

// concerns reports whether the message is to or about the learner.
func (m *Message) concerns(learnerID string) bool {
	return m.To == learnerID || m.About == learnerID
}

// splitSeqKey splits "owner \x00 seq(8)".
func splitSeqKey(k []byte) (string, uint64) {
	if len(k) < 9 {
		return "", 0
	}
	return string(k[:len(k)-9]), fromU64(k[len(k)-8:])
}

// enqueue adds m to the outbox with a fresh ID and indexes it by channel.
func enqueue(tx *bbolt.Tx, m Message, now time.Time) (uint64, error) {
	e, err := encodeMessage(m, now)
	if err != nil {
		return 0, err
	}
	return e.enqueue(tx)
}

// encodedMessage is a message marshaled before its transaction (the single
// writer should not spend its time in JSON), with id 0: the id, known only
// inside the transaction, is spliced in by enqueue.
type encodedMessage struct {
	channel, to string
	raw         []byte // `{"id":0,…`
}

// zeroID is how the JSON of a Message with ID 0 starts: ID is its first field.
const zeroID = `{"id":0,`

func encodeMessage(m Message, now time.Time) (encodedMessage, error) {
	m.ID = 0
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return encodedMessage{}, err
	}
	if !bytes.HasPrefix(raw, []byte(zeroID)) {
		return encodedMessage{}, fmt.Errorf("storage: a message encodes as %.20q…, not starting with its id: this is a bug in diagbot", raw)
	}
	return encodedMessage{channel: m.Channel, to: m.To, raw: raw}, nil
}

func (e encodedMessage) enqueue(tx *bbolt.Tx) (uint64, error) {
	b := tx.Bucket(bucketOutbox)
	id, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	v := make([]byte, 0, len(e.raw)+20)
	v = strconv.AppendUint(append(v, `{"id":`...), id, 10)
	v = append(v, e.raw[len(zeroID)-1:]...)
	b.FillPercent = 1 // ids only grow
	if err := b.Put(u64(id), v); err != nil {
		return 0, err
	}
	return id, tx.Bucket(bucketOutboxChan).Put(seqKey(e.channel, id), []byte(e.to))
}

// Enqueue adds messages to the outbox outside of a turn (an advisor's reply
// from Slack, a broadcast) and returns them with their IDs.
func (db *DB) Enqueue(ms ...Message) ([]Message, error) {
	now := db.now()
	for i := range ms {
		if err := ms[i].check(); err != nil {
			return nil, err
		}
	}
	out := make([]Message, len(ms))
	err := db.update("enqueue messages", func(tx *bbolt.Tx) error {
		for i, m := range ms {
			id, err := enqueue(tx, m, now)
			if err != nil {
				return err
			}
			m.ID = id
			if m.CreatedAt.IsZero() {
				m.CreatedAt = now
			}
			out[i] = m
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func getMessage(tx *bbolt.Tx, id uint64) (Message, bool, error) {
	v := tx.Bucket(bucketOutbox).Get(u64(id))
	if v == nil {
		return Message{}, false, nil
	}
	var m Message
	if err := json.Unmarshal(v, &m); err != nil {
		return m, false, fmt.Errorf("decode outbox message %d: %w", id, err)
	}
	return m, true, nil
}

// removeMessage deletes m from the outbox and its channel index.
func removeMessage(tx *bbolt.Tx, m Message) error {
	if err := tx.Bucket(bucketOutbox).Delete(u64(m.ID)); err != nil {
		return err
	}
	return tx.Bucket(bucketOutboxChan).Delete(seqKey(m.Channel, m.ID))
}

// PendingOutbox returns up to limit (0 = no limit) messages of channel that
// are due (NotBefore <= now), in ID order, but only the first pending message
// of each recipient: a later message is never returned while an earlier one to
// the same To is still in the outbox, even if that earlier one waits for its
// NotBefore. This is what keeps a chat in order across retries.
//
// busy, if not nil, names recipients to pass over (a dispatcher is sending
// their first pending message): none of their messages is returned.
func (db *DB) PendingOutbox(channel string, now time.Time, limit int, busy func(to string) bool) ([]Message, error) {
	var out []Message
	err := db.view(fmt.Sprintf("read the %s outbox", channel), func(tx *bbolt.Tx) error {
		heads := make(map[string]bool)
		err := forPrefix(tx.Bucket(bucketOutboxChan), prefix(channel), func(k, v []byte) error {
			if heads[string(v)] {
				return nil // an earlier message to this recipient is pending
			}
			if busy != nil && busy(string(v)) {
				heads[string(v)] = true
				return nil
			}
			_, id := splitSeqKey(k)
			m, ok, err := getMessage(tx, id)
			if err != nil || !ok {
				return err // an index entry without its message holds up no one
			}
			heads[string(v)] = true
			if !m.NotBefore.After(now) {
				out = append(out, m)
				if limit > 0 && len(out) >= limit {
					return errStop
				}
			}
			return nil
		})
		if err == errStop {
			return nil
		}
		return err
	})
	return out, err
}

// errStop ends a scan early; it never leaves this package.
var errStop = errors.New("stop")

// OutboxDepth returns how many messages wait in the channel's outbox ("" for
// all channels): a growing depth means the channel cannot deliver.
func (db *DB) OutboxDepth(channel string) (int, error) {
	var n int
	err := db.view("measure the outbox", func(tx *bbolt.Tx) error {
		if channel == "" {
			n = tx.Bucket(bucketOutbox).Stats().KeyN
			return nil
		}
		return forPrefix(tx.Bucket(bucketOutboxChan), prefix(channel), func(_, _ []byte) error {
			n++
			return nil
		})
	})
	return n, err
}

// MarkSent removes a delivered message from the outbox. Marking twice is
// harmless: a dispatcher that crashed between sending and marking may mark
// again. Nothing else is kept of a delivery: what a channel needs later (the
// Telegram message of a question, the Slack thread of a help request) it
// stores itself, with PutRef or MarkSentHelp.
//
// m is the message as PendingOutbox returned it: its ID and Channel say what
// to remove, so the single writer decodes nothing.
func (db *DB) MarkSent(m Message) error {
	// Dispatchers mark many messages at once: a group commit shares one among
	// them. markSent is idempotent, as it may run twice.
	if err := db.group.do(func(tx *bbolt.Tx) error { _, err := markSent(tx, m); return err }); err != nil {
		return db.wrap(fmt.Sprintf("mark message %d sent", m.ID), err)
	}
	return nil
}

// markSent removes message m from the outbox; found is false if it was not
// there (marked before, or erased with its learner).
func markSent(tx *bbolt.Tx, m Message) (found bool, err error) {
	if tx.Bucket(bucketOutbox).Get(u64(m.ID)) == nil {
		return false, nil
	}
	// A wrong channel would leave the index entry behind, and it would hold
	// up every later message to the recipient.
	if tx.Bucket(bucketOutboxChan).Get(seqKey(m.Channel, m.ID)) == nil {
		return false, fmt.Errorf("message %d is not in the %q outbox: mark it with the message PendingOutbox returned", m.ID, m.Channel)
	}
	return true, removeMessage(tx, m)
}

// Retry records a failed attempt: Attempts+1, NotBefore=next, LastError=errText.
// It fails with ErrNotFound if the message is no longer in the outbox.
func (db *DB) Retry(id uint64, next time.Time, errText string) error {
	return db.update(fmt.Sprintf("record a failed attempt of message %d", id), func(tx *bbolt.Tx) error {
		m, ok, err := getMessage(tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fail("storage: cannot schedule a retry of message %d in %s: it is no longer in the outbox (sent or dropped): %w", id, db.path, ErrNotFound)
		}
		m.Attempts++
		m.NotBefore = next
		m.LastError = errText
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketOutbox).Put(u64(id), v)
	})
}

// DroppedMessage is a message that could never be sent, kept for the operator.
type DroppedMessage struct {
	Message Message   `json:"message"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// Drop removes a message that can never be sent (the learner blocked the bot,
// the Slack channel is gone) and records it with the reason in "dropped".
// Dropping a message that is no longer in the outbox does nothing.
func (db *DB) Drop(id uint64, reason string) error {
	now := db.now()
	return db.update(fmt.Sprintf("drop message %d", id), func(tx *bbolt.Tx) error {
		m, ok, err := getMessage(tx, id)
		if err != nil || !ok {
			return err
		}
		return drop(tx, m, reason, now)
	})
}

func drop(tx *bbolt.Tx, m Message, reason string, now time.Time) error {
	if err := removeMessage(tx, m); err != nil {
		return err
	}
	if goneLearner(tx, m) {
		// An erased learner's last message (the goodbye to someone who
		// blocked the bot): kept for the operator, it would keep their id
		// for KeepDropped after the erasure.
		return nil
	}
	v, err := json.Marshal(DroppedMessage{Message: m, Reason: reason, At: now})
	if err != nil {
		return err
	}
	return tx.Bucket(bucketDropped).Put(u64(m.ID), v)
}

// goneLearner tells whether m goes to a learner (a To of the form
// "channel:chat", as learner ids are) who is no longer stored: erased.
func goneLearner(tx *bbolt.Tx, m Message) bool {
	return strings.HasPrefix(m.To, m.Channel+":") && tx.Bucket(bucketLearners).Get([]byte(m.To)) == nil
}

// DropTo drops every pending message to (channel, to), used when a learner
// became unreachable, and returns how many.
func (db *DB) DropTo(channel, to, reason string) (int, error) {
	now := db.now()
	var n int
	err := db.update(fmt.Sprintf("drop the %s messages to %q", channel, to), func(tx *bbolt.Tx) error {
		n = 0
		var ids []uint64
		err := forPrefix(tx.Bucket(bucketOutboxChan), prefix(channel), func(k, v []byte) error {
			if string(v) == to {
				_, id := splitSeqKey(k)
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			m, ok, err := getMessage(tx, id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := drop(tx, m, reason, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		db.log.Info().Str("channel", channel).Int("dropped", n).Str("reason", reason).Msg("storage dropped messages")
	}
	return n, nil
}

// Dropped returns the dropped messages in ID order, for the operator.
func (db *DB) Dropped() ([]DroppedMessage, error) {
	var out []DroppedMessage
	err := db.view("read dropped messages", func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketDropped).ForEach(func(k, v []byte) error {
			var d DroppedMessage
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode dropped message %d: %w", fromU64(k), err)
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// PruneDropped forgets dropped messages recorded before t: they hold message
// payloads, which are personal data, so they should not be kept forever.
func (db *DB) PruneDropped(before time.Time) (int, error) {
	var n int
	err := db.update("prune dropped messages", func(tx *bbolt.Tx) (err error) {
		n, err = pruneBucket(tx, bucketDropped, func(k, v []byte) (bool, error) {
			var d DroppedMessage
			if err := json.Unmarshal(v, &d); err != nil {
				return false, fmt.Errorf("decode dropped message %d: %w", fromU64(k), err)
			}
			return d.At.Before(before), nil
		})
		return err
	})
	return n, err
}
