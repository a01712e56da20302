package serial

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	bugst "go.bug.st/serial"
)

// ports is what the enumerator reports on a desk PC with several devices.
var ports = []*portDetails{
	{Name: "/dev/ttyS0"},
	{Name: "/dev/ttyUSB0", IsUSB: true, VID: "0403", PID: "6001", SerialNumber: "FT123"},
	{Name: "/dev/ttyACM3", IsUSB: true, VID: "0c2e", PID: "0b61", Product: "Voyager"},
	{Name: "/dev/ttyACM1", IsUSB: true, VID: "0C2E", PID: "0B61"},
	{Name: "/dev/ttyACM0", IsUSB: true, VID: "2341", PID: "0043"},
	{Name: "/dev/ttyACM2", IsUSB: true, VID: "05E0", PID: "1701"},
	{Name: "/dev/ttyACM9", IsUSB: true, VID: "zz", PID: "1"},
	{Name: "/dev/ttyACM8", IsUSB: true, VID: "12345", PID: "0001"},
	{Name: "/dev/ttyAMA0", IsUSB: false, VID: "1EAB", PID: "0001"},
	nil,
}

func TestMatchUSB(t *testing.T) {
	for _, tc := range []struct {
		name     string
		list     []*portDetails
		vid, pid uint16
		want     string // "" for ErrNoScanner
	}{
		{"exact, lowest name of two, case-insensitive hex", ports, 0x0C2E, 0x0B61, "/dev/ttyACM1"},
		{"any product", ports, 0x05E0, 0, "/dev/ttyACM2"},
		{"bridge", ports, 0x0403, 0x6001, "/dev/ttyUSB0"},
		{"wrong product", ports, 0x05E0, 0x1900, ""},
		{"absent vendor", ports, 0x065A, 0, ""},
		{"not usb", ports, 0x1EAB, 1, ""},
		{"malformed ids never match", ports, 0, 0, ""},
		{"empty list", nil, 0x0C2E, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := matchUSB(tc.list, tc.vid, tc.pid)
			if tc.want == "" {
				if !errors.Is(err, ErrNoScanner) {
					t.Fatalf("got %q, %v; want ErrNoScanner", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestPortInfos(t *testing.T) {
	got := portInfos(ports)
	var order []string
	for _, p := range got {
		order = append(order, fmt.Sprintf("%s %04x:%04x %v %v", p.Name, p.VID, p.PID, p.Vendor.Kind, p.Candidate))
	}
	want := []string{
		"/dev/ttyACM1 0c2e:0b61 1 true",
		"/dev/ttyACM2 05e0:1701 1 true",
		"/dev/ttyACM3 0c2e:0b61 1 true",
		"/dev/ttyUSB0 0403:6001 2 true",
		"/dev/ttyACM0 2341:0043 0 true",
		"/dev/ttyACM8 0000:0000 0 true",
		"/dev/ttyACM9 0000:0000 0 true",
		"/dev/ttyAMA0 0000:0000 0 false",
		"/dev/ttyS0 0000:0000 0 false",
	}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("got\n%q\nwant\n%q", order, want)
	}
	if got[2].Product != "Voyager" || got[3].Serial != "FT123" || got[0].Vendor.Name != "Honeywell (Metrologic)" {
		t.Errorf("details lost: %+v", got[:4])
	}
	for _, name := range []string{"cu.usbmodem1101", "cu.usbserial-A1", "ttyUSB3"} {
		if p := portInfos([]*portDetails{{Name: "/dev/" + name}}); !p[0].Candidate {
			t.Errorf("%s not a candidate", name)
		}
	}
}

func TestVendors(t *testing.T) {
	for _, vid := range []uint16{0x0C2E, 0x05E0, 0x05F9, 0x1EAB, 0x065A} {
		if v, ok := LookupVendor(vid); !ok || v.Kind != ScannerVendor {
			t.Errorf("%04x: %+v %v", vid, v, ok)
		}
	}
	if _, ok := LookupVendor(0x2341); ok {
		t.Error("Arduino is no scanner vendor")
	}
	vs := KnownVendors()
	vs[0].Name = "changed"
	if v, _ := LookupVendor(vs[0].VID); v.Name == "changed" {
		t.Error("KnownVendors exposes the table")
	}
}

// TestPortsRuns lists the ports of this machine (often none): it must not
// fail, and every port must be openable by name.
func TestPortsRuns(t *testing.T) {
	ps, err := Ports()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Name == "" {
			t.Errorf("port without a name: %+v", p)
		}
	}
	t.Logf("%d ports", len(ps))
}

func TestOpenErr(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"port busy (zero PortError code)", &bugst.PortError{}, ErrBusy},
		{"ENOENT", &os.PathError{Op: "open", Err: syscall.ENOENT}, ErrNoScanner},
		{"EBUSY", syscall.EBUSY, ErrBusy},
		{"EACCES", syscall.EACCES, ErrPermission},
		{"EPERM", syscall.EPERM, ErrPermission},
		{"other", errors.New("x"), ErrNoScanner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := openErr(tc.err); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
