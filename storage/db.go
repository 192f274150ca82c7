package storage

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout version this build writes. A file with a higher
// version is refused by Open.
const SchemaVersion = 3

// Defaults of the options.
const (
	// DefaultTimeout is how long Open waits for the file lock. Short, because
	// the usual holder is another running diagbot that will not let go.
	DefaultTimeout = time.Second

	// maxBatch is the most writes one group commit puts in one
	// transaction (see group.go).
	maxBatch = 1000

	// fileMode: the file holds personal data, so only the owner may read it.
	fileMode = 0o600
	dirMode  = 0o750
)

// DB is the diagbot database. It is safe for concurrent use.
type DB struct {
	bolt  *bbolt.DB
	path  string
	log   zerolog.Logger
	now   func() time.Time
	group *committer

	stopRelease chan struct{} // closed by Close, once
	stopOnce    sync.Once
	released    chan struct{} // closed when the release loop is over
}

// Option configures Open.
type Option func(*config)

type config struct {
	timeout    time.Duration
	noSync     bool
	logger     zerolog.Logger
	release    time.Duration
	writeFault func() error
	migrations []migration
	now        func() time.Time
}

// WithTimeout sets how long Open waits for another process to release the file
// (bbolt Options.Timeout). Zero means the default; bbolt's own zero (wait
// forever) would hang a second diagbot silently.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithNoSync skips fsync on commit. For benchmarks and bulk tests only: a crash
// can then lose or corrupt committed data.
func WithNoSync(v bool) Option { return func(c *config) { c.noSync = v } }

// WithLogger sets where storage logs (opening, migrations, backups, pruning).
// Without it storage logs nothing.
func WithLogger(l zerolog.Logger) Option { return func(c *config) { c.logger = l } }

// withMigrations replaces the migration list: tests use it to inject a fake
// future version without touching the package-level list.
func withMigrations(ms []migration) Option { return func(c *config) { c.migrations = ms } }

// WithWriteFault makes the concurrent writes (turns, updates stored, messages
// marked sent, references) fail with fn's error whenever fn returns one, as a
// full or failing disk would. For tests of what callers do then.
func WithWriteFault(fn func() error) Option { return func(c *config) { c.writeFault = fn } }

// withReleaseEvery sets how often the mapped pages are released.
func withReleaseEvery(d time.Duration) Option { return func(c *config) { c.release = d } }

// withClock replaces time.Now for the times storage assigns itself.
func withClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Open opens the bbolt file at path, creating its directory and the file if
// needed, creates every bucket and migrates the file to SchemaVersion.
//
// If another process holds the file, Open gives up after the timeout with an
// error wrapping ErrLocked. A file written by a newer diagbot is refused with
// ErrNewerSchema: guessing at an unknown layout could destroy data.
func Open(path string, opts ...Option) (*DB, error) {
	cfg := config{
		timeout:    DefaultTimeout,
		logger:     zerolog.Nop(),
		release:    releaseEvery,
		migrations: migrations,
		now:        time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.timeout <= 0 {
		cfg.timeout = DefaultTimeout
	}
	if path == "" {
		return nil, fmt.Errorf("storage: no database file given: set the path of the bbolt file: %w", ErrInvalid)
	}
	if err := checkMigrations(cfg.migrations); err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return nil, fmt.Errorf("storage: cannot create the directory of %s: %w", path, err)
		}
	}
	b, err := bbolt.Open(path, fileMode, &bbolt.Options{
		Timeout:         cfg.timeout,
		NoSync:          cfg.noSync,
		FreelistType:    bbolt.FreelistMapType,
		InitialMmapSize: 1 << 28,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("storage: %s is locked (waited %s): another diagbot is probably running with this file; stop it or use another file: %w (%w)",
			path, cfg.timeout, ErrLocked, err)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: cannot open %s (is it a diagbot database, and readable and writable by this user?): %w", path, err)
	}
	db := &DB{bolt: b, path: path, log: cfg.logger, now: cfg.now}
	from, to, err := db.migrate(cfg.migrations)
	if err != nil {
		_ = b.Close()
		return nil, err
	}
	db.group = newCommitter(b, maxBatch, db.releaseMemory, cfg.writeFault)
	db.stopRelease, db.released = make(chan struct{}), make(chan struct{})
	go db.releaseLoop(cfg.release)
	db.log.Debug().Str("path", path).Int("schema_from", from).Int("schema", to).Msg("storage opened")
	return db, nil
}

// Close releases the file (and its lock). It waits for running transactions.
func (db *DB) Close() error {
	db.group.close()
	db.stopOnce.Do(func() { close(db.stopRelease) })
	<-db.released
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("storage: cannot close %s cleanly (the last commits are on disk; check free space and the disk): %w", db.path, err)
	}
	return nil
}

