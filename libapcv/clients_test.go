package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/reader"
)

// client is one non-Go program reading through libapcv:
// examples/c/read.c or examples/python/read.py.
type client struct {
	name string
	cmd  func(t *testing.T) []string // the command line, before the arguments
}

var clients = []client{
	{"c", func(t *testing.T) []string { return []string{compileC(t, "read")} }},
	{"python", func(t *testing.T) []string {
		library(t)
		return []string{python, filepath.Join("..", "examples", "python", "read.py")}
	}},
}

// readCase is one reading and what the client must print.
type readCase struct {
	name    string
	config  string
	receipt string
	// On success: the identity's mode, groups and number of beneficiaires.
	mode          string
	groups        string
	beneficiaires int
	masked        bool // the identity (and its event) masked: "masked": true, or the examples' default
	// On refusal: the stable code (exit 3, its result code and FR message).
	code string
}

const receipt = `{"beneficiary":0,"psId":"10101010101","psName":"Pharmacie de la Gare","amountCents":1250}`

// checkRead runs c on tc and checks its output.
func checkRead(t *testing.T, c client, tc readCase) (out string) {
	t.Helper()
	args := c.cmd(t)
	if tc.config != "" { // else the example's default configuration
		args = append(args, tc.config)
	}
	if tc.receipt != "" {
		args = append(args, tc.receipt)
	}
	code, out, errOut := run(t, 2*time.Minute, args[0], args[1:]...)
	t.Logf("%s exit %d\nstderr: %s", c.name, code, errOut)
	if v := field(out, "version"); !strings.HasPrefix(v, fmt.Sprint(abiVersion)+" apcvkit ") {
		t.Errorf("version %q", v)
	}
	events := eventTypes(t, out)
	if tc.code != "" {
		if code != 3 {
			t.Fatalf("exit %d, want 3 (refused)\n%s", code, out)
		}
		num := resultNum(t, tc.code)
		ref := field(out, "refused")
		if !strings.HasPrefix(ref, fmt.Sprintf("%d ", num)) || !strings.Contains(ref, tc.code) {
			t.Errorf("refused %q, want result code %d (%s)", ref, num, tc.code)
		}
		if m := field(out, "message"); m != message(t, tc.code, apcverr.FR) {
			t.Errorf("message %q, want the FR desk message of %s", m, tc.code)
		}
		if !strings.Contains(events, desk.Refused) {
			t.Errorf("events %s: no refused", events)
		}
		return out
	}
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var id reader.IdentityJSON
	if err := json.Unmarshal([]byte(field(out, "identity")), &id); err != nil {
		t.Fatalf("identity: %v\n%s", err, out)
	}
	if id.Mode != tc.mode || strings.Join(id.Groups, ",") != tc.groups || len(id.Beneficiaires) != tc.beneficiaires ||
		id.Verification.CredentialID == "" {
		t.Errorf("identity: mode %s, groups %v, %d beneficiaires, credential %q; want %s, %s, %d",
			id.Mode, id.Groups, len(id.Beneficiaires), id.Verification.CredentialID, tc.mode, tc.groups, tc.beneficiaires)
	}
	checkMasked(t, "identity", id, tc.masked)
	for l := range strings.SplitSeq(out, "\n") {
		var e desk.Event
		if v, ok := strings.CutPrefix(l, "event: "); ok && json.Unmarshal([]byte(v), &e) == nil && e.Identity != nil {
			checkMasked(t, "identity event", *e.Identity, tc.masked)
		}
	}
	if tc.receipt != "" && !strings.Contains(field(out, "receipt"), "ok") {
		t.Errorf("receipt: %q", field(out, "receipt"))
	}
	if !strings.Contains(events, "device-added phone-presented reading identity") && !strings.Contains(events, "device-added reading identity") {
		t.Errorf("events %q", events)
	}
	return out
}

