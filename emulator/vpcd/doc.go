// Package vpcd plays a card, such as the emulated phone's HCE applet, for
// vsmartcard's virtual reader driver (vpcd) inside the real pcscd, so any
// PC/SC client (our SDK, pcsc_scan, scriptor, pyscard) reads the emulated
// phone as if it lay on a contactless reader:
//
//	// reader "Virtual PCD 00 00" now holds a phone until ctx is done
//	err := vpcd.Serve(ctx, "127.0.0.1:35963", phone.Applet(), vpcd.Options{})
//
// vpcd is the server: it listens (on every interface, authenticating nobody:
// keep it on a test machine or firewall its ports) and the card dials it.
// Frames are a 16-bit big-endian length and a payload, both ways. A one-byte
// payload is a control code: 00 power off, 01 power on, 02 reset (no answer),
// 04 get ATR (answered with Options.ATR, by default the contactless pseudo-ATR
// 3B 80 80 01 01, which gets T=1). Anything else is a command APDU, answered
// with the card's response APDU. pcscd asks for the ATR every 400 ms as a
// presence check, also during sessions.
//
// Power off, power on and reset are field activations: if the card
// implements apdu.Resetter, Serve calls its Reset then, and when the
// connection ends (the phone left the field), so the phone's session starts
// afresh.
//
// Serve sets TCP_QUICKACK after each frame header it reads (Linux): without
// it every APDU waits for a delayed ACK and costs about 40 ms instead of about
// 50 µs. It dials again with backoff when the connection ends, as it does
// when pcscd restarts, and returns when its context is done, leaving no
// goroutine behind.
//
// Options.Fault makes the phone misbehave for tests: taken away at the n-th
// APDU (the connection closes, the phone comes back after Fault.Away), slow
// or hung (Fault.Delay), or answering wrong bytes (Fault.Answer). Once
// injects one fault once:
//
//	opts := vpcd.Options{Fault: vpcd.Once(3, vpcd.Fault{Remove: true, Away: time.Second})}
package vpcd
