package desk

import (
	"context"
	"fmt"
	"time"

	bugst "go.bug.st/serial"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
	"github.com/apcvkit/apcvkit/qrscan/serial"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/discover"
	"github.com/apcvkit/apcvkit/reader/online"
	"github.com/apcvkit/apcvkit/reader/replaystore"
)

// Discovery reports what Config.Auto found.
type Discovery struct {
	Devices []string // what was opened, e.g. "pcsc:*", "serial:/dev/ttyACM0"
	Skipped []error  // why a family of devices gave nothing (no pcscd, no USB…)
}

// Sources turns the device part of c (Lists, Groups, ReplayStore,
// APDUTimeoutMS, the online service, Serial, PCSC, Auto; not Emulate) into a reader.Config
// with its sources opened: the configuration apcv read, the agent and
// libapcv share. The caller may add sources, then passes it to reader.Open;
// when it does not get that far, CloseSources releases them. On error
// nothing is left open.
func Sources(ctx context.Context, c Config) (reader.Config, *Discovery, error) {
	rc := reader.Config{Enabled: true, Logger: c.Logger, APDUTimeout: time.Duration(c.APDUTimeoutMS) * time.Millisecond}
	groups, err := parseGroups(c.Groups)
	if err != nil {
		return reader.Config{}, nil, err
	}
	rc.Groups = groups
	if c.Lists == "" {
		return reader.Config{}, nil, fmt.Errorf("desk: config: lists (the lists directory) is required: %w", ErrBadConfig)
	}
	auth, err := reader.DirLists(c.Lists).Authority()
	if err != nil {
		return reader.Config{}, nil, err
	}
	rc.ListAuthority, rc.Lists = auth, reader.DirLists(c.Lists)
	if c.ServiceURL != "" {
		oc, err := online.LoadConfig(c.ServiceURL, c.PSCert, c.PSKey, c.ServiceCA, time.Duration(c.ServiceTimeoutMS)*time.Millisecond)
		if err != nil {
			return reader.Config{}, nil, fmt.Errorf("desk: config: %w: %w", ErrBadConfig, err)
		}
		rc.Online = &oc
	}
	if c.ReplayStore != "" {
		rs, err := replaystore.Open(c.ReplayStore, replaystore.Options{})
		if err != nil {
			return reader.Config{}, nil, err
		}
		rc.Replay = rs
	}
	baud := c.Baud
	if baud == 0 {
		baud = 9600
	}
	mode := bugst.Mode{BaudRate: baud}
	for _, p := range c.Serial {
		src, err := serial.Open(p, serial.Config{Mode: mode})
		if err != nil {
			CloseSources(rc)
			return reader.Config{}, nil, err
		}
		rc.QR = append(rc.QR, src)
	}
	for _, name := range c.PCSC {
		if name == "any" {
			name = ""
		}
		src, err := pcsc.OpenSource(name)
		if err != nil {
			CloseSources(rc)
			return reader.Config{}, nil, err
		}
		rc.NFC = append(rc.NFC, src)
	}
	d := &Discovery{}
	if c.Auto {
		found, err := discover.Discover(ctx, discover.Options{Serial: serial.Config{Mode: mode}, Logger: c.Logger})
		if err != nil {
			CloseSources(rc)
			return reader.Config{}, nil, err
		}
		found.Apply(&rc)
		d.Devices, d.Skipped = found.Devices, found.Skipped
	}
	return rc, d, nil
}

// CloseSources closes every source of rc: for a configuration that
// reader.Open refused or was never given (once Open succeeds, the Reader
// owns its sources).
func CloseSources(rc reader.Config) {
	for _, s := range rc.QR {
		s.Close()
	}
	for _, s := range rc.NFC {
		s.Close()
	}
}

func parseGroups(names []string) ([]credential.Group, error) {
	var gs []credential.Group
	for _, s := range names {
		g, err := credential.ParseGroup(s)
		if err != nil {
			return nil, fmt.Errorf("desk: config: groups: %v: %w", err, ErrBadConfig)
		}
		gs = append(gs, g)
	}
	return gs, nil
}