// checkMasked checks that every beneficiary of id is masked (NIR with
// stars, names reduced to an initial, birth date to the year), or that none
// is (a 15-digit NIR, names and dates in full). The emulator's names have
// more than one letter, so a masked one has stars.
func checkMasked(t *testing.T, what string, id reader.IdentityJSON, masked bool) {
	t.Helper()
	if len(id.Beneficiaires) == 0 {
		t.Errorf("%s: no beneficiary", what)
	}
	for i, b := range id.Beneficiaires {
		nirMasked := strings.Contains(b.NIR, "*")
		dateMasked := strings.HasSuffix(b.DateNaissance, "-**-**")
		nameMasked := strings.Contains(b.NomFamille, "*") && strings.Contains(b.Prenoms, "*")
		if masked != nirMasked || masked != dateMasked || masked != nameMasked || (!masked && len(b.NIR) != 15) {
			t.Errorf("%s: beneficiary %d: NIR %d chars masked=%v, birth date masked=%v, first name masked=%v; want masked=%v",
				what, i, len(b.NIR), nirMasked, dateMasked, nameMasked, masked)
		}
	}
}

// field returns the text after "name: " on the first line that has it.
func field(out, name string) string {
	for l := range strings.SplitSeq(out, "\n") {
		if v, ok := strings.CutPrefix(l, name+": "); ok {
			return v
		}
	}
	return ""
}

// eventTypes returns the types of the events printed, space-separated; each
// must be an Event (the identity only on "identity", the error only on "refused").
func eventTypes(t *testing.T, out string) string {
	t.Helper()
	var types []string
	for l := range strings.SplitSeq(out, "\n") {
		v, ok := strings.CutPrefix(l, "event: ")
		if !ok {
			continue
		}
		var e desk.Event
		if err := json.Unmarshal([]byte(v), &e); err != nil {
			t.Fatalf("event %s: %v", v, err)
		}
		if _, err := time.Parse(time.RFC3339, e.Time); err != nil || e.Device == "" ||
			(e.Identity != nil) != (e.Type == desk.Identity) || (e.Error != nil) != (e.Type == desk.Refused) {
			t.Errorf("event %s", v)
		}
		types = append(types, e.Type)
	}
	return strings.Join(types, " ")
}

func resultNum(t *testing.T, code string) int {
	t.Helper()
	for _, r := range desk.ResultCodes() {
		if r.Code == code {
			return r.Num
		}
	}
	t.Fatalf("no result code for %q", code)
	return 0
}

func message(t *testing.T, code string, lang apcverr.Lang) string {
	r, _ := desk.ResultCodeOf(resultNum(t, code))
	if lang == apcverr.FR {
		return r.FR
	}
	return r.EN
}

// TestClientsEmulated: the C and the Python clients read the emulated phone
// over the in-memory link, NFC and QR, and get the refusals with their
// result codes and French messages.
func TestClientsEmulated(t *testing.T) {
	cases := []readCase{
		{name: "nfc", config: `{"emulate":{"profile":"famille-6-drome"},"groups":["AMO","INS"]}`, receipt: receipt,
			mode: "NFC", groups: "AMO,INS", beneficiaires: 6},
		{name: "qr", config: `{"emulate":{"profile":"isere-solo","mode":"qr"}}`, receipt: receipt, mode: "QR", groups: "AMO", beneficiaires: 1},
		{name: "qr masked", config: `{"emulate":{"profile":"isere-solo","mode":"qr"},"masked":true}`, receipt: receipt, mode: "QR",
			groups: "AMO", beneficiaires: 1, masked: true},
		{name: "default", mode: "NFC", groups: "AMO", beneficiaires: 6, masked: true}, // the example's own configuration
		{name: "nfc locked", config: `{"emulate":{"locked":true}}`, code: "app-locked"},
		{name: "qr revoked", config: `{"emulate":{"mode":"qr","revoked":true}}`, code: "revoked"},
		{name: "nfc revoked", config: `{"emulate":{"revoked":true}}`, code: "app-revoked"},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) { checkRead(t, c, tc) })
			}
		})
	}
}

