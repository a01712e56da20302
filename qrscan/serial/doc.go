// Package serial reads ApCV QR codes from a serial barcode scanner: an
// RS-232 scanner, or a USB scanner set to "USB serial" (CDC-ACM, COM port
// emulation) mode. It opens the port with go.bug.st/serial, frames the
// scanner's output with qrscan/frame and implements qrscan.Source:
//
//	src, err := serial.Open("/dev/ttyACM0", serial.Config{})
//	scan, err := src.Next(ctx)
//
// The zero Config suits a scanner with factory settings: 9600 baud 8N1
// (ignored over USB), CR suffix, no prefix, no AIM identifier. OpenUSB finds
// a scanner by its USB ids; Ports lists candidate ports with the known
// scanner vendors first; New wraps any io.ReadWriteCloser (a pty, a port
// opened elsewhere, a replay).
//
// Errors: a garbled or partial scan wraps qrscan.ErrGarbled, a readable code
// that is not an ApCV one wraps qrscan.ErrNotApCV (both with a *frame.Error),
// and the source goes on; an unplugged scanner wraps qrscan.ErrDeviceGone
// and the source is done. Each has a desk message (apcverr.Message).
//
// Time on the line: a scanner at 9600 baud sends 960 characters per
// second (10 bits each), so a 480-character ApCV text takes about 0.5 s and
// a 960-character one about 1 s; set the scanner to 115200 baud, or use USB
// mode, to make it 12 times faster.
package serial
