package errcatalog_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/apcvkit/apcvkit/apcverr"

	// Every package that defines desk errors.
	_ "github.com/apcvkit/apcvkit/credential"
	_ "github.com/apcvkit/apcvkit/emulator"
	_ "github.com/apcvkit/apcvkit/emulator/issuer"
	_ "github.com/apcvkit/apcvkit/emulator/phone"
	_ "github.com/apcvkit/apcvkit/emulator/present/qrimage"
	_ "github.com/apcvkit/apcvkit/emulator/vpcd"
	_ "github.com/apcvkit/apcvkit/nfc"
	_ "github.com/apcvkit/apcvkit/nfc/link"
	_ "github.com/apcvkit/apcvkit/nfc/pcsc"
	_ "github.com/apcvkit/apcvkit/qrscan"
	_ "github.com/apcvkit/apcvkit/qrscan/camera"
	_ "github.com/apcvkit/apcvkit/qrscan/hid"
	_ "github.com/apcvkit/apcvkit/qrscan/hid/usb"
	_ "github.com/apcvkit/apcvkit/qrscan/serial"
	_ "github.com/apcvkit/apcvkit/reader"
	_ "github.com/apcvkit/apcvkit/reader/replaystore"
)

// TestDeskMessages checks every error kind of the SDK: a code, and a
// message for the desk in each language, written as sentences, in the right
// language, without placeholders.
func TestDeskMessages(t *testing.T) {
	all := apcverr.All()
	if len(all) < 40 {
		t.Fatalf("only %d desk errors registered: a package is missing from the imports", len(all))
	}
	for _, e := range all {
		t.Run(e.Code, func(t *testing.T) {
			if e.Code == "" || strings.ToLower(e.Code) != e.Code || strings.ContainsAny(e.Code, " _") {
				t.Errorf("code %q: want kebab-case", e.Code)
			}
			for lang, m := range map[apcverr.Lang]string{apcverr.EN: e.EN, apcverr.FR: e.FR} {
				if got := e.Message(lang); got != m {
					t.Errorf("Message(%s) = %q, want %q", lang, got, m)
				}
				switch {
				case len(m) < 15:
					t.Errorf("%s message %q is too short to help", lang, m)
				case !unicode.IsUpper([]rune(m)[0]):
					t.Errorf("%s message %q does not start a sentence", lang, m)
				case !strings.HasSuffix(m, ".") && !strings.HasSuffix(m, "!"):
					t.Errorf("%s message %q does not end a sentence", lang, m)
				case strings.ContainsAny(m, "%{}"):
					t.Errorf("%s message %q holds a placeholder", lang, m)
				}
			}
			if e.EN == e.FR {
				t.Errorf("FR message is the English one: %q", e.FR)
			}
			if !frenchLooking(e.FR) {
				t.Errorf("FR message does not look French: %q", e.FR)
			}
		})
	}
}

// frenchLooking is a cheap check that a translation was written: a French
// sentence has accents or one of these common words.
func frenchLooking(s string) bool {
	if strings.ContainsAny(s, "éèêàùçôîÉ") {
		return true
	}
	for _, w := range []string{" le ", " la ", " les ", " de ", " du ", " un ", " une ", " est ", " pas ", " au ", " pour ", " en ", " cette ", " votre ", " vous "} {
		if strings.Contains(" "+strings.ToLower(s)+" ", w) {
			return true
		}
	}
	return false
}

// TestMessageThroughWrapping: the message survives wrapping with %w, and an
// error without one gets the generic message.
func TestMessageThroughWrapping(t *testing.T) {
	for _, e := range apcverr.All() {
		wrapped := wrap(wrap(e))
		if apcverr.Message(wrapped, apcverr.FR) != e.FR || apcverr.Code(wrapped) != e.Code {
			t.Errorf("%s: lost through wrapping", e.Code)
		}
	}
	if apcverr.Message(errPlain{}, apcverr.EN) != apcverr.Generic.EN {
		t.Error("plain error: no generic message")
	}
}

type wrapper struct{ err error }

func (w wrapper) Error() string { return "ctx: " + w.err.Error() }
func (w wrapper) Unwrap() error { return w.err }

func wrap(err error) error { return wrapper{err} }

type errPlain struct{}

func (errPlain) Error() string { return "plain" }
