package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/emulator/profiles"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

func runQR(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = cmdQR(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// stateVerifier returns a reader's verifier for the issuer kept in state.
func stateVerifier(t *testing.T, state string) *credential.Verifier {
	t.Helper()
	iss, err := issuer.Open(filepath.Join(state, "issuer"), issuer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: iss.ListAuthority()})
	tl, err := iss.TrustList()
	if err != nil {
		t.Fatal(err)
	}
	rl, err := iss.RevocationList(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetTrustList(tl); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(rl); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestQRText(t *testing.T) {
	code, out, errOut := runQR(t, "text", "--profile", "isere-solo")
	if code != exitOK || !strings.HasPrefix(out, credential.QRPrefix) || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d: %q %s", code, out, errOut)
	}

	// With --state the app is activated once and the counter goes on from
	// run to run; a reader with the kept issuer's lists accepts each text.
	state := t.TempDir()
	profFile := filepath.Join(t.TempDir(), "corse-2b.json") // a profile given as a file: an iPhone
	data, err := profiles.FS.ReadFile("corse-2b.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(profFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var cid [8]byte
	for run := uint32(1); run <= 3; run++ {
		code, out, errOut := runQR(t, "text", "--profile", profFile, "--state", state)
		if code != exitOK {
			t.Fatalf("run %d: exit %d: %s", run, code, errOut)
		}
		p, err := stateVerifier(t, state).VerifyQR(strings.TrimSpace(out))
		if err != nil {
			t.Fatalf("run %d: reader refuses the text: %v", run, err)
		}
		if p.Counter != run {
			t.Fatalf("run %d: counter %d", run, p.Counter)
		}
		if run > 1 && p.CredentialID != cid {
			t.Fatalf("run %d: activated again (credential %x, was %x)", run, p.CredentialID, cid)
		}
		cid = p.CredentialID
	}
	// Another code than the one the kept app was activated with is refused.
	if code, _, errOut := runQR(t, "text", "--profile", profFile, "--state", state, "--code", "739164"); code != exitFailure || !strings.Contains(errOut, "Code secret erroné") {
		t.Fatalf("wrong code: exit %d: %s", code, errOut)
	}
}

func TestQRUsageAndFailures(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no mode", nil, exitUsage, "usage: apcv qr"},
		{"unknown mode", []string{"svg", "--profile", "isere-solo"}, exitUsage, `unknown mode "svg"`},
		{"help", []string{"help"}, exitOK, ""},
		{"no profile", []string{"text"}, exitUsage, "--profile is required"},
		{"png without out", []string{"png", "--profile", "isere-solo"}, exitUsage, "--out is required"},
		{"out with text", []string{"text", "--profile", "isere-solo", "--out", "x.png"}, exitUsage, "--out is for png"},
		{"extra argument", []string{"text", "--profile", "isere-solo", "more"}, exitUsage, "unexpected argument"},
		{"unknown flag", []string{"text", "--colour"}, exitUsage, "flag provided but not defined"},
		{"zero module px", []string{"png", "--profile", "isere-solo", "--out", filepath.Join(dir, "a.png"), "--module-px", "0"}, exitUsage, "--module-px 0"},
		{"huge module px", []string{"png", "--profile", "isere-solo", "--out", filepath.Join(dir, "a.png"), "--module-px", "1000"}, exitUsage, "bad options"},
		{"negative quiet zone", []string{"terminal", "--profile", "isere-solo", "--quiet-zone", "-1"}, exitUsage, "--quiet-zone -1"},
		{"unknown profile", []string{"text", "--profile", "personne"}, exitFailure, "personne"},
		{"missing profile file", []string{"text", "--profile", filepath.Join(dir, "none.json")}, exitFailure, "none.json"},
		// The OS words the missing folder its own way ("no such file or
		// directory", "The system cannot find the path specified."): the
		// message names the folder, and the error is checked by kind below.
		{"unwritable out", []string{"png", "--profile", "isere-solo", "--out", filepath.Join(dir, "no", "dir", "a.png")}, exitFailure, filepath.Join(dir, "no", "dir")},
		{"bad state dir", []string{"text", "--profile", "isere-solo", "--state", filepath.Join(dir, "file")}, exitFailure, "not a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o600)
			code, out, errOut := runQR(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d (want %d), stderr %q lacks %q; stdout %q", code, tt.code, errOut, tt.want, out)
			}
			if tt.code != exitOK && strings.Contains(out, credential.QRPrefix) {
				t.Fatalf("a failed run printed a code: %q", out)
			}
		})
	}
	if ents, _ := filepath.Glob(filepath.Join(dir, ".*")); len(ents) != 0 {
		t.Fatalf("temporary files left: %v", ents)
	}
	// The "unwritable out" failure is the OS's "does not exist", on every OS.
	if _, err := writePNGFile(filepath.Join(dir, "no", "dir", "a.png"), "APCV1:TEST", qrimage.Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("writePNGFile into a missing folder: %v, want fs.ErrNotExist", err)
	}
}

var pngLine = regexp.MustCompile(`^qr: (.+) \(version (\d+), level M, (\d+) characters, counter (\d+)\)\n$`)

// TestQRPNG: the PNG has the asked geometry, and our decoder and the
// independent zbarimg (zbar-tools) and ZXingReader (zxing-cpp-tools) read
// the exact text, which a reader verifies with the counter printed.
func TestQRPNG(t *testing.T) {
	state := t.TempDir()
	dir := t.TempDir()
	for _, tt := range []struct {
		name     string
		profile  string
		px, q    int
		wantSide func(modules int) int
	}{
		{"defaults, family of 6", "famille-6-drome", 0, -1, func(m int) int { return (m + 8) * 4 }},
		{"2 px, no quiet zone", "isere-solo", 2, 0, func(m int) int { return m * 2 }},
		{"6 px, 2 modules of quiet zone", "lunaire-1978", 6, 2, func(m int) int { return (m + 4) * 6 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.profile+".png")
			args := []string{"png", "--profile", tt.profile, "--out", path, "--state", state}
			if tt.px > 0 {
				args = append(args, "--module-px", strconv.Itoa(tt.px))
			}
			if tt.q >= 0 {
				args = append(args, "--quiet-zone", strconv.Itoa(tt.q))
			}
			code, out, errOut := runQR(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			m := pngLine.FindStringSubmatch(out)
			if m == nil || m[1] != path {
				t.Fatalf("output %q", out)
			}
			version, _ := strconv.Atoi(m[2])
			chars, _ := strconv.Atoi(m[3])
			counter, _ := strconv.Atoi(m[4])
			if version < 1 || version > 25 {
				t.Errorf("version %d: a phone screen shows ≤ 25 crisply", version)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if side := tt.wantSide(17 + 4*version); img.Bounds().Dx() != side || img.Bounds().Dy() != side {
				t.Fatalf("image %v, want %d px square", img.Bounds(), side)
			}
			if tt.q == 0 { // modules reach the edge only without quiet zone
				if r, _, _, _ := img.At(0, 0).RGBA(); r != 0 {
					t.Fatal("top-left pixel is not the finder pattern's dark module")
				}
			}
			scan, err := camera.Decode(context.Background(), camera.FromImage(img))
			if err != nil {
				t.Fatalf("our decoder: %v", err)
			}
			text := scan.Text
			if len(text) != chars {
				t.Fatalf("decoded %d characters, printed %d", len(text), chars)
			}
			p, err := stateVerifier(t, state).VerifyQR(text)
			if err != nil || p.Counter != uint32(counter) {
				t.Fatalf("reader: %+v, %v (counter printed %d)", p, err, counter)
			}
			for _, peer := range []struct {
				bin  string
				args []string
			}{
				{"zbarimg", []string{"-q", "--raw", path}},
				{"ZXingReader", []string{"-format", "QRCode", "-bytes", path}},
			} {
				bin, err := exec.LookPath(peer.bin)
				if err != nil {
					t.Logf("%s absent (apt-get install zbar-tools zxing-cpp-tools): not checked", peer.bin)
					continue
				}
				got, err := exec.Command(bin, peer.args...).Output()
				if err != nil {
					t.Fatalf("%s: %v", peer.bin, err)
				}
				if s := strings.TrimRight(string(got), "\r\n"); s != text {
					t.Fatalf("%s read %q…, want the exact text", peer.bin, s[:min(len(s), 24)])
				}
			}
		})
	}
}

func TestQRTerminal(t *testing.T) {
	for _, tt := range []struct {
		name  string
		args  []string
		quiet int
	}{
		{"default quiet zone", nil, 4},
		{"no quiet zone, inverted", []string{"--quiet-zone", "0", "--invert"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runQR(t, append([]string{"terminal", "--profile", "ne-75-vit-92"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			width := len([]rune(lines[0]))
			modules := width - 2*tt.quiet
			if (modules-17)%4 != 0 || modules < 21 {
				t.Fatalf("line width %d: %d modules is no QR size", width, modules)
			}
			if len(lines) != (width+1)/2 {
				t.Fatalf("%d lines for %d columns: want two module rows per line", len(lines), width)
			}
			for i, l := range lines {
				if len([]rune(l)) != width || strings.Trim(l, " ▀▄█") != "" {
					t.Fatalf("line %d: %q", i, l)
				}
			}
			if !strings.ContainsAny(out, "▀▄█") {
				t.Fatal("no half blocks drawn")
			}
		})
	}
}

// Example use from a shell script: `apcv qr text` piped into a scanner
// emulator or `apcv verify -`.
func Example_qr() {
	var out bytes.Buffer
	code := cmdQR(context.Background(), []string{"text", "--profile", "isere-solo"}, &out, os.Stderr)
	fmt.Println(code, strings.HasPrefix(out.String(), "APCV1:"))
	// Output: 0 true
}
