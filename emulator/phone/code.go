package phone

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/apcvkit/apcvkit/credential"
)

// CodeLength is the length of the app's secret code.
const CodeLength = 6

// CheckSecretCode applies the app's rules for a new secret code: 6 digits
// (ErrCodeFormat); not trivial (ErrCodeTrivial: one repeated digit such as
// 000000, or an ascending or descending run such as 012345, 123456, 987654);
// not derived from the birth date (ErrCodeBirthDate: DDMMYY, YYMMDD, MMDDYY,
// MMYYYY, YYYYMM, DDYYYY, YYYYDD, and any 6 consecutive digits of DDMMYYYY
// or YYYYMMDD). Unknown parts of a lunar date are taken as 00.
func CheckSecretCode(code string, birth credential.Date) error {
	if len(code) != CodeLength || !isDigits(code) {
		return fmt.Errorf("phone: secret code: %w", ErrCodeFormat)
	}
	if trivialCode(code) {
		return fmt.Errorf("phone: secret code: %w", ErrCodeTrivial)
	}
	for _, f := range birthDateForms(birth) {
		if code == f {
			return fmt.Errorf("phone: secret code: %w", ErrCodeBirthDate)
		}
	}
	return nil
}

// trivialCode reports whether code is one digit repeated or a run of
// consecutive digits going up or down by one.
func trivialCode(code string) bool {
	same, up, down := true, true, true
	for i := 1; i < len(code); i++ {
		d := int(code[i]) - int(code[i-1])
		same = same && d == 0
		up = up && d == 1
		down = down && d == -1
	}
	return same || up || down
}

// birthDateForms returns the 6-digit codes derived from a birth date.
func birthDateForms(b credential.Date) []string {
	dd := fmt.Sprintf("%02d", b.Day)
	mm := fmt.Sprintf("%02d", b.Month)
	yyyy := fmt.Sprintf("%04d", b.Year%10000)
	yy := yyyy[2:]
	forms := []string{dd + mm + yy, yy + mm + dd, mm + dd + yy, yy + dd + mm, mm + yyyy, yyyy + mm, dd + yyyy, yyyy + dd}
	for _, s := range []string{dd + mm + yyyy, yyyy + mm + dd} {
		for i := 0; i+CodeLength <= len(s); i++ {
			forms = append(forms, s[i:i+CodeLength])
		}
	}
	return forms
}

// DefaultCodeHashIterations is the default PBKDF2 iteration count of the
// stored secret-code hash (Options.CodeHashIterations): a few milliseconds
// per try. The phone never stores the code itself.
const DefaultCodeHashIterations = 10_000

// MinCodeHashIterations is the lowest iteration count the phone uses or
// accepts in a saved state.
const MinCodeHashIterations = 1000

// MaxCodeHashIterations is the highest count accepted (about a second per
// try): a state file cannot make the app hang.
const MaxCodeHashIterations = 1_000_000

// secret is the stored form of the secret code: PBKDF2-HMAC-SHA256 of the
// code with a random salt.
type secret struct {
	Salt []byte `json:"salt"`
	Iter int    `json:"iter"`
	Sum  []byte `json:"sum"`
}

func newSecret(rand io.Reader, code string, iter int) (secret, error) {
	s := secret{Salt: make([]byte, 16), Iter: iter}
	if _, err := io.ReadFull(rand, s.Salt); err != nil {
		return secret{}, err
	}
	sum, err := pbkdf2.Key(sha256.New, code, s.Salt, iter, sha256.Size)
	if err != nil {
		return secret{}, err
	}
	s.Sum = sum
	return s, nil
}

// valid reports whether s is a usable stored hash.
func (s secret) valid() bool {
	return len(s.Salt) >= 16 && len(s.Sum) == sha256.Size && s.Iter >= MinCodeHashIterations && s.Iter <= MaxCodeHashIterations
}

// matches reports whether code is the code s was made from.
func (s secret) matches(code string) bool {
	if !s.valid() {
		return false
	}
	sum, err := pbkdf2.Key(sha256.New, code, s.Salt, s.Iter, sha256.Size)
	return err == nil && subtle.ConstantTimeCompare(sum, s.Sum) == 1
}
