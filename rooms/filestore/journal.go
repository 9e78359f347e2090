package filestore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/parley-hub/parley/rooms"
)

const (
	headerSize = 8
	// maxBody bounds a record's body. Besides refusing absurd batches, it
	// keeps the first byte of every header zero, and JSON never contains a
	// zero byte, so a scan for records can only start one at a real header
	// or in garbage, never inside a body (see intactRecordIn).
	maxBody = 1<<24 - 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeRecord returns the journal record of one batch of events.
func encodeRecord(batch []rooms.Event) ([]byte, error) {
	body, err := json.Marshal(batch)
	if err != nil {
		return nil, fmt.Errorf("encoding events: %w: %w", err, rooms.ErrInvalid)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("batch of %d bytes is over the limit of %d: %w", len(body), maxBody, rooms.ErrInvalid)
	}
	record := make([]byte, 0, headerSize+len(body))
	record = binary.BigEndian.AppendUint32(record, uint32(len(body)))
	record = binary.BigEndian.AppendUint32(record, crc32.Checksum(body, castagnoli))
	return append(record, body...), nil
}

func decodeBody(body []byte) ([]rooms.Event, error) {
	var batch []rooms.Event
	if err := json.Unmarshal(body, &batch); err != nil {
		return nil, err
	}
	if len(batch) == 0 {
		return nil, errors.New("empty batch")
	}
	return batch, nil
}

// recordAt returns the body of the record at the start of b, if b starts
// with a whole record whose checksum matches.
func recordAt(b []byte) ([]byte, bool) {
	if len(b) < headerSize {
		return nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if n == 0 || n > maxBody || uint64(n) > uint64(len(b)-headerSize) {
		return nil, false
	}
	body := b[headerSize : headerSize+int(n)]
	return body, crc32.Checksum(body, castagnoli) == binary.BigEndian.Uint32(b[4:])
}

// intactRecordIn reports whether an intact record starts anywhere in b.
func intactRecordIn(b []byte) bool {
	for i := 0; ; i++ {
		// Only a zero byte can start a header (see maxBody).
		j := bytes.IndexByte(b[i:], 0)
		if j < 0 {
			return false
		}
		i += j
		if _, ok := recordAt(b[i:]); ok {
			return true
		}
	}
}

// damage says where and how a journal is damaged. It wraps ErrCorrupt.
type damage struct {
	offset int    // where the first bad record starts
	what   string // what is wrong with it
}

func (d *damage) Error() string {
	return fmt.Sprintf("%s: %s at byte %d", ErrCorrupt, d.what, d.offset)
}

func (d *damage) Unwrap() error { return ErrCorrupt }

// replay loads the events of the journal at path.
//
// A torn tail is what a crash during an append leaves: a short header, a
// record that runs past the end of the file (a short write), or blocks
// that never reached the disk (zero bytes, which JSON never holds). Its
// append never returned, so no event in it was acknowledged: the tail is
// copied to a file beside the journal, cut off, and reported to logger.
//
// Anything else is damage a crash cannot explain, such as a whole record
// whose checksum does not match or a bad record with intact ones after
// it. replay then returns the events before it and a *damage, and changes
// nothing on disk.
func replay(path string, logger *slog.Logger) ([]rooms.Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var events []rooms.Event
	for off := 0; off < len(data); {
		body, ok := recordAt(data[off:])
		if !ok {
			switch {
			case intactRecordIn(data[off+1:]):
				return events, &damage{off, "a bad record with intact ones after it"}
			case !tornTail(data[off:]):
				return events, &damage{off, "a whole record whose checksum does not match"}
			}
			kept, err := cutTail(path, data, off)
			if err != nil {
				return nil, err
			}
			logger.Warn("filestore: cut a torn record off the end of a journal, left by a crash during an append that was never acknowledged",
				"file", path, "offset", off, "bytes", len(data)-off, "events_kept", len(events), "torn_bytes_kept_in", kept)
			return events, nil
		}
		batch, err := decodeBody(body)
		if err != nil {
			// The checksum matched, so this is what was written: not a torn
			// write but a bug or tampering.
			return events, &damage{off, "a record that is not a batch of events (" + err.Error() + ")"}
		}
		for _, e := range batch {
			if want := uint64(len(events)) + 1; e.Seq != want {
				return events, &damage{off, fmt.Sprintf("a record holding event %d where %d belongs", e.Seq, want)}
			}
			events = append(events, e)
		}
		off += headerSize + len(body)
	}
	return events, nil
}

// tornTail reports whether tail, a bad record with nothing intact after
// it, is what a crash during an append leaves (see replay).
func tornTail(tail []byte) bool {
	if len(tail) < headerSize || !slices.ContainsFunc(tail, func(b byte) bool { return b != 0 }) {
		return true // a short header, or nothing but unwritten blocks
	}
	if bytes.IndexByte(tail[headerSize:], 0) >= 0 {
		return true // some of the body's blocks never reached the disk
	}
	n := binary.BigEndian.Uint32(tail)
	if n == 0 || n > maxBody || uint64(n) <= uint64(len(tail)-headerSize) {
		return false // a bad length, or a whole record that fails its checksum
	}
	// The record runs past the end of the file: a short write, unless the
	// rest is a whole body that matches its checksum and the length is
	// what was damaged.
	return crc32.Checksum(tail[headerSize:], castagnoli) != binary.BigEndian.Uint32(tail[4:])
}

// cutTail keeps the bytes of data from off in a new file beside the
// journal at path, so that nothing read from a journal is ever deleted,
// then cuts the journal at off. It returns the new file's name.
func cutTail(path string, data []byte, off int) (string, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".torn-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data[off:])
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		return "", err
	}
	if err := syncDir(dir); err != nil {
		return "", err
	}
	return f.Name(), truncate(path, int64(off))
}

func truncate(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Truncate(size), f.Sync(), f.Close())
}
