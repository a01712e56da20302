package reader_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/profiles"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
)

// pieces are what the generated strings are made of.
var pieces = []string{"", "a", "Marie-Hélène", "DUPONT", "1978-05-14", "2 78 05 ** *** *** 75", `"`, `\`, "<", ">", "&",
	"\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\xff", "\xe2\x80", "é", "日本", "😀", " "}

// fill sets v (and what it points to) to random values of its type.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		var s string
		for range r.IntN(4) {
			s += pieces[r.IntN(len(pieces))]
		}
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
		switch r.IntN(3) {
		case 0:
			v.SetInt(0)
		case 1:
			v.SetInt(int64(r.IntN(20)) - 5)
		default:
			v.SetInt(r.Int64() >> (r.IntN(v.Type().Bits()) + 64 - v.Type().Bits()))
		}
	case reflect.Uint32, reflect.Uint64, reflect.Uint, reflect.Uint16, reflect.Uint8:
		if r.IntN(2) == 0 {
			v.SetUint(0)
		} else {
			v.SetUint(r.Uint64() >> (64 - v.Type().Bits()))
		}
	case reflect.Pointer:
		if depth > 4 || r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		switch n := r.IntN(5); {
		case n == 0 || depth > 4:
			v.SetZero() // nil
		default:
			s := reflect.MakeSlice(v.Type(), n-1, n-1) // empty or not
			for i := range s.Len() {
				fill(r, s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(r, v.Field(i), depth+1)
			}
		}
	default:
		panic("fill: no generator for " + v.Type().String())
	}
}

// checkIdentityAppendJSON fails unless id.AppendJSON(masked) writes what
// json.Marshal(id.JSON(masked)) does.
func checkIdentityAppendJSON(t *testing.T, name string, id *reader.Identity) {
	t.Helper()
	for _, masked := range []bool{false, true} {
		want, err := json.Marshal(id.JSON(masked))
		if err != nil {
			t.Fatalf("%s: json.Marshal: %v", name, err)
		}
		if got := id.AppendJSON([]byte("prefix"), masked); string(got) != "prefix"+string(want) {
			t.Fatalf("%s, masked %v: Identity.AppendJSON\n got %s\nwant %s", name, masked, got, want)
		}
	}
}

// TestIdentityAppendJSON: the identities the reader returns for every
// profile of the emulator (a family, a lunar birth date, accents, usage
// names, INS, état civil…) and each chosen beneficiary of a family, masked
// or not, encode straight from the model as encoding/json encodes their
// JSON form.
func TestIdentityAppendJSON(t *testing.T) {
	entries, err := fs.Glob(profiles.FS, "*.json")
	if err != nil || len(entries) < 10 {
		t.Fatalf("profiles: %v %v", entries, err)
	}
	read := 0
	for _, name := range entries {
		profile := strings.TrimSuffix(name, ".json")
		w, err := emulator.New(emulator.Options{Profile: profile})
		if err != nil { // a profile the issuer refuses to activate (its identity check)
			t.Logf("%s: %v", profile, err)
			continue
		}
		text, err := w.Phone.PresentQR()
		if err != nil {
			t.Fatalf("%s: %v", profile, err)
		}
		src := make(chanScan, 1)
		src <- text
		r, err := reader.Open(context.Background(), reader.Config{Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w,
			QR: []qrscan.Source{src}})
		if err != nil {
			t.Fatal(err)
		}
		id, err := r.Read(context.Background())
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", profile, err)
		}
		checkIdentityAppendJSON(t, profile, id)
		read++
	}
	if read < 10 {
		t.Fatalf("%d profiles read", read)
	}
	tw := testworld.New(4)
	for i := range tw.Family.Beneficiaires {
		text, err := tw.Held.PresentQRFor(tw.Device, tw.Now, uint32(i+1), i, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, err := readOne(t, tw, text)
		if err != nil {
			t.Fatalf("beneficiary %d: %v", i, err)
		}
		checkIdentityAppendJSON(t, fmt.Sprint("chosen beneficiary ", i), id)
	}
}

// TestIdentityAppendJSONGenerated: identities whose every exported field —
// the family model's included — is drawn at random (strings with quotes,
// control bytes, HTML characters, invalid UTF-8, U+2028; empty values that
// omitempty leaves out; nil and empty slices and pointers; dates out of
// range, negative years, lunar dates, unknown sexes and qualités) encode as encoding/json encodes
// their JSON form. A field added to the model or to its JSON form without
// its place in the direct encoders fails here.
func TestIdentityAppendJSONGenerated(t *testing.T) {
	for seed := range uint64(3000) {
		r := rand.New(rand.NewPCG(seed, 13))
		var id reader.Identity
		fill(r, reflect.ValueOf(&id).Elem(), 0)
		id.Verification.IssuedAt = time.Unix(r.Int64N(1<<34)-1<<33, 0).In(time.FixedZone("x", r.IntN(20000)-10000))
		id.Verification.PresentedAt = time.Unix(r.Int64N(4e9), r.Int64N(1e9))
		checkIdentityAppendJSON(t, fmt.Sprint("seed ", seed), &id)
	}
}

// FuzzIdentityAppendJSON draws the identity from the fuzzer's bytes and
// puts its text in the names, the organisme and a birth date's year.
func FuzzIdentityAppendJSON(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, "Marie-Hélène <&> \"x\"\\\n\u2028\xff", int64(1978))
	f.Add([]byte{}, "", int64(-5))
	f.Fuzz(func(t *testing.T, seed []byte, s string, year int64) {
		var b [16]byte
		copy(b[:], seed)
		r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])))
		var id reader.Identity
		fill(r, reflect.ValueOf(&id).Elem(), 0)
		id.Source = s
		if len(id.Beneficiaires) > 0 {
			id.Beneficiaires[0].Prenoms, id.Beneficiaires[0].Organisme.Caisse = s, s
			id.Beneficiaires[0].DateNaissance.Year = int(year)
		}
		checkIdentityAppendJSON(t, "fuzz", &id)
	})
}
