package phone_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

var sinkText string

// BenchmarkPresentQR is one QR refresh of the app (device signature included).
func BenchmarkPresentQR(b *testing.B) {
	for _, name := range []string{"isere-solo", "famille-6-drome"} {
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, name, issuer.Options{}, nil)
			ph, err := phone.New(e.prof, phone.Options{Issuer: e.iss, Clock: e.fc, IdleLock: 1 << 62})
			if err != nil {
				b.Fatal(err)
			}
			e.ph = ph
			e.active(b)
			b.ReportAllocs()
			for b.Loop() {
				if sinkText, err = ph.PresentQR(); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(sinkText)))
		})
	}
}

var sinkProfile *phone.Profile

func BenchmarkParseProfile(b *testing.B) {
	data := []byte(goodProfile)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := phone.ParseProfile("t.json", data)
		if err != nil {
			b.Fatal(err)
		}
		sinkProfile = p
	}
}
