package credential

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// NIR is a French social-security number (numéro d'inscription au
// répertoire) or a temporary NIA: 13 characters (digits, with 2A or 2B as the
// Corsican département) followed by a 2-digit key, without spaces.
type NIR string

// FieldError says which field of which record is at fault. It wraps
// ErrInvalidField, so errors.Is(err, ErrInvalidField) holds. Its text names
// the field and the rule broken, never the value: it may reach a log.
type FieldError struct {
	Field  string // e.g. "beneficiaires[1].nir"
	Reason string // e.g. "key 12 does not match 80"
}

func (e *FieldError) Error() string { return "credential: " + e.Field + ": " + e.Reason }

// Unwrap returns ErrInvalidField.
func (e *FieldError) Unwrap() error { return ErrInvalidField }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// prefixField returns err with its FieldError's field prefixed by p.
func prefixField(p string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: p + "." + fe.Field, Reason: fe.Reason}
	}
	return err
}

// ParseNIR accepts a NIR with or without spaces ("2 78 05 75 123 456 80")
// and validates it.
func ParseNIR(s string) (NIR, error) {
	n := NIR(strings.ToUpper(strings.ReplaceAll(s, " ", "")))
	return n, n.Validate()
}

// number returns the 13-character body as the integer the key is computed
// on: 2A counts as 19 and 2B as 18 (the "20, less 1 or 2 million" rule).
func (n NIR) number() (uint64, error) {
	body := string(n[:13])
	switch body[5:7] {
	case "2A":
		body = body[:5] + "19" + body[7:]
	case "2B":
		body = body[:5] + "18" + body[7:]
	}
	v, err := strconv.ParseUint(body, 10, 64)
	if err != nil {
		return 0, fieldErr("nir", "body is not 13 digits (2A/2B allowed as département)")
	}
	return v, nil
}

// ComputeKey returns the NIR key (97 − body mod 97) of a 13-character body.
func ComputeKey(body string) (int, error) {
	if len(body) != 13 {
		return 0, fieldErr("nir", "body has %d characters, want 13", len(body))
	}
	v, err := NIR(body + "00").number()
	if err != nil {
		return 0, err
	}
	return int(97 - v%97), nil
}

// Validate checks the length, the characters (2A and 2B upper-case only),
// the sex digit, the month and the key. The error is a *FieldError naming field "nir".
func (n NIR) Validate() error {
	if len(n) != 15 {
		return fieldErr("nir", "has %d characters, want 15 (13 + 2-digit key)", len(n))
	}
	switch n[0] {
	case '1', '2', '3', '4', '7', '8':
	default:
		return fieldErr("nir", "first digit %q is not a sex code (1, 2, or 3, 4, 7, 8 for temporary numbers)", n[0])
	}
	if m, err := strconv.Atoi(string(n[3:5])); err != nil || n[3] < '0' || n[3] > '9' ||
		m == 0 || m > 12 && m < 20 || m > 20 && m < 30 || m > 42 && m < 50 {
		return fieldErr("nir", "month %q is not 01-12 (or 20, 30-42, 50-99 for an incomplete civil status)", n[3:5])
	}
	v, err := n.number()
	if err != nil {
		return err
	}
	key, err := strconv.Atoi(string(n[13:]))
	if err != nil || n[13] < '0' || n[13] > '9' || n[14] < '0' || n[14] > '9' {
		return fieldErr("nir", "key is not 2 digits")
	}
	if want := int(97 - v%97); key != want {
		return fieldErr("nir", "key %02d does not match the number (want %02d)", key, want)
	}
	return nil
}

// Sex returns the sex digit's meaning for a valid NIR (1, 3, 7: male).
func (n NIR) Sex() Sex {
	if len(n) == 0 {
		return 0
	}
	switch n[0] {
	case '1', '3', '7':
		return SexMale
	case '2', '4', '8':
		return SexFemale
	}
	return 0
}

// Format returns the NIR grouped as printed on the card: "2 78 05 75 123 456 80".
func (n NIR) Format() string {
	if len(n) != 15 {
		return string(n)
	}
	s := string(n)
	return s[0:1] + " " + s[1:3] + " " + s[3:5] + " " + s[5:7] + " " + s[7:10] + " " + s[10:13] + " " + s[13:15]
}

// Masked returns the NIR with département, commune and order hidden,
// "2 78 05 ** *** *** 80": the only form that may reach a log.
func (n NIR) Masked() string {
	if len(n) != 15 {
		return strings.Repeat("*", len(n))
	}
	s := string(n)
	return s[0:1] + " " + s[1:3] + " " + s[3:5] + " ** *** *** " + s[13:15]
}

// LogValue makes log/slog print the masked form.
func (n NIR) LogValue() slog.Value { return slog.StringValue(n.Masked()) }

// String returns the masked form, so that a NIR printed by mistake does not
// leak; use string(n) or Format for the real value.
func (n NIR) String() string { return n.Masked() }
