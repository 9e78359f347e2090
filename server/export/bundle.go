package export

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// File is one part of a record bundle.
type File struct {
	Name string
	Body []byte
}

// WriteBundle writes files as one zip archive, in order, each stamped
// modified (the record's last event), so the same record always makes the
// same archive.
func WriteBundle(w io.Writer, modified time.Time, files []File) error {
	z := zip.NewWriter(w)
	for _, f := range files {
		part, err := z.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: modified.UTC()})
		if err != nil {
			return fmt.Errorf("record bundle: %s: %w", f.Name, err)
		}
		if _, err := part.Write(f.Body); err != nil {
			return fmt.Errorf("record bundle: %s: %w", f.Name, err)
		}
	}
	return z.Close()
}

// MaxBundleFile bounds one file read from a bundle: far beyond the
// transcript of a week of sessions, short of filling memory.
const MaxBundleFile = 1 << 30

// ErrBundle says a file is not a record bundle that can be read.
var ErrBundle = errors.New("not a readable record bundle")

// ReadBundle reads the files of a bundle WriteBundle wrote, in order.
func ReadBundle(r io.ReaderAt, size int64) ([]File, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	files := make([]File, 0, len(z.File))
	for _, zf := range z.File {
		if zf.UncompressedSize64 > MaxBundleFile {
			return nil, fmt.Errorf("%w: %s holds more than %d bytes", ErrBundle, zf.Name, MaxBundleFile)
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBundle, zf.Name, err)
		}
		var body bytes.Buffer
		_, err = io.Copy(&body, io.LimitReader(rc, MaxBundleFile+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBundle, zf.Name, err)
		}
		files = append(files, File{Name: zf.Name, Body: body.Bytes()})
	}
	return files, nil
}
