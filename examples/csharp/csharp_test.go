package csharp

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/examples/internal/agenttest"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/nfc"
)

func TestMain(m *testing.M) { agenttest.Main(m) }

// monoOnly skips on Windows: these tests compile with Mono's mcs and run
// the example under mono against libapcv.so (Linux, macOS); on Windows the
// same P/Invoke declarations load apcv.dll under .NET, not tested here.
func monoOnly(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Mono and libapcv.so: Linux and macOS (see README, what is tested)")
	}
}

// compile builds read.exe with mcs (Mono's C# compiler) and returns its
// path; it skips without mcs and mono.
func compile(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"mcs", "mono"} {
		if _, err := exec.LookPath(p); err != nil {
			agenttest.Missing(t, p, err)
		}
	}
	exe := filepath.Join(t.TempDir(), "read.exe")
	out, err := exec.Command("mcs", "-warnaserror+", "-out:"+exe, "Read.cs", "Apcv.cs", "MiniJson.cs").CombinedOutput()
	if err != nil {
		t.Fatalf("mcs: %v\n%s", err, out)
	}
	return exe
}

// TestCompile: the P/Invoke declarations and the example compile, with
// warnings as errors.
func TestCompile(t *testing.T) {
	monoOnly(t)
	if fi, err := os.Stat(compile(t)); err != nil || fi.Size() == 0 {
		t.Fatalf("read.exe: %v", err)
	}
}