// Path returns the file path given to Open.
func (db *DB) Path() string { return db.path }

// Backup writes a consistent copy of the whole file to w from a read
// transaction, so the bot keeps running: writers go on committing while the
// copy is written. It returns the number of bytes written.
//
// A writer that must grow the file waits until the copy ends (bbolt cannot
// remap under an open read transaction), so give Backup a fast writer (a
// local file, see BackupFile) rather than a slow network stream.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("storage: backup of %s failed after %d bytes: %w", db.path, n, err)
	}
	db.log.Info().Str("path", db.path).Int64("bytes", n).Msg("storage backup written")
	return n, nil
}

// BackupFile writes a backup to path+".tmp", fsyncs it and renames it to path,
// so path is either the previous backup or a complete new one, never half a file.
func (db *DB) BackupFile(path string) (err error) {
	tmp := path + ".tmp"
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return fmt.Errorf("storage: cannot create the backup directory of %s: %w", path, err)
		}
	}
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, fileMode)
	if err != nil {
		return fmt.Errorf("storage: cannot create backup file %s (check the directory exists and is writable): %w", tmp, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = db.Backup(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("storage: cannot flush backup file %s to disk (check free space): %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("storage: cannot close backup file %s (check free space): %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("storage: cannot rename backup %s to %s: %w", tmp, path, err)
	}
	// Make the rename itself durable; a failure here leaves a complete file.
	if d, derr := os.Open(filepath.Dir(path)); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// Stats describes the file for the admin page and metrics.
type Stats struct {
	Path     string         `json:"path"`
	Schema   int            `json:"schema"`
	FileSize int64          `json:"file_size"` // bytes on disk (bbolt grows the file ahead of use)
	DataSize int64          `json:"data_size"` // bytes up to the last page used, free pages included
	PageSize int            `json:"page_size"`
	FreeSize int64          `json:"free_size"` // bytes of free and pending pages below DataSize, reusable
	Buckets  map[string]int `json:"buckets"`   // keys per bucket
}

// Stats counts the keys of every bucket and measures the file.
func (db *DB) Stats() (Stats, error) {
	s := Stats{Path: db.path, Buckets: make(map[string]int, len(allBuckets))}
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		s.DataSize = tx.Size()
		s.Schema = schemaOf(tx)
		for _, name := range allBuckets {
			if b := tx.Bucket(name); b != nil {
				s.Buckets[string(name)] = b.Stats().KeyN
			}
		}
		return nil
	})
	if err != nil {
		return s, fmt.Errorf("storage: cannot read statistics of %s: %w", db.path, err)
	}
	bs := db.bolt.Stats()
	s.PageSize = db.bolt.Info().PageSize
	s.FreeSize = int64(bs.FreePageN+bs.PendingPageN) * int64(s.PageSize)
	fi, err := os.Stat(db.path)
	if err != nil {
		return s, fmt.Errorf("storage: cannot stat %s: %w", db.path, err)
	}
	s.FileSize = fi.Size()
	return s, nil
}

// WriteStats is what the concurrent writes (turns, updates stored, messages
// marked sent) have cost since Open: how many shared a commit, and how many
// pages the commits wrote. The disk is the bot core's limit (see the README:
// every page costs an fsync'd write), so these are the figures to watch.
type WriteStats struct {
	Commits int64 `json:"commits"` // group commits: transactions, each two fsyncs
	Writes  int64 `json:"writes"`  // the calls they carried
	// PagesWritten counts the pages all transactions wrote, the freelist's
	// included, the meta page not.
	PagesWritten int64 `json:"pages_written"`
	// Busy is the time spent committing: near the elapsed time, the disk is
	// the limit.
	Busy time.Duration `json:"busy_ns"`
	// SlowCommits counts commits that took over 20 ms, which every write
	// then waiting had to wait out: on a healthy disk, none.
	SlowCommits int64 `json:"slow_commits"`
}

// WriteStats reads the counters of the writes since Open.
func (db *DB) WriteStats() WriteStats {
	bs := db.bolt.Stats()
	ps := int64(db.bolt.Info().PageSize)
	return WriteStats{
		Commits:      db.group.commits.Load(),
		Writes:       db.group.calls.Load(),
		PagesWritten: bs.TxStats.GetPageAlloc() / ps,
		Busy:         time.Duration(db.group.busy.Load()),
		SlowCommits:  db.group.slow.Load(),
	}
}

// migration moves the file from version-1 to version. fn runs inside the one
// transaction that also records the new version, so a failed migration leaves
// the file as it was.
type migration struct {
	version int
	name    string
	fn      func(*bbolt.Tx) error
}

// migrations is the ordered history of the layout. Adding schema v2 is one
// entry here (and SchemaVersion = 2); never edit or remove a past entry, files
// in the field were written by it.
var migrations = []migration{
	{version: 1, name: "create buckets", fn: createBuckets},
	{version: 2, name: "drop the delivery records (sent): nothing read them", fn: dropSent},
	{version: 3, name: "answers move to a log in append order, indexed from the sessions", fn: answerLog},
}

// answerLog moves schema 2's answers (bucket "answers": learner \x00 seq of
// the first -> JSON array of records with their seq) to the log in append
// order (answer_log: seq -> record naming the learner), and frames every
// sessions value with the index of the learner's answers (sessions.go).
// Seqs are kept, so the global order stays what it was.
func answerLog(tx *bbolt.Tx) error {
	log, err := tx.CreateBucketIfNotExists(bucketAnswerLog)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketAnswerLog, err)
	}
	log.FillPercent = 1
	// A schema 2 file has it; without it, the index of the answers moved
	// would have nowhere to go.
	sessions, err := tx.CreateBucketIfNotExists(bucketSessions)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketSessions, err)
	}
	seqs := map[string][]uint64{}
	if old := tx.Bucket([]byte("answers")); old != nil {
		type moved struct {
			seq     uint64
			learner string
			rec     []byte
		}
		var all []moved
		err := old.ForEach(func(k, v []byte) error {
			learner, _ := splitSeqKey(k)
			var recs []struct {
				Seq       uint64 `json:"q"`
				UpdateKey string `json:"u"`
				Item      string `json:"i"`
				Correct   bool   `json:"c"`
				Skipped   bool   `json:"s"`
				Response  string `json:"r"`
				At        int64  `json:"t"`
			}
			if err := json.Unmarshal(v, &recs); err != nil {
				return fmt.Errorf("decode the answers of learner %q (key %x): %w", learner, k, err)
			}
			if checkID("learner id", learner) != nil {
				return fmt.Errorf("the answers under key %x name no learner: restore a backup", k)
			}
			for _, r := range recs {
				if r.Seq == 0 {
					return fmt.Errorf("an answer of learner %q has no seq: restore a backup", learner)
				}
				rec := answerRecord{Learner: learner, UpdateKey: r.UpdateKey, Item: r.Item, Correct: r.Correct,
					Skipped: r.Skipped, Response: r.Response, At: r.At}
				all = append(all, moved{r.Seq, learner, rec.encode()})
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Put in seq order: until the commit splits them, all the Puts of
		// this one transaction land in the same in-memory node of the log,
		// and each Put out of order would shift everything after it
		// (quadratic in the answers: hours on a large file).
		slices.SortFunc(all, func(a, b moved) int { return cmp.Compare(a.seq, b.seq) })
		for i, m := range all {
			if i > 0 && all[i-1].seq == m.seq {
				return fmt.Errorf("answer %d is stored twice (learners %q and %q): restore a backup", m.seq, all[i-1].learner, m.learner)
			}
			if err := log.Put(u64(m.seq), m.rec); err != nil {
				return err
			}
			seqs[m.learner] = append(seqs[m.learner], m.seq)
		}
		if err := log.SetSequence(max(log.Sequence(), old.Sequence())); err != nil {
			return err
		}
		if err := tx.DeleteBucket([]byte("answers")); err != nil {
			return err
		}
	}
	// Frame every session, and index the answers of learners without one.
	// Only the keys are held: each value is read, framed (encode copies it)
	// and put back in key order, so the memory is what bbolt itself holds.
	var learners []string
	err = sessions.ForEach(func(k, _ []byte) error {
		learners = append(learners, string(k))
		return nil
	})
	if err != nil {
		return err
	}
	for learner := range seqs {
		if sessions.Get([]byte(learner)) == nil {
			learners = append(learners, learner)
		}
	}
	slices.Sort(learners)
	for _, learner := range learners {
		var v sessionValue
		switch raw := sessions.Get([]byte(learner)); {
		case raw == nil:
		case firstByte(raw) != sessionFormat: // schema 2: the session JSON alone
			v.session = raw
		default: // written by this version into an older file (tests)
			if v, err = decodeSessionValue(raw); err != nil {
				return fmt.Errorf("the stored session of learner %q is corrupt (%v): restore a backup", learner, err)
			}
		}
		if s := seqs[learner]; len(s) > 0 {
			v.seqs = append(v.seqs, s...)
			slices.Sort(v.seqs)
			v.seqs = slices.Compact(v.seqs)
		}
		if err := putSessionValue(tx, learner, v); err != nil {
			return err
		}
	}
	return nil
}

// dropSent removes schema 1's "sent" bucket: a record per delivered message
// (its channel reference), kept 30 days and read by nothing since the
// channels keep what they need themselves. Writing it cost every commit a
// page or two.
func dropSent(tx *bbolt.Tx) error {
	if err := tx.DeleteBucket([]byte("sent")); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
		return fmt.Errorf("delete bucket sent: %w", err)
	}
	return nil
}

// createBuckets creates every bucket of the current layout; it is idempotent,
// so Open also runs it after the migrations.
func createBuckets(tx *bbolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	return nil
}

func checkMigrations(ms []migration) error {
	for i, m := range ms {
		if m.version != i+1 || m.fn == nil {
			return fmt.Errorf("storage: migration list is broken at entry %d (%q, version %d): versions must be 1, 2, 3… with a function: this is a bug in diagbot", i, m.name, m.version)
		}
	}
	return nil
}

// schemaOf reads the stored schema version; 0 means a new, empty file.
func schemaOf(tx *bbolt.Tx) int {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return 0
	}
	v, err := strconv.Atoi(string(b.Get(keySchema)))
	if err != nil {
		return 0
	}
	return v
}

