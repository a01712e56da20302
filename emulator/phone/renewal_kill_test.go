package phone_test

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// renewChildEnv tells the test binary it is the child of
// TestKillMidRenewal and where the state directory is.
const renewChildEnv = "APCV_PHONE_RENEW_CHILD"

// renewChild opens the app again and again (each opening renews the
// credential) and prints "R <credential id>" once each Open has returned.
// It runs until killed.
func renewChild(dir string) {
	_, ph, err := killOpen(dir)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	for {
		if err := ph.Open(); err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		id, _ := ph.CredentialID()
		fmt.Println("R", hex.EncodeToString(id[:]))
	}
}

// TestKillMidRenewal kills (SIGKILL) a child that keeps opening the app
// online, so renewing its credential, and checks after each kill that the
// phone holds the issuer's current credential, not revoked, no older than
// the last renewal the child reported: a renewal the issuer made but the
// phone never saved is fetched again when the app restarts.
func TestKillMidRenewal(t *testing.T) {
	if dir := os.Getenv(renewChildEnv); dir != "" {
		renewChild(dir)
		return
	}
	kills := 20
	if testing.Short() {
		kills = 8
	}
	dir := t.TempDir()
	_, ph, err := killOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ph.Activate(goodCode); err != nil {
		t.Fatal(err)
	}
	renewals, unreported := 0, 0
	for k := range kills {
		reported := runRenewChild(t, dir, time.Duration(rand.IntN(20))*time.Millisecond)
		renewals += len(reported)
		iss, ph, err := killOpen(dir)
		if err != nil {
			t.Fatalf("kill %d: open: %v", k, err)
		}
		if st := ph.State(); st != phone.ActiveLocked {
			t.Fatalf("kill %d: state %s", k, st)
		}
		id, _ := ph.CredentialID()
		prof := ph.Profile()
		view, err := iss.PersonView(prof.OuvrantDroit().NIR)
		if err != nil {
			t.Fatal(err)
		}
		if view.CredentialID != hex.EncodeToString(id[:]) || view.AppState != issuer.AppActive {
			t.Fatalf("kill %d: the phone holds %x, the issuer's current is %s (%s)", k, id, view.CredentialID, view.AppState)
		}
		if n := len(reported); n > 0 {
			last := reported[n-1]
			if st, err := iss.CredentialStatus(last); err != nil || last != id && st.Reason != issuer.ReasonRenewed {
				t.Fatalf("kill %d: last reported %x is neither held nor renewed: %+v, %v", k, last, st, err)
			}
			if last != id {
				unreported++ // renewed, killed before it was reported (or before the phone saved it)
			}
		}
		if _, ok := ph.UpdatedAt(); !ok {
			t.Fatalf("kill %d: no update date", k)
		}
	}
	t.Logf("%d kills, %d renewals reported, %d kills after an unreported renewal", kills, renewals, unreported)
	if renewals == 0 {
		t.Fatal("the children renewed nothing: the test tested nothing")
	}

	iss, ph, err := killOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	text, err := ph.PresentQR()
	if err != nil {
		t.Fatal(err)
	}
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: iss.ListAuthority()})
	if err := v.SetTrustList(must(iss.TrustList())); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(must(iss.RevocationList(time.Now()))); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyQR(text); err != nil {
		t.Fatalf("QR after the kills: %v", err)
	}
}

// runRenewChild starts the child, lets it renew for delay once ready, kills
// it with SIGKILL and returns the credential ids it reported.
func runRenewChild(t *testing.T, dir string, delay time.Duration) (ids [][8]byte) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillMidRenewal$")
	cmd.Env = append(os.Environ(), renewChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	ready := false
	for !ready && sc.Scan() {
		if line := sc.Text(); line == "ready" {
			ready = true
		} else if strings.HasPrefix(line, "ERR") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %s", line)
		}
	}
	if !ready {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child ended before it was ready: %v", sc.Err())
	}
	time.Sleep(delay)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "ERR" {
			t.Fatalf("child: %s", sc.Text())
		}
		if len(f) != 2 || f[0] != "R" {
			continue
		}
		b, err := hex.DecodeString(f[1])
		if err != nil || len(b) != 8 {
			continue // a line cut by the kill
		}
		ids = append(ids, [8]byte(b))
	}
	cmd.Wait()
	return ids
}
