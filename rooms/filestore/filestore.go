// Package filestore is the embedded store, the default for a single node:
// each log of a room is an append-only journal on local disk, fsynced
// before Append returns and replayed into memory when the store is opened.
//
// The journals live in <dir>/rooms: <room>.log for a room's event log and
// <room>.<channel>.log for its other logs (room ids hold no dots, so the two
// never collide). A journal is a sequence of
// records, one per Append call:
//
//	4 bytes   length of the body, big-endian (less than 16 MiB)
//	4 bytes   CRC-32C (Castagnoli) of the body, big-endian
//	body      the appended events as a JSON array
//
// A batch is one record, so a crash in the middle of an Append loses the
// whole batch or none of it, and only ever the last, unacknowledged one.
// Such a crash can only leave a torn tail (a short write, or blocks that
// never reached the disk): Open cuts it off with a warning, keeping the cut
// bytes in <file>.torn-* beside the journal. Anything else (a whole record
// that fails its checksum, a bad record followed by good ones) is damage
// from elsewhere: Open sets that log aside, leaving its file as it is, logs
// an error saying how to repair it, and serves every other log; the set
// aside log answers every call with an error wrapping
// rooms.ErrRoomUnavailable. Nothing read from a journal is ever deleted.
//
// A failed write or fsync leaves the end of a journal unknown: that log
// refuses appends, with an error wrapping rooms.ErrUnavailable, until the
// store is opened again and the replay decides what is on disk.
//
// Only one Store may have a directory open at a time; on Unix a lock file
// (<dir>/LOCK) makes a second Open fail instead of interleaving writes.
package filestore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/parley-hub/parley/rooms"
)

// ErrCorrupt means a journal is damaged in a way a crash cannot explain, so
// the store will not guess which events are real. The errors of a log set
// aside for it wrap it, as well as rooms.ErrRoomUnavailable.
var ErrCorrupt = errors.New("journal is corrupt")

var errClosed = fmt.Errorf("%w: the store is closed", rooms.ErrUnavailable)