// abiVersion returns APCV_ABI_VERSION of libapcv/apcv.h.
func abiVersion(t *testing.T) int {
	t.Helper()
	h, err := os.ReadFile(filepath.Join(agenttest.Root(t), "libapcv", "apcv.h"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^#define APCV_ABI_VERSION (\d+)$`).FindSubmatch(h)
	if m == nil {
		t.Fatal("apcv.h: no APCV_ABI_VERSION")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestResultCodes: every result code Apcv.cs names has the number apcv.h
// gives it (the table is append-only, so a mismatch is a typo here).
func TestResultCodes(t *testing.T) {
	monoOnly(t)
	h, err := os.ReadFile(filepath.Join(agenttest.Root(t), "libapcv", "apcv.h"))
	if err != nil {
		t.Fatal(err)
	}
	defs := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^#define (APCV_(?:OK|E_[A-Z0-9_]+)) (\d+)`).FindAllStringSubmatch(string(h), -1) {
		n, _ := strconv.Atoi(m[2])
		defs[m[1]] = n
	}
	cs, err := os.ReadFile("Apcv.cs")
	if err != nil {
		t.Fatal(err)
	}
	consts := regexp.MustCompile(`public const int (\w+) = (\d+);\s*// (APCV_\w+)`).FindAllStringSubmatch(string(cs), -1)
	if len(consts) < 10 {
		t.Fatalf("found %d result codes in Apcv.cs", len(consts))
	}
	for _, m := range consts {
		n, _ := strconv.Atoi(m[2])
		want, ok := defs[m[3]]
		if !ok {
			t.Errorf("Apcv.cs: %s names %s, which apcv.h does not define", m[1], m[3])
		} else if n != want {
			t.Errorf("Apcv.cs: %s = %d, apcv.h: %s = %d", m[1], n, m[3], want)
		}
	}
}

// TestCSharpReads runs read.exe under mono against the real libapcv.so:
// the in-memory emulated phone (identity; locked), a bad configuration, and
// the phone through pcscd+vpcd (identity; locked).
func TestCSharpReads(t *testing.T) {
	monoOnly(t)
	exe := compile(t)
	libdir := agenttest.Libapcv(t)
	run := func(t *testing.T, config string, args ...string) (int, string, string) {
		t.Helper()
		if len(args) == 0 {
			args = []string{"60000"}
		}
		return agenttest.Run(t, "", []string{"LD_LIBRARY_PATH=" + libdir}, 90*time.Second, "mono", append([]string{exe, config}, args...)...)
	}
	cfg := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Run("emulate/read", func(t *testing.T) {
		code, out, errOut := run(t, cfg(desk.Config{Emulate: &desk.Emulate{Profile: "famille-6-drome"}}))
		checkRead(t, code, out, errOut, "famille-6-drome", "nfc:emulated")
	})
	t.Run("emulate/locked", func(t *testing.T) {
		code, out, errOut := run(t, cfg(desk.Config{Emulate: &desk.Emulate{Profile: "isere-solo", Locked: true}}))
		checkRefused(t, code, out, errOut, 4, nfc.ErrAppLocked.Code, nfc.ErrAppLocked.FR, nfc.ErrAppLocked.EN)
	})
	t.Run("emulate/cancel", func(t *testing.T) {
		// The phone is never presented: only apcv_cancel (after 500 ms) ends
		// the read before its 30 s timeout (which would be APCV_E_READ_TIMEOUT).
		code, out, errOut := run(t, cfg(desk.Config{Emulate: &desk.Emulate{Profile: "isere-solo", Absent: true}}), "30000", "500")
		want := "apcv_read: 20 cancelled\nFR: " + desk.ErrCancelled.FR + "\nEN: " + desk.ErrCancelled.EN + "\n"
		if code != 1 || errOut != want {
			t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and:\n%s\nstdout:\n%s", code, errOut, want, out)
		}
	})
	t.Run("bad-config", func(t *testing.T) {
		code, out, errOut := run(t, `{"emulate":{"profile":"isere-solo"},"nope":1}`)
		if code != 2 || !strings.Contains(errOut, "apcv_open: 9\n") || !strings.Contains(errOut, "FR: "+desk.ErrBadConfig.FR) {
			t.Errorf("exit %d, want 2 with APCV_E_BAD_CONFIG (9) and its desk message\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})
	t.Run("pcsc/read", func(t *testing.T) {
		ph := agenttest.PCSCPhone(t, "famille-6-drome")
		code, out, errOut := run(t, cfg(desk.Config{Lists: ph.Lists, PCSC: []string{ph.Reader}}))
		checkRead(t, code, out, errOut, "famille-6-drome", "nfc:pcsc:"+ph.Reader)
	})
	t.Run("pcsc/locked", func(t *testing.T) {
		ph := agenttest.PCSCPhone(t, "isere-solo", "--locked")
		code, out, errOut := run(t, cfg(desk.Config{Lists: ph.Lists, PCSC: []string{ph.Reader}}))
		checkRefused(t, code, out, errOut, 4, nfc.ErrAppLocked.Code, nfc.ErrAppLocked.FR, nfc.ErrAppLocked.EN)
	})
}

func checkRead(t *testing.T, code int, out, errOut, profile, source string) {
	t.Helper()
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr not empty:\n%s", errOut)
	}
	t.Logf("read.exe:\n%s", out)
	prof, err := phone.BuiltinProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	fam := prof.Family.Beneficiaires
	if want := "libapcv " + strconv.Itoa(abiVersion(t)) + " apcvkit "; !strings.HasPrefix(out, want) {
		t.Errorf("no version line %q… (apcv_version, with apcv.h's APCV_ABI_VERSION)", want)
	}
	if !strings.Contains(out, "source "+source+",") {
		t.Errorf("the identity's source is not %q", source)
	}
	for _, b := range fam {
		line := b.NIR.Masked() + "  " + credential.MaskName(b.NomFamille) + " " + credential.MaskName(b.Prenoms) + "  " + strconv.Itoa(b.DateNaissance.Year) + "-**-**"
		if !strings.Contains(out, line) {
			t.Errorf("no line %q", line)
		}
		for _, pii := range []string{string(b.NIR), b.NIR.Format(), b.NomFamille, b.Prenoms} {
			if strings.Contains(out, pii) {
				t.Errorf("printed %q unmasked", pii)
			}
		}
	}
	for _, want := range []string{"event phone-presented device=" + source, "event reading device=" + source,
		"event identity device=" + source + " beneficiaires=" + strconv.Itoa(len(fam))} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("no event line %q (apcv_next_event)", want)
		}
	}
}

func checkRefused(t *testing.T, code int, out, errOut string, rc int, errCode, fr, en string) {
	t.Helper()
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := "apcv_read: " + strconv.Itoa(rc) + " " + errCode + "\nFR: " + fr + "\nEN: " + en + "\n"
	if errOut != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
	if ev := "code=" + errCode + " message=" + fr; !strings.Contains(out, "event refused ") || !strings.Contains(out, ev) {
		t.Errorf("no refused event with %q:\n%s", ev, out)
	}
}
