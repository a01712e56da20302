package phone_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/store"
)

// killChildEnv tells the test binary it is the child of TestKillMidWrite
// and where the state directory is.
const killChildEnv = "APCV_PHONE_KILL_CHILD"

const killProfile = "famille-6-drome"

// killOpen opens the issuer and the phone of the kill test on the real
// clock, as `apcv emulate --state DIR` does.
func killOpen(dir string) (*issuer.Issuer, *phone.Phone, error) {
	iss, err := issuer.Open(filepath.Join(dir, "issuer"), issuer.Options{})
	if err != nil {
		return nil, nil, err
	}
	prof, err := phone.BuiltinProfile(killProfile)
	if err != nil {
		return nil, nil, err
	}
	// The cheapest code hash: children unlock at each start.
	ph, err := phone.Open(filepath.Join(dir, "phones"), prof, phone.Options{Issuer: iss, CodeHashIterations: phone.MinCodeHashIterations})
	return iss, ph, err
}

// killChild loops changing the state — a QR refresh (phone state) three
// times out of four, an Activité (issuer state) the fourth — and prints
// each change once the method that made it has returned: "Q counter" or
// "A amount". It runs until killed.
func killChild(dir string) {
	iss, ph, err := killOpen(dir)
	if err == nil {
		err = ph.Unlock(goodCode)
	}
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	_ = iss
	amount, _ := strconv.ParseInt(os.Getenv(killChildEnv+"_BASE"), 10, 64) // distinct across children
	fmt.Println("ready")
	// Children start at different points of the cycle (base is the kill's
	// number times 10 000): on a slow machine (Wine, -race) a child is often
	// killed after its first change or two, and must not always be a QR.
	for i := int(amount / 10_000 % 4); ; i++ {
		if i%4 == 3 {
			amount++
			if err := ph.AddActivity(phone.Activity{PSID: "10101234567", PSName: "Dr Kill", AmountCents: amount}); err != nil {
				fmt.Println("ERR", err)
				os.Exit(1)
			}
			fmt.Println("A", amount)
			continue
		}
		if _, err := ph.PresentQR(); err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		fmt.Println("Q", ph.QRCounter())
	}
}

// TestKillMidWrite kills (SIGKILL) a child process that keeps changing the
// phone's and the issuer's state, many times, each after a random short
// delay, and checks after each kill that the state directory opens, is
// consistent, and holds every change the child had reported done.
func TestKillMidWrite(t *testing.T) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		killChild(dir)
		return
	}
	kills := 60
	if testing.Short() {
		kills = 20
	}
	dir := t.TempDir()
	iss, ph, err := killOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ph.Activate(goodCode); err != nil {
		t.Fatal(err)
	}
	cid, _ := ph.CredentialID()
	_ = iss

	var lastQR uint32
	acked := map[int64]bool{} // Activités the children reported recorded
	midWrite := 0             // kills that left a temporary file behind
	start := time.Now()
	for k := range kills {
		qr, amounts := runKilledChild(t, dir, int64(k)*10_000, time.Duration(rand.IntN(20))*time.Millisecond)
		for _, a := range amounts {
			acked[a] = true
		}
		ents, err := os.ReadDir(filepath.Join(dir, "phones"))
		if err != nil {
			t.Fatal(err)
		}
		ents2, err := os.ReadDir(filepath.Join(dir, "issuer"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range append(ents, ents2...) {
			if store.IsTemp(e.Name()) {
				midWrite++
				break
			}
		}

		iss, ph, err := killOpen(dir) // the state must open after any kill
		if err != nil {
			t.Fatalf("kill %d: open: %v", k, err)
		}
		if st := ph.State(); st != phone.ActiveLocked {
			t.Fatalf("kill %d: state %s, want active (locked)", k, st)
		}
		if id, _ := ph.CredentialID(); id != cid {
			t.Fatalf("kill %d: credential %x, want %x", k, id, cid)
		}
		got := ph.QRCounter()
		if qr != 0 && got < qr || got > max(qr, lastQR)+1 {
			t.Fatalf("kill %d: saved QR counter %d, child had shown %d (before: %d)", k, got, qr, lastQR)
		}
		if got < lastQR {
			t.Fatalf("kill %d: QR counter went back from %d to %d", k, lastQR, got)
		}
		lastQR = got
		seen := map[int64]bool{}
		unacked := 0
		for _, a := range iss.Activities(cid) {
			if seen[a.AmountCents] {
				t.Fatalf("kill %d: Activité %d recorded twice", k, a.AmountCents)
			}
			seen[a.AmountCents] = true
			if !acked[a.AmountCents] {
				unacked++ // recorded, killed before it was reported
				acked[a.AmountCents] = true
			}
		}
		if unacked > 1 {
			t.Fatalf("kill %d: %d Activités nobody recorded", k, unacked)
		}
		for a := range acked {
			if !seen[a] {
				t.Fatalf("kill %d: Activité %d was reported recorded and is lost", k, a)
			}
		}
	}
	t.Logf("%d kills in %v, %d of them mid-write (a temporary file left), QR counter at %d, %d Activités",
		kills, time.Since(start).Round(time.Millisecond), midWrite, lastQR, len(acked))
	if lastQR == 0 || len(acked) == 0 {
		t.Fatal("the children made no change: the test tested nothing")
	}

	// After it all the phone works: unlock, show a QR that a reader verifies.
	iss, ph, err = killOpen(dir)
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
	if p, err := v.VerifyQR(text); err != nil || p.Counter != lastQR+1 {
		t.Fatalf("QR after the kills: %+v, %v", p, err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// runKilledChild starts the child (its Activités amount to base+1, base+2…), waits until it is changing the state,
// lets it run for delay, kills it with SIGKILL and returns the last QR
// counter and the Activités it reported.
func runKilledChild(t *testing.T, dir string, base int64, delay time.Duration) (qr uint32, amounts []int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillMidWrite$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir, killChildEnv+"_BASE="+strconv.FormatInt(base, 10))
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
		switch line := sc.Text(); {
		case line == "ready":
			ready = true
		case strings.HasPrefix(line, "ERR"):
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
	for sc.Scan() { // what the child printed before it died
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			if f != nil && f[0] == "ERR" {
				t.Fatalf("child: %s", sc.Text())
			}
			continue // a line cut by the kill
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "Q":
			qr = uint32(n)
		case "A":
			amounts = append(amounts, n)
		case "ERR":
			t.Fatalf("child: %s", sc.Text())
		}
	}
	cmd.Wait()
	return qr, amounts
}
