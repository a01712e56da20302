// Package serialpty emulates a serial QR scanner (RS-232 or USB CDC-ACM) on
// a pseudo-terminal pair, so the SDK's serial source runs against a real
// tty without hardware.
//
// The scanner writes each scan as a real one does: optional prefix, optional
// AIM identifier, the text, a suffix (CR, LF, CRLF, Tab or none), paced at
// the baud rate (10 bits per byte, 8N1), with optional faults (a truncated
// scan, injected garbage, a pause in the middle):
//
//	sc, _ := serialpty.Open(serialpty.Config{Baud: 9600})
//	defer sc.Close()
//	// the SDK opens sc.Path() ("/dev/pts/N"), then:
//	err := sc.Scan(ctx, "APCV1:...")
//
// The terminal is in raw mode: no echo, no CR/LF translation. Close closes
// both sides, as an unplugged scanner: the host's reads then fail with EIO.
//
// Pseudo-terminals exist on Linux and macOS only (Supported). The package
// builds everywhere, so that its importers do, but on Windows Open fails
// with an error wrapping ErrUnsupported.
package serialpty
