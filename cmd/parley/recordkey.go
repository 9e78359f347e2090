package main

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// recordKeyFile is where, in the data directory, `parley serve` without
// --record-key keeps the Ed25519 key it made to sign the record's
// checkpoints: a record signed before a restart must verify after it.
const recordKeyFile = "record-key.pem"

// recordKey loads the checkpoints' signing key from path (a PEM PKCS #8
// Ed25519 private key, as `openssl genpkey -algorithm ed25519` writes), or,
// with no path, the one kept in dataDir, made now if there is none. It
// returns the file it came from and whether it was made now.
func recordKey(path, dataDir string) (key ed25519.PrivateKey, file string, created bool, err error) {
	if path != "" {
		key, err = readRecordKey(path)
		return key, path, false, err
	}
	file = filepath.Join(dataDir, recordKeyFile)
	key, err = readRecordKey(file)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, file, false, err
	}
	_, key, _ = ed25519.GenerateKey(nil)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, file, false, fmt.Errorf("serve: record key: %w", err)
	}
	created, err = keepFile(dataDir, recordKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return nil, file, false, fmt.Errorf("serve: record key: %w", err)
	}
	if !created {
		key, err = readRecordKey(file)
	}
	return key, file, created, err
}

// readRecordKey reads a signing key, refusing one that others may read:
// anyone who can read it can sign a record as this server.
func readRecordKey(path string) (ed25519.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("serve: record key %s: %w", path, err)
		}
		return nil, fmt.Errorf("serve: record key: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("serve: %s is open to other users (mode %04o): chmod 600 it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("serve: record key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("serve: record key %s: not a PEM PRIVATE KEY", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("serve: record key %s: %w", path, err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("serve: record key %s: a %T, not an Ed25519 key", path, parsed)
	}
	return key, nil
}
