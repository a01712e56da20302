//go:build darwin && !cgo

package serial

import bugst "go.bug.st/serial"

// listPorts, on macOS built without cgo, lists the ports by name only:
// go.bug.st/serial's enumerator reads USB ids through IOKit, which needs
// cgo. Ports then ranks /dev/cu.usbmodem* and /dev/cu.usbserial* ports as
// candidates by their names, but cannot tell a scanner maker's port from
// another (PortInfo.USB is false), and OpenUSB finds nothing: build with
// cgo (the default when building on the Mac itself) for USB ids.
func listPorts() ([]*portDetails, error) {
	names, err := bugst.GetPortsList()
	if err != nil {
		return nil, err
	}
	out := make([]*portDetails, len(names))
	for i, n := range names {
		out[i] = &portDetails{Name: n}
	}
	return out, nil
}
