// Package conform is the ApCV conformance kit: it checks an implementation
// of the NFC protocol of docs/PROTOCOL.md §7 against every rule there, the
// way integrators use test cards.
//
// Phone runs each rule — positive and negative APDUs, the order of the
// checks, state changes, chaining, 61xx/6Cxx/Le, receipts, tearing at each
// step — against any phone reachable through an apdu.Transport (PC/SC, the
// link model, the emulator in memory) and returns a report:
//
//	rep, err := conform.Phone(ctx, card, conform.Config{Verifier: v})
//	rep.WriteText(os.Stdout) // rule, section, expected, got; rep.Failed() > 0 on failure
//
// ReaderCheck does the reverse: it plays a phone (any apdu.Transport, such
// as the emulator's applet) and records what a reader under test sends;
// Report then checks the order of the commands, their P1-P2 and Le, and the
// time the reader took.
//
// The kit never needs the phone's secrets. Without a Verifier, the phone's
// answers are checked for form (they must decrypt under the session keys);
// with one (trust and revocation lists), the identity must verify too. The
// receipt rules write test receipts to the phone when its FCI accepts them
// (Config.NoReceipts turns them off). The tearing rules need a way to cut
// the field: Config.Reset, or a transport that implements apdu.Resetter;
// without either they are reported as skipped, never as passed.
package conform
