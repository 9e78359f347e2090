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

// replay loads the events of the journal at path. A bad final record is
// what a crash during an append leaves (a short header, a short body, or a
// body whose blocks did not all reach the disk): it is cut off the file and
// reported to logger. A bad record with an intact one after it is not, and
// is an error wrapping ErrCorrupt.
func replay(path string, logger *slog.Logger) ([]rooms.Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var events []rooms.Event
	for off := 0; off < len(data); {
		body, ok := recordAt(data[off:])
		if !ok {
			if intactRecordIn(data[off+1:]) {
				return nil, fmt.Errorf("%s: bad record at offset %d is followed by intact ones: %w", path, off, ErrCorrupt)
			}
			logger.Warn("filestore: dropping a torn record from the end of a journal, left by a crash during an append",
				"file", path, "offset", off, "bytes", len(data)-off, "events_kept", len(events))
			return events, truncate(path, int64(off))
		}
		batch, err := decodeBody(body)
		if err != nil {
			// The checksum matched, so this is what was written: not a torn
			// write but a bug or tampering.
			return nil, fmt.Errorf("%s: record at offset %d: %w: %w", path, off, err, ErrCorrupt)
		}
		for _, e := range batch {
			if want := uint64(len(events)) + 1; e.Seq != want {
				return nil, fmt.Errorf("%s: record at offset %d: event %d where %d belongs: %w", path, off, e.Seq, want, ErrCorrupt)
			}
			events = append(events, e)
		}
		off += headerSize + len(body)
	}
	return events, nil
}

func truncate(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Truncate(size), f.Sync(), f.Close())
}
