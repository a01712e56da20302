package hid_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/present/hidgen"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/hid"
)

func TestReportFileRoundTrip(t *testing.T) {
	w := testworld.New(1)
	text, err := w.Held.PresentQR(w.Device, w.Now, 1)
	if err != nil {
		t.Fatal(err)
	}
	reports, err := hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR, KeyDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := hid.WriteReports(&buf, reports); err != nil {
		t.Fatal(err)
	}
	back, err := hid.ReadReports(&buf)
	if err != nil {
		t.Fatal(err)
	}
	src := hid.NewSource(hid.NewReplay(back, false), hid.Config{})
	defer src.Close()
	scan, err := src.Next(context.Background())
	if err != nil || scan.Text != text {
		t.Fatalf("scan %q, %v", scan.Text, err)
	}
}

func TestReadReportsMalformed(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"no delay", "zz 0102\n"},
		{"negative delay", "-1 0102\n"},
		{"odd hex", "10 010\n"},
		{"no data", "10\n"},
		{"too long", "10 " + strings.Repeat("00", 65) + "\n"},
		{"line over 4 KiB", strings.Repeat("1", 5000) + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := hid.ReadReports(strings.NewReader(tc.in)); !errors.Is(err, qrscan.ErrGarbled) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	got, err := hid.ReadReports(strings.NewReader("# comment\n\n250 0000040000000000\n"))
	if err != nil || len(got) != 1 || got[0].Delay != 250*time.Microsecond {
		t.Fatalf("got %+v, %v", got, err)
	}
}
