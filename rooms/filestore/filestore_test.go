package filestore_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/rooms/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) rooms.Store { return mustOpen(t, t.TempDir(), nil) })
}

func TestDurable(t *testing.T) {
	t.Parallel()
	storetest.RunDurable(t, func(t *testing.T) (rooms.Store, func() rooms.Store) {
		dir := t.TempDir()
		return mustOpen(t, dir, nil), func() rooms.Store { return mustOpen(t, dir, nil) }
	})
}

// mustOpen opens the store in dir, logging to log if it is not nil.
func mustOpen(t *testing.T, dir string, log *bytes.Buffer) *filestore.Store {
	t.Helper()
	var opts filestore.Options
	if log != nil {
		opts.Logger = slog.New(slog.NewTextHandler(log, nil))
	}
	s, err := filestore.OpenWithOptions(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func event(n int) rooms.Event {
	return rooms.Event{
		Time:  time.Date(2014, time.April, 23, 9, 30, n, 0, time.UTC),
		Actor: rooms.Actor{Sub: "chair-1", Role: "chair"},
		Type:  "hand.raised",
		Data:  json.RawMessage(fmt.Sprintf(`{"n":%d}`, n)),
	}
}

// journalOf appends events 1..n to room "plenary" in dir, one Append each,
// closes the store and returns the journal's path and the offset at which
// each record ends.
func journalOf(t *testing.T, dir string, n int) (string, []int64) {
	t.Helper()
	s := mustOpen(t, dir, nil)
	path := filepath.Join(dir, "rooms", "plenary.log")
	var ends []int64
	for i := range n {
		if _, err := s.Append(t.Context(), rooms.RoomLog("plenary"), uint64(i), []rooms.Event{event(i + 1)}); err != nil {
			t.Fatalf("Append: %v", err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, fi.Size())
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return path, ends
}

// checkLog fails t unless room "plenary" of s holds exactly events 1..n.
func checkLog(t *testing.T, s *filestore.Store, n int) {
	t.Helper()
	got, err := s.Read(t.Context(), rooms.RoomLog("plenary"), 0, 0)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(got) != n {
		t.Fatalf("Read: %d events, want %d", len(got), n)
	}
	for i, e := range got {
		if want := fmt.Sprintf(`{"n":%d}`, i+1); e.Seq != uint64(i+1) || string(e.Data) != want {
			t.Fatalf("event %d = seq %d data %s, want seq %d data %s", i, e.Seq, e.Data, i+1, want)
		}
	}
}

func TestTornTail(t *testing.T) {
	for _, c := range []struct {
		name string
		// damage changes the journal of three records that end at ends.
		damage func(t *testing.T, path string, ends []int64)
		kept   int // events that survive
	}{
		{"short body", func(t *testing.T, path string, ends []int64) {
			truncateFile(t, path, ends[2]-3)
		}, 2},
		{"short header", func(t *testing.T, path string, ends []int64) {
			truncateFile(t, path, ends[1]+5)
		}, 2},
		{"blocks of the body never written", func(t *testing.T, path string, ends []int64) {
			writeAt(t, path, ends[1]+headerSize+4, make([]byte, 8))
		}, 2},
		{"half a record after the last", func(t *testing.T, path string, ends []int64) {
			half := binary.BigEndian.AppendUint32(nil, 100)
			half = binary.BigEndian.AppendUint32(half, 0xdeadbeef)
			appendFile(t, path, append(half, `[{"seq":4,`...))
		}, 3},
		{"zeros after the last", func(t *testing.T, path string, ends []int64) {
			// What a file system that extended the file but never wrote
			// the data leaves.
			appendFile(t, path, make([]byte, 4096))
		}, 3},
		{"the only record torn", func(t *testing.T, path string, ends []int64) {
			truncateFile(t, path, ends[0]-1)
		}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path, ends := journalOf(t, dir, 3)
			c.damage(t, path, ends)
			damaged, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}

			var log bytes.Buffer
			s := mustOpen(t, dir, &log)
			checkLog(t, s, c.kept)
			if !strings.Contains(log.String(), "torn record") {
				t.Errorf("no warning logged about the torn record; log: %q", log.String())
			}
			wantSize := int64(0)
			if c.kept > 0 {
				wantSize = ends[c.kept-1]
			}
			if fi, err := os.Stat(path); err != nil || fi.Size() != wantSize {
				t.Fatalf("journal after replay: %v, %v; want %d bytes", fi.Size(), err, wantSize)
			}
			// The bytes cut off are kept beside the journal.
			torn, err := filepath.Glob(path + ".torn-*")
			if err != nil || len(torn) != 1 {
				t.Fatalf("torn tails kept: %v (%v), want one file", torn, err)
			}
			if kept, err := os.ReadFile(torn[0]); err != nil || !bytes.Equal(kept, damaged[wantSize:]) {
				t.Fatalf("%s holds %d bytes (%v), want the %d cut off", torn[0], len(kept), err, len(damaged)-int(wantSize))
			}

			// The log goes on where the intact records end, and stays so.
			if _, err := s.Append(t.Context(), rooms.RoomLog("plenary"), uint64(c.kept), []rooms.Event{event(c.kept + 1)}); err != nil {
				t.Fatalf("Append after replay: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			log.Reset()
			s = mustOpen(t, dir, &log)
			defer s.Close()
			checkLog(t, s, c.kept+1)
			if log.Len() > 0 {
				t.Errorf("second replay logged %q", log.String())
			}
		})
	}
}

// A journal damaged in a way no crash explains is set aside, as it is:
// its log answers ErrRoomUnavailable, the other logs serve, and the
// operator is told how to repair it.
func TestDamagedJournalIsSetAside(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, path string, ends []int64)
		what   string
	}{
		{"checksum mismatch in the last, whole record", func(t *testing.T, path string, ends []int64) {
			flipByte(t, path, ends[2]-2)
		}, "checksum does not match"},
		{"checksum field of the last record", func(t *testing.T, path string, ends []int64) {
			flipByte(t, path, ends[1]+5)
		}, "checksum does not match"},
		{"length of the last record", func(t *testing.T, path string, ends []int64) {
			// Now past the end of the file, as a short write would be, but
			// the body is whole and matches its checksum.
			flipByte(t, path, ends[1]+3)
		}, "checksum does not match"},
		{"checksum mismatch in the middle", func(t *testing.T, path string, ends []int64) {
			flipByte(t, path, ends[1]-2)
		}, "intact ones after it"},
		{"length too long", func(t *testing.T, path string, ends []int64) {
			flipByte(t, path, ends[0]+2)
		}, "intact ones after it"},
		{"length zeroed", func(t *testing.T, path string, ends []int64) {
			writeAt(t, path, ends[0], make([]byte, 4))
		}, "intact ones after it"},
		{"first record bad", func(t *testing.T, path string, ends []int64) {
			flipByte(t, path, 10)
		}, "intact ones after it"},
		{"record repeated", func(t *testing.T, path string, ends []int64) {
			// Intact, but its events are not the ones that come next.
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			appendFile(t, path, data[:ends[0]])
		}, "event 1 where 4 belongs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path, ends := journalOf(t, dir, 3)
			c.damage(t, path, ends)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			side := rooms.RoomLog("side")
			plenary := rooms.RoomLog("plenary")

			for range 2 { // and again after a restart
				var log bytes.Buffer
				s := mustOpen(t, dir, &log)
				if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "truncate -s") || !strings.Contains(log.String(), c.what) {
					t.Errorf("no error logged that says what is damaged and how to repair it: %q", log.String())
				}
				_, readErr := s.Read(t.Context(), plenary, 0, 0)
				_, lastErr := s.LastSeq(t.Context(), plenary)
				_, appendErr := s.Append(t.Context(), plenary, 3, []rooms.Event{event(4)})
				for what, err := range map[string]error{"Read": readErr, "LastSeq": lastErr, "Append": appendErr} {
					if !errors.Is(err, rooms.ErrRoomUnavailable) || !errors.Is(err, filestore.ErrCorrupt) || !strings.Contains(err.Error(), c.what) {
						t.Errorf("%s of the damaged log: %v, want ErrRoomUnavailable and ErrCorrupt saying %q", what, err, c.what)
					}
				}
				// The other rooms serve.
				seq, err := s.LastSeq(t.Context(), side)
				if err == nil {
					_, err = s.Append(t.Context(), side, seq, []rooms.Event{event(int(seq) + 1)})
				}
				if err != nil {
					t.Fatalf("another room: %v", err)
				}
				if ids, err := s.Rooms(t.Context()); err != nil || strings.Join(ids, ",") != "plenary,side" {
					t.Errorf("Rooms = %v, %v; want both", ids, err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				// Nothing is cut off, and nothing is kept aside as torn.
				if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, before) {
					t.Fatalf("the damaged journal changed (%v)", err)
				}
				if torn, _ := filepath.Glob(path + ".torn-*"); len(torn) > 0 {
					t.Fatalf("damage taken for a torn tail: %v", torn)
				}
			}
		})
	}
}

func TestRoomIDs(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, nil)
	defer s.Close()
	ctx := t.Context()
	bad := []rooms.LogID{{Room: "plenary", Channel: "../x"}, {Room: "plenary", Channel: "a.b"}, {Room: "plenary", Channel: "EN"}, {Room: "", Channel: "en"}}
	for _, room := range []string{"", "../escape", "a/b", "a.b", ".hidden", "Plenary", "-dash", strings.Repeat("a", 65), "a\\b"} {
		bad = append(bad, rooms.RoomLog(room))
	}
	for _, id := range bad {
		if _, err := s.Append(ctx, id, 0, []rooms.Event{event(1)}); !errors.Is(err, rooms.ErrInvalid) {
			t.Errorf("Append to %q: got %v, want ErrInvalid", id, err)
		}
		if _, err := s.Read(ctx, id, 0, 0); !errors.Is(err, rooms.ErrInvalid) {
			t.Errorf("Read of %q: got %v, want ErrInvalid", id, err)
		}
		if _, err := s.LastSeq(ctx, id); !errors.Is(err, rooms.ErrInvalid) {
			t.Errorf("LastSeq of %q: got %v, want ErrInvalid", id, err)
		}
	}
	for _, id := range []rooms.LogID{rooms.RoomLog("0"), rooms.RoomLog("a_b-c"), rooms.RoomLog(strings.Repeat("z", 64)), {Room: "0", Channel: "transcript-pt"}} {
		if _, err := s.Append(ctx, id, 0, []rooms.Event{event(1)}); err != nil {
			t.Errorf("Append to %q: %v", id, err)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 2 {
		t.Errorf("store dir holds %v (%v), want only LOCK and rooms", entries, err)
	}
}

func TestOneStorePerDir(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, nil)
	if other, err := filestore.Open(dir); err == nil {
		other.Close()
		t.Fatal("a second Open of an open directory succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(t.Context(), rooms.RoomLog("plenary"), 0, []rooms.Event{event(1)}); err == nil {
		t.Fatal("Append after Close succeeded")
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
	s = mustOpen(t, dir, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestUnencodableData(t *testing.T) {
	s := mustOpen(t, t.TempDir(), nil)
	defer s.Close()
	bad := event(1)
	bad.Data = json.RawMessage(`{"unterminated":`)
	if _, err := s.Append(t.Context(), rooms.RoomLog("plenary"), 0, []rooms.Event{event(1), bad}); !errors.Is(err, rooms.ErrInvalid) {
		t.Fatalf("Append of invalid JSON data: got %v, want ErrInvalid", err)
	}
	checkLog(t, s, 0)
}

// TestWriteFailure checks that a room whose journal write failed refuses
// appends from then on: the end of its journal is unknown until a replay.
func TestWriteFailure(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("needs /dev/full to make writes fail")
	}
	dir := t.TempDir()
	s := mustOpen(t, dir, nil)
	defer s.Close()
	// Writes to /dev/full fail with "no space left on device".
	if err := os.Symlink("/dev/full", filepath.Join(dir, "rooms", "plenary.log")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(t.Context(), rooms.RoomLog("plenary"), 0, []rooms.Event{event(1)}); !errors.Is(err, rooms.ErrUnavailable) {
		t.Fatalf("Append to a full disk: %v, want ErrUnavailable", err)
	}
	_, err := s.Append(t.Context(), rooms.RoomLog("plenary"), 0, []rooms.Event{event(1)})
	if err == nil || !strings.Contains(err.Error(), "until the store is reopened") {
		t.Fatalf("Append after a failed write: got %v, want it refused until reopen", err)
	}
	checkLog(t, s, 0)
	// Other rooms are not affected.
	if _, err := s.Append(t.Context(), rooms.RoomLog("side"), 0, []rooms.Event{event(1)}); err != nil {
		t.Fatalf("Append to another room: %v", err)
	}
}

// headerSize is the size of a record's header: length and checksum.
const headerSize = 8

func truncateFile(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b := make([]byte, 1)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}