// TestClientsOpenRefused: a bad configuration fails apcv_open with
// APCV_E_BAD_CONFIG, whose message the C client prints.
func TestClientsOpenRefused(t *testing.T) {
	exe := compileC(t, "read")
	code, _, errOut := run(t, time.Minute, exe, `{"emulate":{},"colour":"blue"}`)
	want := fmt.Sprintf("open: %d: %s", resultNum(t, "bad-config"), message(t, "bad-config", apcverr.FR))
	if code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, want)
	}
}

// TestCCancel: examples/c/cancel.c — a second apcv_read is busy, apcv_cancel
// from the main thread ends a read and an apcv_next_event waiting in other
// threads, and a closed handle is refused.
func TestCCancel(t *testing.T) {
	exe := compileC(t, "cancel")
	code, out, errOut := run(t, 2*time.Minute, exe)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		fmt.Sprintf("second read: %[1]d (busy %[1]d)", resultNum(t, "busy")),
		fmt.Sprintf("read: %[1]d (cancelled %[1]d): %s", resultNum(t, "cancelled"), message(t, "cancelled", apcverr.FR)),
		fmt.Sprintf("next_event: %[1]d (cancelled %[1]d)", resultNum(t, "cancelled")),
		fmt.Sprintf("after close: %[1]d (bad handle %[1]d)", resultNum(t, "bad-handle")),
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestPythonCancel: read.py's last step, apcv_cancel from the main thread
// ending a read waiting in another, ran and succeeded.
func TestPythonCancel(t *testing.T) {
	code, out, errOut := run(t, 2*time.Minute, python, filepath.Join("..", "examples", "python", "read.py"))
	if code != 0 || field(out, "cancelled") != "cancelled" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// TestClientsPCSC: the C and the Python clients read the emulated phone
// served by vpcd to the real pcscd, with {"lists":…,"pcsc":[reader]}: the
// identity, a receipt written over NFC into the phone's Activités, and a
// locked app refused.
func TestClientsPCSC(t *testing.T) {
	addr, name := pcsctest.Require(t, "libapcv")
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			for _, tc := range []struct {
				readCase
				locked bool
			}{
				{readCase: readCase{name: "read", receipt: receipt, mode: "NFC", groups: "AMO,INS", beneficiaires: 6}},
				{readCase: readCase{name: "locked", code: "app-locked"}, locked: true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					w, err := emulator.New(emulator.Options{Profile: "famille-6-drome"})
					if err != nil {
						t.Fatal(err)
					}
					if tc.locked {
						w.Phone.Lock()
					}
					a, err := w.Applet()
					if err != nil {
						t.Fatal(err)
					}
					dir := t.TempDir()
					if err := w.WriteLists(context.Background(), dir); err != nil {
						t.Fatal(err)
					}
					pcsctest.WaitCard(t, name, false, 20*time.Second)
					t.Cleanup(func() { pcsctest.WaitCard(t, name, false, 20*time.Second) })
					pcsctest.Serve(t, addr, a, vpcd.Options{})
					cfg, _ := json.Marshal(desk.Config{Lists: dir, PCSC: []string{name}, Groups: []string{"AMO", "INS"}})
					tc.config = string(cfg)
					out := checkRead(t, c, tc.readCase)
					if tc.code != "" {
						return
					}
					if !strings.Contains(out, `"source":"nfc:pcsc:`+name+`"`) && !strings.Contains(out, `"source": "nfc:pcsc:`+name+`"`) {
						t.Errorf("identity not read from the PC/SC reader %q:\n%s", name, out)
					}
					acts, err := w.Phone.Activities()
					if err != nil || len(acts) != 1 || acts[0].AmountCents != 1250 {
						t.Errorf("Activités after the receipt: %+v, %v", acts, err)
					}
				})
			}
		})
	}
}
