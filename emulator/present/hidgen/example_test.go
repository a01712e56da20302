package hidgen_test

import (
	"fmt"

	"github.com/apcvkit/apcvkit/emulator/present/hidgen"
)

// On AZERTY, "1" needs Shift (modifier byte 0x02) and ":" is the key a US
// keyboard labels "." (usage 0x37).
func ExampleWedge() {
	reports, _ := hidgen.Wedge("1:", hidgen.WedgeOptions{Layout: hidgen.FR})
	for _, r := range reports {
		fmt.Printf("% x  +%v\n", r.Data, r.Delay)
	}
	// Output:
	// 02 00 1e 00 00 00 00 00  +4ms
	// 00 00 00 00 00 00 00 00  +4ms
	// 00 00 37 00 00 00 00 00  +4ms
	// 00 00 00 00 00 00 00 00  +4ms
	// 00 00 28 00 00 00 00 00  +4ms
	// 00 00 00 00 00 00 00 00  +4ms
}

func ExamplePOS() {
	reports, _ := hidgen.POS("APCV1:ABC", hidgen.POSOptions{})
	r := reports[0].Data
	fmt.Printf("id %#x, length %d, AIM %s, data %s, continued %d\n", r[0], r[1], r[2:5], r[5:5+r[1]], r[63]&1)
	// Output: id 0x2, length 9, AIM ]Q1, data APCV1:ABC, continued 0
}
