package desk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/apcvkit/apcvkit/credential"
)

// Config is the JSON configuration of apcv agent (--config FILE or flags)
// and of apcv_open(config_json). Either Lists and devices (PCSC, Serial,
// Auto), or Emulate alone.
type Config struct {
	// Lists is the lists directory (authority.pem, trust-list.cose,
	// revocation-list.cose, as apcv emulate --lists-out writes them);
	// required unless Emulate.
	Lists string `json:"lists,omitempty"`
	// PCSC names PC/SC readers to read NFC from ("" or "any": every
	// contactless reader, including ones plugged in later).
	PCSC []string `json:"pcsc,omitempty"`
	// Serial names serial QR scanners (e.g. "/dev/ttyACM0", "COM3").
	Serial []string `json:"serial,omitempty"`
	// Baud is the serial line rate (default 9600).
	Baud int `json:"baud,omitempty"`
	// Auto also reads every device found: PC/SC contactless readers,
	// serial and USB HID scanners of known makers.
	Auto bool `json:"auto,omitempty"`
	// Groups are the data groups asked for over NFC: "AMO" (default),
	// "INS", "ETAT_CIVIL".
	Groups []string `json:"groups,omitempty"`
	// ReplayStore is the anti-replay file shared by every process of the
	// machine ("" keeps one in memory per session).
	ReplayStore string `json:"replay_store,omitempty"`
	// APDUTimeoutMS bounds each APDU exchanged with a phone (default 2000).
	APDUTimeoutMS int `json:"apdu_timeout_ms,omitempty"`
	// The issuer's online service (protocol version 2): short QR codes
	// are resolved there and AMO rights fetched from there. ServiceURL
	// ("https://host:port"), PSCert and PSKey (the health professional's
	// certificate and key, PEM, as apcv ps-cert writes them) and ServiceCA
	// (the roots of the service's certificate, PEM: ps-ca.pem) go
	// together; without them a short QR code is refused with
	// "online-not-configured" and identities have no rights.
	ServiceURL string `json:"service_url,omitempty"`
	PSCert     string `json:"ps_cert,omitempty"`
	PSKey      string `json:"ps_key,omitempty"`
	ServiceCA  string `json:"service_ca,omitempty"`
	// ServiceTimeoutMS bounds each call to the service (default 2000).
	ServiceTimeoutMS int `json:"service_timeout_ms,omitempty"`
	// Emulate reads an in-memory emulated phone instead of devices.
	Emulate *Emulate `json:"emulate,omitempty"`
	// Masked masks the personal data in every identity JSON of the
	// session, whatever a caller asks: NIRs masked, names reduced to
	// their initial, birth dates to the year (reader.Identity.JSON(true)),
	// in what apcv_read and POST /v1/read return and in identity events.
	// For a program that only displays the identity (the examples) and
	// must not handle personal data.
	Masked bool `json:"masked,omitempty"`

	// Logger receives the session's logs (never personal data at Info and
	// above); nil discards. Not part of the JSON.
	Logger *slog.Logger `json:"-"`
}

// Emulate is an in-memory emulated phone (tests, demos, vendors without a
// phone): an issuer, its lists and one activated phone, presented by the
// emulated patient when a Read starts.
type Emulate struct {
	// Profile is the emulator profile (apcv emulate --list-profiles);
	// default "famille-6-drome".
	Profile string `json:"profile,omitempty"`
	// Mode is how the phone is presented: "nfc" (default: tapped on an
	// in-memory contactless reader) or "qr" (its QR code scanned).
	Mode string `json:"mode,omitempty"`
	// Locked leaves the app locked: NFC reads are refused with
	// "app-locked", QR presentations fail likewise.
	Locked bool `json:"locked,omitempty"`
	// Revoked revokes the phone's credential in the issuer's revocation
	// list: reads are refused with "revoked".
	Revoked bool `json:"revoked,omitempty"`
	// Absent: the patient never presents the phone, so a Read waits until
	// its deadline or Cancel (for tests of timeouts and cancellation).
	Absent bool `json:"absent,omitempty"`
	// Presented is how many QR presentations are already waiting at the
	// scanner when the session opens (mode "qr" only; benchmarks read
	// presentations made beforehand). A Read presents a new one when none
	// is waiting.
	Presented int `json:"presented,omitempty"`
	// Beneficiary, in mode "qr", makes the phone show the code of this
	// beneficiary only (an index in the profile's family, 0 the ouvrant
	// droit: the identity's "selected"); absent, the whole family's.
	Beneficiary *int `json:"beneficiary,omitempty"`
}

// MaxConfigSize bounds the JSON configuration accepted by ParseConfig.
const MaxConfigSize = 64 << 10

// ParseConfig decodes a JSON configuration strictly: one object, no unknown
// field, no trailing data, then Validate. Errors wrap ErrBadConfig.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if len(data) > MaxConfigSize {
		return c, fmt.Errorf("desk: config: %d bytes, more than %d: %w", len(data), MaxConfigSize, ErrBadConfig)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("desk: config: %s: %w", jsonProblem(err), ErrBadConfig)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("desk: config: data after the object: %w", ErrBadConfig)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// jsonProblem describes a decoding error without echoing the input's values.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q: want a JSON %s", te.Field, te.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "empty or truncated JSON"
	}
	return "malformed JSON"
}

// Validate checks that c is consistent. Errors wrap ErrBadConfig.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("desk: config: "+format+": %w", append(args, ErrBadConfig)...)
	}
	if c.Baud < 0 || c.APDUTimeoutMS < 0 || c.ServiceTimeoutMS < 0 {
		return bad("baud, apdu_timeout_ms and service_timeout_ms must not be negative")
	}
	if n := countSet(c.ServiceURL, c.PSCert, c.PSKey, c.ServiceCA); n != 0 && n != 4 {
		return bad("service_url, ps_cert, ps_key and service_ca go together: give all four or none")
	}
	if e := c.Emulate; e != nil {
		if c.Lists != "" || len(c.PCSC)+len(c.Serial) > 0 || c.Auto || c.ServiceURL != "" {
			return bad("emulate brings its own issuer and lists: it excludes lists, pcsc, serial, auto and service_url")
		}
		switch e.Mode {
		case "", "nfc", "qr":
		default:
			return bad("emulate.mode %q: want \"nfc\" or \"qr\"", e.Mode)
		}
		if e.Presented < 0 || e.Presented > 100_000 || (e.Presented > 0 && e.Mode != "qr") {
			return bad("emulate.presented: 0 to 100000, with mode \"qr\" only")
		}
		if b := e.Beneficiary; b != nil && (*b < 0 || *b >= credential.MaxBeneficiaires || e.Mode != "qr") {
			return bad("emulate.beneficiary: 0 to %d, with mode \"qr\" only", credential.MaxBeneficiaires-1)
		}
		return nil
	}
	if c.Lists == "" {
		return bad("lists (the lists directory) is required unless emulate")
	}
	if len(c.PCSC)+len(c.Serial) == 0 && !c.Auto {
		return bad("no device: give pcsc, serial or auto (or emulate)")
	}
	return nil
}

// countSet returns how many of ss are not empty.
func countSet(ss ...string) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	return n
}