// migrate runs the missing migrations and records the version, all in one
// transaction. It returns the version found and the version now stored.
func (db *DB) migrate(ms []migration) (from, to int, err error) {
	to = len(ms)
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		from = schemaOf(tx)
		if b := tx.Bucket(bucketMeta); b != nil && b.Get(keySchema) != nil && from == 0 {
			return fmt.Errorf("storage: %s has an unreadable schema version %q in bucket meta: restore a backup: %w", db.path, b.Get(keySchema), ErrInvalid)
		}
		if from > to {
			return fmt.Errorf("storage: %s uses schema version %d but this diagbot knows only up to %d: run the newer diagbot that wrote it, or restore a backup made by this version: %w",
				db.path, from, to, ErrNewerSchema)
		}
		for _, m := range ms[from:] {
			if err := m.fn(tx); err != nil {
				return fmt.Errorf("storage: migration %d (%s) of %s failed, the file was left at version %d: %w", m.version, m.name, db.path, from, err)
			}
			db.log.Info().Str("path", db.path).Int("version", m.version).Str("migration", m.name).Msg("storage migrated")
		}
		if err := createBuckets(tx); err != nil {
			return fmt.Errorf("storage: cannot create the buckets of %s: %w", db.path, err)
		}
		if from == to {
			return nil
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(to)))
	})
	return from, to, err
}