// Options tune Open.
type Options struct {
	// Logger receives a warning for each torn record that Open cuts off
	// the end of a journal, and an error for each journal it sets aside.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Store is the embedded store. It keeps every log in memory, so
// reads never touch the disk.
//
// Events returned by Read and Append share their Data with the store:
// treat them as read-only.
type Store struct {
	dir  string   // <dir>/rooms, where the journals are
	lock *os.File // held open for as long as the store is

	mu     sync.RWMutex // guards logs and closed
	logs   map[rooms.LogID]*journal
	closed bool

	nodes nodeBoard
}

var _ rooms.Store = (*Store)(nil)

// journal is one log. Appends to different logs run in parallel.
type journal struct {
	// damaged, set when the store opens and never changed, says why the
	// log is set aside; every call on it fails with it.
	damaged error

	// appendMu serializes appends to the log and is held across the write
	// and the fsync. It guards file and broken.
	appendMu sync.Mutex
	file     *os.File // the journal, opened by the first append
	// broken is set when a write or fsync failed, leaving the end of the
	// journal unknown, or when the store closed. Appends fail with it until
	// the store is opened again and the replay decides what is on disk.
	broken error

	// mu guards events only, and only briefly, so reads never wait for an
	// fsync. Published events are never changed.
	mu     sync.RWMutex
	events []rooms.Event // events[i].Seq == i+1
}

// Open opens the store in dir, creating dir if needed, and replays every
// journal in it.
func Open(dir string) (*Store, error) {
	return OpenWithOptions(dir, Options{})
}

// OpenWithOptions is Open with options.
func OpenWithOptions(dir string, opts Options) (*Store, error) {
	logger := cmp.Or(opts.Logger, slog.Default())
	journals := filepath.Join(dir, "rooms")
	if err := os.MkdirAll(journals, 0o700); err != nil {
		return nil, fmt.Errorf("filestore: open: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: journals, lock: lock, logs: make(map[rooms.LogID]*journal)}

	entries, err := os.ReadDir(journals)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("filestore: open: %w", err)
	}
	for _, entry := range entries {
		stem, ok := strings.CutSuffix(entry.Name(), journalExt)
		if !ok || !entry.Type().IsRegular() {
			continue
		}
		var id rooms.LogID
		id.Room, id.Channel, _ = strings.Cut(stem, ".")
		if !id.Valid() {
			logger.Warn("filestore: ignoring a journal whose name is not a log id", "file", filepath.Join(journals, entry.Name()))
			continue
		}
		path := filepath.Join(journals, entry.Name())
		events, err := replay(path, logger)
		var bad *damage
		if errors.As(err, &bad) {
			s.logs[id] = setAside(logger, id, path, bad, len(events))
			continue
		}
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("filestore: log %q: %w", id, err)
		}
		s.logs[id] = &journal{events: events}
	}
	return s, nil
}

// setAside returns the journal of a log whose file is damaged: it says so
// to every call, and the operator learns from logger what to do.
func setAside(logger *slog.Logger, id rooms.LogID, path string, bad *damage, intact int) *journal {
	logger.Error("filestore: a journal is damaged: its log is set aside and answers 503 until it is repaired; every other log serves",
		"log", id.String(), "room", id.Room, "file", path, "damage", bad.what, "offset", bad.offset, "events_before", intact,
		"repair", fmt.Sprintf("stop parley and copy %s somewhere safe; then restore it from a backup, or keep the %d events before the damage by cutting it to %d bytes (truncate -s %d); then start parley again", path, intact, bad.offset, bad.offset))
	return &journal{damaged: &setAsideError{id: id, bad: bad}}
}

// setAsideError is what every call on a set aside log returns. It wraps
// rooms.ErrRoomUnavailable and the damage (so ErrCorrupt).
type setAsideError struct {
	id  rooms.LogID
	bad *damage
}

func (e *setAsideError) Error() string {
	return fmt.Sprintf("%s: the journal of %s is damaged (%s, at byte %d) and set aside until an operator repairs it",
		rooms.ErrRoomUnavailable, e.id, e.bad.what, e.bad.offset)
}

func (e *setAsideError) Unwrap() []error { return []error{rooms.ErrRoomUnavailable, e.bad} }

// journalExt ends the name of every journal file.
const journalExt = ".log"

// fileName is the journal file of log id.
func fileName(id rooms.LogID) string {
	if id.Channel == "" {
		return id.Room + journalExt
	}
	return id.Room + "." + id.Channel + journalExt
}

// Append implements rooms.Store. It returns once the batch is on disk.
func (s *Store) Append(ctx context.Context, id rooms.LogID, expected uint64, events []rooms.Event) ([]rooms.Event, error) {
	if len(events) == 0 {
		return nil, fmt.Errorf("filestore: append to log %q: no events: %w", id, rooms.ErrInvalid)
	}
	r, err := s.journal(id, true)
	if err != nil {
		return nil, fmt.Errorf("filestore: append to log %q: %w", id, err)
	}
	if r.damaged != nil {
		return nil, fmt.Errorf("filestore: append to log %q: %w", id, r.damaged)
	}

	r.appendMu.Lock()
	defer r.appendMu.Unlock()
	if r.broken != nil {
		return nil, fmt.Errorf("filestore: append to log %q: %w", id, r.broken)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("filestore: append to log %q: %w", id, err)
	}
	// Only appends change events, and they hold appendMu, so it can be read
	// without mu here.
	if last := uint64(len(r.events)); expected != last {
		return nil, fmt.Errorf("filestore: append to log %q at %d: log is at %d: %w", id, expected, last, rooms.ErrConflict)
	}

	batch := slices.Clone(events)
	for i := range batch {
		batch[i].Seq = expected + uint64(i) + 1
	}
	record, err := encodeRecord(batch)
	if err != nil {
		return nil, fmt.Errorf("filestore: append to log %q: %w", id, err)
	}
	// Keep in memory exactly what a replay will load, so a room folds to the
	// same state before and after a restart (JSON drops the monotonic clock
	// reading and compacts Data), and so the log owns its copy of Data.
	stored, err := decodeBody(record[headerSize:])
	if err != nil {
		return nil, fmt.Errorf("filestore: append to log %q: %w", id, err)
	}

	if err := s.write(r, id, record); err != nil {
		return nil, fmt.Errorf("filestore: append to log %q: %w", id, err)
	}

	r.mu.Lock()
	r.events = append(r.events, stored...)
	r.mu.Unlock()
	return slices.Clone(stored), nil
}

// write appends record to the journal and syncs it, creating the file on
// the log's first append. If the write or the sync fails, the journal is
// broken. The caller holds r.appendMu.
func (s *Store) write(r *journal, id rooms.LogID, record []byte) error {
	if r.file == nil {
		f, err := os.OpenFile(filepath.Join(s.dir, fileName(id)), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("%w: %w", rooms.ErrUnavailable, err)
		}
		// A new journal's name must be as durable as its contents.
		if err := syncDir(s.dir); err != nil {
			f.Close()
			return fmt.Errorf("%w: %w", rooms.ErrUnavailable, err)
		}
		r.file = f
	}
	_, err := r.file.Write(record)
	if err == nil {
		err = r.file.Sync()
	}
	if err != nil {
		r.broken = fmt.Errorf("%w: refusing appends until the store is reopened, after a journal write failed: %w", rooms.ErrUnavailable, err)
		return r.broken
	}
	return nil
}

// Read implements rooms.Store.
func (s *Store) Read(_ context.Context, id rooms.LogID, after uint64, limit int) ([]rooms.Event, error) {
	r, err := s.journal(id, false)
	if err != nil {
		return nil, fmt.Errorf("filestore: read log %q: %w", id, err)
	}
	if r == nil {
		return []rooms.Event{}, nil
	}
	if r.damaged != nil {
		return nil, fmt.Errorf("filestore: read log %q: %w", id, r.damaged)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	from := min(after, uint64(len(r.events)))
	to := uint64(len(r.events))
	if limit > 0 {
		to = min(to, from+uint64(limit))
	}
	return slices.Clone(r.events[from:to]), nil
}

// LastSeq implements rooms.Store.
func (s *Store) LastSeq(_ context.Context, id rooms.LogID) (uint64, error) {
	r, err := s.journal(id, false)
	if err != nil {
		return 0, fmt.Errorf("filestore: last seq of log %q: %w", id, err)
	}
	if r == nil {
		return 0, nil
	}
	if r.damaged != nil {
		return 0, fmt.Errorf("filestore: last seq of log %q: %w", id, r.damaged)
	}
	return r.lastSeq(), nil
}

func (r *journal) lastSeq() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return uint64(len(r.events))
}

// Rooms implements rooms.Store.
func (s *Store) Rooms(context.Context) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, fmt.Errorf("filestore: list rooms: %w", errClosed)
	}
	ids := []string{}
	for id, r := range s.logs {
		// A log whose first append failed has an entry but no events; one
		// set aside has events this store cannot read.
		if id.Channel == "" && (r.lastSeq() > 0 || r.damaged != nil) {
			ids = append(ids, id.Room)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Ping implements rooms.Store: it writes, syncs and removes a small file
// next to the journals, which fails on a full or read-only disk.
func (s *Store) Ping(context.Context) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return fmt.Errorf("filestore: ping: %w", errClosed)
	}
	f, err := os.CreateTemp(s.dir, ".ping-*")
	if err != nil {
		return fmt.Errorf("filestore: ping: %w: %w", rooms.ErrUnavailable, err)
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString("ping\n")
	err = errors.Join(err, f.Sync(), f.Close())
	if err != nil {
		return fmt.Errorf("filestore: ping: %w: %w", rooms.ErrUnavailable, err)
	}
	return nil
}

// Close implements rooms.Store. It waits for appends in progress, closes
// the journals and releases the directory. Closing twice is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	var errs []error
	for _, r := range s.logs {
		r.appendMu.Lock()
		if r.file != nil {
			errs = append(errs, r.file.Close())
		}
		r.broken = errClosed
		r.appendMu.Unlock()
	}
	errs = append(errs, s.lock.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("filestore: close: %w", err)
	}
	return nil
}

// journal returns the log with id, adding an empty one if create is set and
// it does not exist; otherwise a missing log is nil.
func (s *Store) journal(id rooms.LogID, create bool) (*journal, error) {
	// Callers validate ids already; this store checks again because an id
	// becomes a file name, and "../x" must never reach the file system.
	if !id.Valid() {
		return nil, fmt.Errorf("log id %q: %w", id, rooms.ErrInvalid)
	}
	s.mu.RLock()
	r, closed := s.logs[id], s.closed
	s.mu.RUnlock()
	if closed {
		return nil, errClosed
	}
	if r != nil || !create {
		return r, nil
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if r = s.logs[id]; r == nil {
		r = &journal{}
		s.logs[id] = r
	}
	return r, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
