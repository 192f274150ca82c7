// Package storage keeps everything diagbot must not lose in one bbolt file:
// learners, their session state, the append-only answer log, the inbox of
// received updates, the outbox of messages to send, campaigns, and dead letters.
//
// # Nothing lost, nothing twice
//
// A channel hands every update to [DB.PutInbox] (or [DB.PutInboxBatch]) before it
// acknowledges it, so a crash after the acknowledgement finds the update again in
// [DB.Inbox]. The update's Key is channel-scoped (telegram update id, …) so a
// replay of the same update is a no-op, both while it waits in the inbox and
// after it was handled (the "seen" bucket remembers handled keys until
// [DB.PruneSeen] forgets them; Telegram replays only within 24 hours).
//
// A worker handles one update by computing everything that follows from it and
// handing it to [DB.CommitTurn], which writes it in one transaction: the inbox
// entry leaves, its key becomes "seen", the learner and session are stored, the
// answers are appended, and the outgoing messages enter the outbox. Either all of
// it is on disk or none of it is. Concurrent writes go through one group
// committer (group.go) so workers share fsyncs; it may run a function twice,
// so the function only touches the transaction and re-checks "seen" each time.
//
// Dispatchers read [DB.PendingOutbox], send, and call [DB.MarkSent], [DB.Retry]
// or [DB.Drop]. PendingOutbox never returns a message while an earlier one to the
// same recipient is still pending, so a chat never sees its messages reordered.
//
// # Layout
//
// Keys are compact (big-endian uint64 sequences, "a\x00b" composites so that a
// prefix scan finds one learner's rows in order) and values are mostly JSON,
// so `bbolt get` on a copy of the file is readable by a person. Two are
// binary, because they are the bulk of the file and of every commit: the
// answer log (answers.go), appended in global order so that the turns of a
// commit share its last page, and the index of each learner's answers at the
// head of their sessions value (sessions.go). A finished learner (record,
// 3 KB session, 32 answers) costs about 7 KB of file.
//
// The file carries a schema version in bucket "meta" key "schema". [Open] runs
// the missing migrations in one transaction and refuses a file written by a
// newer diagbot rather than guessing at its layout.
//
// # Privacy
//
// [DB.Export] returns everything about one learner, [DB.Erase] deletes it from
// every bucket and index. bbolt reuses freed pages but does not zero them, so
// erased bytes can survive in free pages (and in a backup of the file) until
// they are overwritten; see [DB.Erase].
package storage