// update runs fn in a write transaction and wraps failures with what and the file.
func (db *DB) update(what string, fn func(*bbolt.Tx) error) error {
	if err := db.bolt.Update(fn); err != nil {
		return db.wrap(what, err)
	}
	return nil
}

// view runs fn in a read transaction and wraps failures with what and the file.
func (db *DB) view(what string, fn func(*bbolt.Tx) error) error {
	if err := db.bolt.View(fn); err != nil {
		return db.wrap(what, err)
	}
	return nil
}

// wrap names the operation and the file. Errors that already explain
// themselves (ours start with "storage:") are only passed through.
func (db *DB) wrap(what string, err error) error {
	var own *storageError
	if errors.As(err, &own) {
		return err
	}
	return fmt.Errorf("storage: cannot %s in %s: %w", what, db.path, err)
}

// storageError marks an error already phrased for a person, so wrap leaves it alone.
type storageError struct{ err error }

func (e *storageError) Error() string { return e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }

// fail builds an already-phrased error (see wrap).
func fail(format string, args ...any) error {
	return &storageError{fmt.Errorf(format, args...)}
}

// Releasing the mapped file.
//
// bbolt reads the file through a shared memory map. Every page a transaction
// reads stays mapped into the process, and as bbolt writes each change at a
// new place in the file, a busy bot ends up with most of the file mapped: its
// resident size (RSS) grows with the file, though the process holds no more
// memory of its own and the kernel may reclaim those pages at any time
// (BenchmarkMemory: 240 MB of a 670 MB file after 2,000 turns). So the DB
// drops its mapping every releaseEveryCommits group commits and every
// releaseEvery. The pages stay in the kernel's page cache; what is hot (the
// roots and branches of the B+trees) is mapped again at the next read, for
// the cost of a minor fault. Safe at any time: bbolt maps the file read-only
// and shared, and writes with pwrite, so the mapping always shows the page
// cache: a page mapped again shows what it showed before being dropped.
const (
	releaseEveryCommits = 128
	releaseEvery        = time.Second
)

// releaseMemory drops the process's mapping of the file's pages now.
func (db *DB) releaseMemory() {
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		// Inside a read transaction the map cannot move; tx.Size() is
		// within it.
		return dropMapping(db.bolt.Info().Data, tx.Size())
	})
	if err != nil {
		db.log.Warn().Err(err).Msg("storage: cannot release the mapped pages of the file")
	}
}

func (db *DB) releaseLoop(every time.Duration) {
	defer close(db.released)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-db.stopRelease:
			return
		case <-t.C:
			db.releaseMemory()
		}
	}
}
