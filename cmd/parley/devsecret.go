package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// devSecretFile is where, in the data directory, `parley serve` without a
// secret keeps the development secret it made, so that links and tokens
// survive a restart as the rooms do.
const devSecretFile = "dev-secret"

// minDevSecret is the shortest secret accepted from the file: 32 bytes,
// the strength of HS256's hash.
const minDevSecret = 32

// devSecret returns the development secret kept in dir, making it (mode
// 0600, in a directory made 0700 if missing) when there is none yet.
// created says whether it was made now.
func devSecret(dir string) (secret []byte, path string, created bool, err error) {
	path = filepath.Join(dir, devSecretFile)
	secret, err = readDevSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, path, false, err
	}
	b := make([]byte, 32)
	rand.Read(b)
	secret = []byte(hex.EncodeToString(b))
	created, err = keepFile(dir, devSecretFile, append(secret, '\n'))
	if err != nil {
		return nil, path, false, fmt.Errorf("serve: development secret: %w", err)
	}
	if !created {
		secret, err = readDevSecret(path)
	}
	return secret, path, created, err
}

// keepFile writes content to the file name in dir (mode 0600, in a
// directory made 0700 if missing) unless it exists; created says whether
// it was written now. It is written aside and linked into place: a second
// server starting at the same moment reads a whole file, its own or this
// one, never half.
func keepFile(dir, name string, content []byte) (created bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, err
	}
	if err := os.Link(tmp.Name(), filepath.Join(dir, name)); errors.Is(err, fs.ErrExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// readDevSecret reads a kept secret, refusing one that others may read:
// anyone who can read it can issue themselves any role.
func readDevSecret(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("serve: %s is open to other users (mode %04o): chmod 600 it, or delete it to have a new one made", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("serve: development secret: %w", err)
	}
	secret := bytes.TrimSpace(data)
	if len(secret) < minDevSecret {
		return nil, fmt.Errorf("serve: %s holds %d bytes, fewer than %d: delete it to have a new one made", path, len(secret), minDevSecret)
	}
	return secret, nil
}
