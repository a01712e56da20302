// Package clock is the injectable clock of apcvkit: code that reads the time
// or waits takes a Clock, tests hand it a *Fake and move time with Advance.
// It is public so that a tester outside this module can drive the emulator's
// deadlines (the 1-hour e-mail code, the 48-hour validation, the 7-day
// reopening, the QR refresh, the portal's publication delay) without waiting:
// emulator.Options, issuer.Options, phone.Options, portal.Config and
// qrpresenter.Options all take a Clock.
//
// A nil Clock means the real clock wherever one is accepted:
//
//	c := clock.Or(opts.Clock) // nil → clock.Real{}
//	deadline := c.Now().Add(48 * time.Hour)
//
// In tests:
//
//	fc := clock.NewFake(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
//	fc.Advance(48*time.Hour + time.Second) // fires the timers that fall due, in order
//
// Offset is the real clock shifted: apcv emulate runs the emulator on one
// so that a desk on the real time reads a phone activated in the past
// (--advance) or a world ahead of or behind it (--clock-offset).
//
// Packages of the SDK that only read the time (credential.VerifyOptions,
// reader.Config, reader/lists) take a func() time.Time; pass a Clock's Now
// method (fc.Now) there. The NFC link model (nfc/link) keeps its own Clock
// with WaitUntil, because pacing frames needs a sub-millisecond wait that a
// timer cannot give.
package clock
