package agent

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/apcvkit/apcvkit/internal/desk"
)

func TestLoadOrCreateToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "agent-token")
	tok, err := LoadOrCreateToken(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 43 {
		t.Errorf("token %d characters, want 43", len(tok))
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("token file mode %v, want 0600", fi.Mode().Perm())
		}
		di, _ := os.Stat(filepath.Dir(path))
		if di.Mode().Perm() != 0o700 {
			t.Errorf("token directory mode %v, want 0700", di.Mode().Perm())
		}
	}
	again, err := LoadOrCreateToken(path)
	if err != nil || again != tok {
		t.Fatalf("second load: %q, %v; want the same token", again, err)
	}
	if a, b := NewToken(), NewToken(); a == b {
		t.Error("two new tokens are equal")
	}
}

// TestLoadOrCreateTokenConcurrent: processes pairing at once all get the
// one token written.
func TestLoadOrCreateTokenConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent-token")
	toks := make([]string, 8)
	var wg sync.WaitGroup
	for i := range toks {
		wg.Go(func() {
			tok, err := LoadOrCreateToken(path)
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	wg.Wait()
	for _, tok := range toks[1:] {
		if tok != toks[0] {
			t.Fatalf("tokens differ: %q", toks)
		}
	}
}

func TestTokenFileRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		unix    bool // the mode check exists on Unix only
	}{
		{"readable by others", NewToken() + "\n", 0o644, true},
		{"readable by the group", NewToken() + "\n", 0o640, true},
		{"empty", "", 0o600, false},
		{"not base64url", "this is not a token at all!!\n", 0o600, false},
		{"too short", "abcd\n", 0o600, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.unix && runtime.GOOS == "windows" {
				t.Skip("file modes are not checked on Windows (ACLs)")
			}
			path := filepath.Join(t.TempDir(), "agent-token")
			if err := os.WriteFile(path, []byte(tc.content), tc.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, tc.mode) // past the umask
			if _, err := LoadOrCreateToken(path); !errors.Is(err, ErrTokenFile) {
				t.Fatalf("err %v, want ErrTokenFile", err)
			}
		})
	}
}

func TestTokenEqual(t *testing.T) {
	tok := NewToken()
	for _, tc := range []struct {
		got, want string
		ok        bool
	}{
		{tok, tok, true},
		{tok + "x", tok, false},
		{tok[:42], tok, false},
		{"", tok, false},
		{"", "", false}, // no token configured: nothing matches
	} {
		if got := tokenEqual(tc.got, tc.want); got != tc.ok {
			t.Errorf("tokenEqual(%q, %q) = %v", tc.got, tc.want, got)
		}
	}
}

func TestCheckAddr(t *testing.T) {
	for _, tc := range []struct {
		addr               string
		allowRemote, tls   bool
		wantRemoteNeedsTLS bool
	}{
		{"127.0.0.1:7723", false, false, false},
		{"127.0.0.1:0", false, false, false},
		{"127.1.2.3:7723", false, false, false},
		{"[::1]:7723", false, false, false},
		{"localhost:7723", false, false, false},
		{":7723", false, false, true},
		{"0.0.0.0:7723", false, false, true},
		{"192.168.1.10:7723", false, false, true},
		{"192.168.1.10:7723", true, false, true},
		{"192.168.1.10:7723", false, true, true},
		{"192.168.1.10:7723", true, true, false},
		{"[::ffff:127.0.0.1]:7723", false, false, false},
		{"desk.example:7723", false, false, true},
	} {
		err := CheckAddr(tc.addr, tc.allowRemote, tc.tls)
		if errors.Is(err, ErrRemoteNeedsTLS) != tc.wantRemoteNeedsTLS || (err != nil && !tc.wantRemoteNeedsTLS) {
			t.Errorf("CheckAddr(%q, remote %v, tls %v) = %v", tc.addr, tc.allowRemote, tc.tls, err)
		}
	}
	if err := CheckAddr("no-port", false, false); !errors.Is(err, desk.ErrBadConfig) {
		t.Errorf("no port: %v, want bad-config", err)
	}
}
