package tlv_test

import (
	"errors"
	"fmt"

	"github.com/apcvkit/apcvkit/apdu/tlv"
)

func Example() {
	// Build an FCI template: 6F { 84 AID, A5 { 5F2D "fr" } }.
	var b tlv.Builder
	b.AddTLV(0x6F, func(b *tlv.Builder) {
		b.AddTLVBytes(0x84, []byte{0xA0, 0x00, 0x01})
		b.AddTLV(0xA5, func(b *tlv.Builder) {
			b.AddTLVBytes(0x5F2D, []byte("fr"))
		})
	})
	fci, err := b.Bytes()
	if err != nil {
		panic(err)
	}
	fmt.Printf("% X\n", fci)

	// Parse it back, cryptobyte style.
	var body, aid, prop, lang tlv.String
	var hasProp bool
	s := tlv.String(fci)
	ok := s.ReadTagged(0x6F, &body) && s.Empty() &&
		body.ReadTagged(0x84, &aid) &&
		body.ReadOptionalTLV(&prop, &hasProp, 0xA5) && body.Empty() &&
		hasProp && prop.ReadTagged(0x5F2D, &lang) && prop.Empty()
	fmt.Printf("%v % X %s\n", ok, []byte(aid), lang)
	// Output:
	// 6F 0C 84 03 A0 00 01 A5 05 5F 2D 02 66 72
	// true A0 00 01 fr
}

func ExampleFind() {
	fci := []byte{0x6F, 0x0C, 0x84, 0x03, 0xA0, 0x00, 0x01, 0xA5, 0x05, 0x5F, 0x2D, 0x02, 0x66, 0x72}
	lang, err := tlv.Find(fci, 0x6F, 0xA5, 0x5F2D)
	fmt.Printf("%s %v\n", lang, err)
	_, err = tlv.Find(fci, 0x6F, 0x88)
	fmt.Println(errors.Is(err, tlv.ErrNotFound), err)
	// Output:
	// fr <nil>
	// true tlv: find 6F/88: tlv: tag not found
}
