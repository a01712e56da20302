package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apcvkit/apcvkit/agent"
)

// sessionFlags are the reading flags of apcv agent serve: a --config file,
// or the flags of apcv read, or --emulate.
type sessionFlags struct {
	configFile  string
	lists       string
	pcsc        multiFlag
	serial      multiFlag
	baud        int
	auto        bool
	groups      string
	replayStore string
	emulate     string
	emulateMode string
}

func (s *sessionFlags) flags(fs *flag.FlagSet) {
	fs.StringVar(&s.configFile, "config", "", "the reading configuration, a JSON file (docs/AGENT.md); excludes the reading flags below")
	fs.StringVar(&s.lists, "lists", "", "lists directory (authority.pem, trust-list.cose, revocation-list.cose)")
	fs.Var(&s.pcsc, "pcsc", "read NFC from this PC/SC reader (\"\" or \"any\": every contactless reader); repeatable")
	fs.Var(&s.serial, "serial", "read QR codes from the serial scanner at this path; repeatable")
	fs.IntVar(&s.baud, "baud", 0, "serial line rate (default 9600)")
	fs.BoolVar(&s.auto, "auto", false, "also read every device found: PC/SC contactless readers, serial and USB HID scanners of known makers")
	fs.StringVar(&s.groups, "groups", "", "data groups asked for over NFC: AMO,INS,ETAT_CIVIL (default AMO)")
	fs.StringVar(&s.replayStore, "replay-store", os.Getenv("APCV_REPLAY_STORE"), "anti-replay file shared by every process of this machine (default $APCV_REPLAY_STORE)")
	fs.StringVar(&s.emulate, "emulate", "", "read an in-memory emulated phone of this profile (tests, demos): no device, no lists")
	fs.StringVar(&s.emulateMode, "emulate-mode", "nfc", "with --emulate: nfc or qr")
}

// check reports a usage error on w.
func (s *sessionFlags) check(w io.Writer) bool {
	reading := s.lists != "" || len(s.pcsc)+len(s.serial) > 0 || s.auto || s.groups != "" || s.baud != 0 || s.emulate != ""
	switch {
	case s.configFile != "" && reading:
		fmt.Fprintln(w, "apcv agent: --config excludes --lists, --pcsc, --serial, --auto, --groups, --baud and --emulate")
		return false
	case s.configFile == "" && !reading:
		fmt.Fprintln(w, "apcv agent: give --config FILE, or --lists DIR and devices, or --emulate PROFILE")
		return false
	}
	return true
}

// config returns the session's configuration, checked (unknown JSON
// fields and inconsistent settings are typed errors).
func (s *sessionFlags) config() (agent.Config, error) {
	if s.configFile != "" {
		b, err := os.ReadFile(s.configFile)
		if err != nil {
			return agent.Config{}, err
		}
		return agent.ParseConfig(b)
	}
	c := agent.Config{Lists: s.lists, PCSC: s.pcsc, Serial: s.serial, Baud: s.baud, Auto: s.auto, ReplayStore: s.replayStore}
	if s.groups != "" {
		for _, g := range strings.Split(s.groups, ",") {
			c.Groups = append(c.Groups, strings.TrimSpace(g))
		}
	}
	if s.emulate != "" {
		c.Emulate = &agent.Emulate{Profile: s.emulate, Mode: s.emulateMode}
	}
	return c, c.Validate()
}
