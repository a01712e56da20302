//go:build !darwin || cgo

package serial

import "go.bug.st/serial/enumerator"

// listPorts asks go.bug.st/serial's enumerator for the ports and their USB
// ids: sysfs on Linux, SetupAPI on Windows (no cgo), IOKit on macOS (cgo).
func listPorts() ([]*portDetails, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, err
	}
	out := make([]*portDetails, 0, len(list))
	for _, d := range list {
		if d == nil {
			continue
		}
		out = append(out, &portDetails{Name: d.Name, IsUSB: d.IsUSB, VID: d.VID, PID: d.PID,
			SerialNumber: d.SerialNumber, Product: d.Product})
	}
	return out, nil
}
