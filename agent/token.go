package agent

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/internal/winshare"
)

// TokenFileName is the pairing token's file in the user's configuration
// directory (DefaultTokenFile).
const TokenFileName = "agent-token"

// DefaultTokenFile returns where the pairing token of this installation is
// kept: apcvkit/agent-token under os.UserConfigDir
// (~/.config on Linux, ~/Library/Application Support on macOS, %AppData% on
// Windows).
func DefaultTokenFile() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("agent: token file: %w", err)
	}
	return filepath.Join(d, "apcvkit", TokenFileName), nil
}

// tokenBytes is the token's entropy: 256 bits, 43 base64url characters.
const tokenBytes = 32

// NewToken returns a fresh random pairing token (43 base64url characters).
func NewToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// LoadOrCreateToken returns the pairing token kept in path, creating the
// file (mode 0600, its directory 0700) with a new token on first use. A
// file that is malformed, or readable by group or others (on Unix), fails
// with ErrTokenFile: the agent refuses to serve with a token others can read.
func LoadOrCreateToken(path string) (string, error) {
	tok, err := readToken(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return tok, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("agent: token file: %w: %w", ErrTokenFile, err)
	}
	// Written whole to a temporary file, then linked into place: another
	// process pairing at the same time never reads a half-written token,
	// and the first link wins (the others read its token).
	tok = NewToken()
	f, err := os.CreateTemp(filepath.Dir(path), ".agent-token-*")
	if err != nil {
		return "", fmt.Errorf("agent: token file: %w: %w", ErrTokenFile, err)
	}
	tmp := f.Name()
	defer winshare.Retry(sharedWait, func() error { return os.Remove(tmp) })
	err = f.Chmod(0o600)
	if runtime.GOOS == "windows" {
		err = nil // no Unix modes; the file is in the user's profile
	}
	if err == nil {
		_, err = f.WriteString(tok + "\n")
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, path)
	}
	if errors.Is(err, fs.ErrExist) {
		return readToken(path)
	}
	if err != nil {
		return "", fmt.Errorf("agent: token file: %w: %w", ErrTokenFile, err)
	}
	return tok, nil
}

func readToken(path string) (string, error) {
	var fi fs.FileInfo
	err := winshare.Retry(sharedWait, func() (err error) { fi, err = os.Stat(path); return err })
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("agent: token file: %w: %w", ErrTokenFile, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("agent: token file %s: mode %v, want 0600: %w", path, fi.Mode().Perm(), ErrTokenFile)
	}
	var b []byte
	err = winshare.Retry(sharedWait, func() (err error) { b, err = os.ReadFile(path); return err })
	if err != nil {
		return "", fmt.Errorf("agent: token file: %w: %w", ErrTokenFile, err)
	}
	tok := strings.TrimSpace(string(b))
	if raw, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(raw) < 16 {
		return "", fmt.Errorf("agent: token file %s: not a token: %w", path, ErrTokenFile)
	}
	return tok, nil
}

// tokenEqual compares a presented token with the installation's in
// constant time (for equal lengths; the length is not secret).
func tokenEqual(got, want string) bool {
	return len(want) > 0 && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sharedWait is how long the token file's readers and the removal of its
// temporary name wait for another process pairing at the same moment,
// which holds the file (linking it into place, removing its temporary
// name) for microseconds (winshare.Retry: Windows only).
const sharedWait = time.Second
