package qrpresenter_test

import (
	"context"
	"errors"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/present/qrpresenter"
)

// TestQRDisplayCrash: a phone of the fault profile crash-affichage-qr
// (phone.FaultQRDisplayCrash) never puts a code on the screen: Current
// returns the crash, typed, and Run stops with it without showing
// anything — what a desk's scanner sees is no code at all.
func TestQRDisplayCrash(t *testing.T) {
	e := newEnv(t, "crash-affichage-qr", phone.Options{})
	p := qrpresenter.New(e.ph, qrpresenter.Options{Clock: e.fc})
	_, err := p.Current()
	var ce *phone.CrashError
	if !errors.As(err, &ce) || ce.Fault != phone.FaultQRDisplayCrash || apcverr.Code(err) != "app-crashed" {
		t.Fatalf("Current: %v", err)
	}
	if err := e.ph.Unlock(code); err != nil { // the crash restarted the app
		t.Fatal(err)
	}
	shown := 0
	err = p.Run(context.Background(), func(string) { shown++ })
	if !errors.Is(err, phone.ErrAppCrashed) || shown != 0 {
		t.Fatalf("Run: %v after %d codes shown", err, shown)
	}
}
