package phone_test

import (
	"errors"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

func TestCheckSecretCode(t *testing.T) {
	born := credential.Date{Year: 1978, Month: 3, Day: 15}
	lunar := credential.Date{Year: 1978}
	leap := credential.Date{Year: 1988, Month: 2, Day: 29}
	tests := []struct {
		name  string
		code  string
		birth credential.Date
		want  error
	}{
		{"good", "482915", born, nil},
		{"good near a run", "123457", born, nil},
		{"good near repeats", "000001", born, nil},
		{"good wrap is not a run", "890123", born, nil},
		{"good other year", "150379", born, nil},
		{"5 digits", "48291", born, phone.ErrCodeFormat},
		{"7 digits", "4829150", born, phone.ErrCodeFormat},
		{"empty", "", born, phone.ErrCodeFormat},
		{"letter", "48291a", born, phone.ErrCodeFormat},
		{"space", "482 91", born, phone.ErrCodeFormat},
		{"arabic-indic digits", "١٢٣٤٥٦", born, phone.ErrCodeFormat},
		{"000000", "000000", born, phone.ErrCodeTrivial},
		{"999999", "999999", born, phone.ErrCodeTrivial},
		{"777777", "777777", born, phone.ErrCodeTrivial},
		{"123456", "123456", born, phone.ErrCodeTrivial},
		{"012345", "012345", born, phone.ErrCodeTrivial},
		{"456789", "456789", born, phone.ErrCodeTrivial},
		{"987654", "987654", born, phone.ErrCodeTrivial},
		{"543210", "543210", born, phone.ErrCodeTrivial},
		{"DDMMYY", "150378", born, phone.ErrCodeBirthDate},
		{"YYMMDD", "780315", born, phone.ErrCodeBirthDate},
		{"MMDDYY", "031578", born, phone.ErrCodeBirthDate},
		{"YYDDMM", "781503", born, phone.ErrCodeBirthDate},
		{"MMYYYY", "031978", born, phone.ErrCodeBirthDate},
		{"YYYYMM", "197803", born, phone.ErrCodeBirthDate},
		{"DDYYYY", "151978", born, phone.ErrCodeBirthDate},
		{"YYYYDD", "197815", born, phone.ErrCodeBirthDate},
		{"DDMMYYYY first 6", "150319", born, phone.ErrCodeBirthDate},
		{"DDMMYYYY middle 6", "503197", born, phone.ErrCodeBirthDate},
		{"YYYYMMDD middle 6", "978031", born, phone.ErrCodeBirthDate},
		{"leap day DDMMYY", "290288", leap, phone.ErrCodeBirthDate},
		{"leap day YYYYMMDD", "880229", leap, phone.ErrCodeBirthDate},
		{"lunar MMYYYY", "001978", lunar, phone.ErrCodeBirthDate},
		{"lunar YYYYMM", "197800", lunar, phone.ErrCodeBirthDate},
		{"lunar DDMMYY", "000078", lunar, phone.ErrCodeBirthDate},
		{"lunar good", "482915", lunar, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := phone.CheckSecretCode(tt.code, tt.birth)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckSecretCode(%q) = %v, want nil", tt.code, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckSecretCode(%q) = %v, want %v", tt.code, err, tt.want)
			}
		})
	}
}

func FuzzCheckSecretCode(f *testing.F) {
	for _, s := range []string{"482915", "123456", "150378", "", "١٢٣٤٥٦", "0000000"} {
		f.Add(s, 1978, 3, 15)
	}
	f.Fuzz(func(t *testing.T, code string, y, m, d int) {
		err := phone.CheckSecretCode(code, credential.Date{Year: y, Month: m, Day: d})
		if err == nil && len(code) != phone.CodeLength {
			t.Fatalf("accepted %q", code)
		}
		if err != nil && !errors.Is(err, phone.ErrCodeFormat) && !errors.Is(err, phone.ErrCodeTrivial) && !errors.Is(err, phone.ErrCodeBirthDate) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
