package issuer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
)

// submit runs the server side of an activation up to the request and
// returns its ticket and the address the mails go to.
func submit(t testing.TB, iss *issuer.Issuer, nir credential.NIR) (ticket, addr string) {
	t.Helper()
	addr = string(nir) + "@example.test"
	if err := iss.CheckEligibility(nir); err != nil {
		t.Fatal(err)
	}
	if err := iss.SendEmailCode(nir, addr); err != nil {
		t.Fatal(err)
	}
	code, _, _ := iss.Mailbox(addr)
	if err := iss.VerifyEmailCode(nir, addr, code); err != nil {
		t.Fatal(err)
	}
	dev, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ticket, err = iss.Submit(issuer.Request{NIR: nir, Email: addr, Device: issuer.DeviceInfo{OS: "android", Version: "14", Model: "Pixel"}, DeviceKey: &dev.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	return ticket, addr
}

// TestRejectReasons: the back office rejects a request for each reason; the
// "activation failed" e-mail does not say why (the deck: "for security
// reasons the cause cannot be given in the e-mail"), the app learns it when
// it collects, with the reason's own desk message.
func TestRejectReasons(t *testing.T) {
	want := map[issuer.RejectReason]*apcverr.Error{
		issuer.RejectDocumentInvalid:      issuer.ErrRejectedDocumentInvalid,
		issuer.RejectDocumentNotAuthentic: issuer.ErrRejectedDocumentNotAuthentic,
		issuer.RejectFaceMismatch:         issuer.ErrRejectedFaceMismatch,
		issuer.RejectIdentityMismatch:     issuer.ErrRejectedIdentityMismatch,
		issuer.RejectVideoUnusable:        issuer.ErrRejectedVideoUnusable,
	}
	if got := issuer.RejectReasons(); len(got) != len(want) {
		t.Fatalf("RejectReasons = %v, want the %d of the table", got, len(want))
	}
	for _, reason := range issuer.RejectReasons() {
		t.Run(string(reason), func(t *testing.T) {
			iss, _ := newIssuer(t, issuer.Options{})
			nir := register(t, iss, "isere-solo")
			ticket, addr := submit(t, iss, nir)
			if err := iss.Reject(nir, reason); err != nil {
				t.Fatal(err)
			}
			mails := iss.Mails(addr)
			if len(mails) != 2 || mails[0].Subject != issuer.SubjectEmailCode || mails[1].Subject != issuer.SubjectFailed {
				t.Fatalf("inbox = %+v, want the code then the failure", mails)
			}
			failed := mails[1].Subject + "\n" + mails[1].Body // the test address holds the NIR
			for _, leak := range []string{string(reason), want[reason].FR, want[reason].EN, string(nir)} {
				if strings.Contains(failed, leak) {
					t.Fatalf("the failure e-mail gives %q:\n%s", leak, failed)
				}
			}
			if !strings.Contains(failed, "ouvrez votre appli carte Vitale pour en connaître le motif") {
				t.Fatalf("the failure e-mail does not send the user to the app:\n%s", failed)
			}
			if v, _ := iss.PersonView(nir); v.ActivationState != issuer.ActivationRejected || v.AppState != issuer.AppNone {
				t.Fatalf("view = %+v", v)
			}
			_, err := iss.Collect(ticket)
			if !errors.Is(err, want[reason]) || !errors.Is(err, issuer.ErrActivationRejected) {
				t.Fatalf("Collect = %v, want %v and activation-rejected", err, want[reason])
			}
			if got := apcverr.Message(err, apcverr.FR); got != want[reason].FR {
				t.Fatalf("the app shows %q, want %q", got, want[reason].FR)
			}
			if _, err := iss.Collect(ticket); !errors.Is(err, issuer.ErrNoActivation) {
				t.Fatalf("second Collect = %v: the ticket is spent", err)
			}
			// A new activation may follow, and succeeds.
			activate(t, iss, nir)
			if m, ok := iss.LastMail(addr); !ok || m.Subject != issuer.SubjectFinalise || !strings.Contains(m.Body, "7 jours") {
				t.Fatalf("last mail after validation = %+v", m)
			}
		})
	}
}

func TestRejectRefusals(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	nir := register(t, iss, "isere-solo")
	if err := iss.Reject(nir, issuer.RejectFaceMismatch); !errors.Is(err, issuer.ErrNoActivation) {
		t.Fatalf("nothing pending: %v", err)
	}
	if err := iss.Reject("100000000000000", issuer.RejectFaceMismatch); !errors.Is(err, issuer.ErrUnknownNIR) {
		t.Fatalf("unknown NIR: %v", err)
	}
	_, addr := submit(t, iss, nir)
	if err := iss.Reject(nir, "bad-mood"); !errors.Is(err, issuer.ErrUnknownRejectReason) {
		t.Fatalf("unknown reason: %v", err)
	}
	fc.Advance(issuer.ValidationWindow + time.Second)
	if err := iss.Reject(nir, issuer.RejectFaceMismatch); !errors.Is(err, issuer.ErrValidationExpired) {
		t.Fatalf("after 48 h: %v", err)
	}
	if err := iss.Validate(nir); !errors.Is(err, issuer.ErrValidationExpired) {
		t.Fatalf("validate after 48 h: %v", err)
	}
	if ms := iss.Mails(addr); len(ms) != 1 {
		t.Fatalf("a refused rejection or validation sent mail: %+v", ms)
	}
	// A rejection leaves the app of an earlier activation alone.
	iss2, _ := newIssuer(t, issuer.Options{})
	nir2 := register(t, iss2, "isere-solo")
	got, _ := activate(t, iss2, nir2)
	submit(t, iss2, nir2)
	if err := iss2.Reject(nir2, issuer.RejectVideoUnusable); err != nil {
		t.Fatal(err)
	}
	if st, err := iss2.CredentialStatus(got.CredentialID); err != nil || st.Revoked {
		t.Fatalf("the earlier app after a rejection: %+v, %v", st, err)
	}
}

// TestRejectPersists: a rejection and the inbox survive a restart, and a
// state saved before the inbox existed still opens.
func TestRejectPersists(t *testing.T) {
	dir := t.TempDir()
	fc := clock.NewFake(t0)
	iss, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	nir := register(t, iss, "isere-solo")
	ticket, addr := submit(t, iss, nir)
	if err := iss.Reject(nir, issuer.RejectDocumentInvalid); err != nil {
		t.Fatal(err)
	}
	again, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if ms := again.Mails(addr); len(ms) != 2 || ms[1].Subject != issuer.SubjectFailed || !ms[1].SentAt.Equal(t0) {
		t.Fatalf("inbox after restart = %+v", ms)
	}
	if _, err := again.Collect(ticket); !errors.Is(err, issuer.ErrRejectedDocumentInvalid) {
		t.Fatalf("Collect after restart = %v", err)
	}

	// The state of an issuer from before the inbox and the rejection.
	path := filepath.Join(dir, "state.json")
	var st map[string]any
	if err := json.Unmarshal(readFile(t, path), &st); err != nil {
		t.Fatal(err)
	}
	if _, ok := st["inbox"]; !ok {
		t.Fatal("no inbox in the saved state")
	}
	delete(st, "inbox")
	for _, p := range st["persons"].([]any) {
		delete(p.(map[string]any)["record"].(map[string]any), "Rejection")
	}
	old, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	legacy, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatalf("a state without inbox: %v", err)
	}
	if ms := legacy.Mails(addr); len(ms) != 0 {
		t.Fatalf("inbox = %+v", ms)
	}
	activate(t, legacy, nir)
	if m, ok := legacy.LastMail(string(nir) + "@example.test"); !ok || m.Subject != issuer.SubjectFinalise {
		t.Fatalf("last mail = %+v", m)
	}
}
