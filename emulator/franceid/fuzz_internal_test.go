package franceid

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// FuzzVerify signs fuzzed record data with the authority's key, so that the
// record decoder behind the signature is reached: Verify never panics, and
// a record it accepts is complete and not expired.
func FuzzVerify(f *testing.F) {
	auth, err := NewAuthority(nil)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(Record{DocumentNumber: "X4RTBPFW4", IssuedOn: credential.Date{Year: 2022, Month: 6, Day: 15},
		ExpiresOn: credential.Date{Year: 2032, Month: 6, Day: 14}, Identity: Identity{NomNaissance: "MARTIN", Prenoms: "Jean",
			Sexe: credential.SexMale, DateNaissance: credential.Date{Year: 1961, Month: 3, Day: 2}, PaysNaissance: "99100", CommuneNaissance: "92040"}})
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"documentNumber":"X4RTBPFW4","extra":1}`))
	f.Add([]byte(`null`))
	now := time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)
	trust := Trust{Key: auth.PublicKey()}
	f.Fuzz(func(t *testing.T, data []byte) {
		sum := sha256.Sum256(append([]byte(signContext), data...))
		sig, err := ecdsa.SignASN1(rand.Reader, auth.key, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		rec, err := trust.Verify(SignedRecord{Data: data, Signature: sig}, now)
		if err != nil {
			if rec != nil {
				t.Fatal("a record with an error")
			}
			return
		}
		if err := rec.Validate(); err != nil || rec.Expired(now) {
			t.Fatalf("accepted %+v: %v", rec, err)
		}
	})
}
