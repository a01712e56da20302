package clock_test

import (
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/clock"
)

// codeValid reports whether an e-mail code sent at sent is still valid on c:
// code that takes a Clock instead of calling time.Now.
func codeValid(c clock.Clock, sent time.Time) bool {
	return clock.Since(c, sent) < time.Hour
}

// A tester outside the module fakes the time an emulator or any code taking
// a clock.Clock sees, and moves it on with Advance.
func Example() {
	fc := clock.NewFake(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	sent := fc.Now()
	fc.Advance(59 * time.Minute)
	fmt.Println("after 59 min, valid:", codeValid(fc, sent))
	fc.Advance(time.Minute)
	fmt.Println("after 60 min, valid:", codeValid(fc, sent))
	// Output:
	// after 59 min, valid: true
	// after 60 min, valid: false
}

// A world whose phone was activated 91 days ago, living on in real time:
// the emulator runs on an Offset clock set 91 days back, activates, then
// lets the 91 days pass (apcv emulate --advance 91d).
func ExampleOffset() {
	c := clock.NewOffset(-91 * 24 * time.Hour)
	activated := c.Now()
	c.Advance(91 * 24 * time.Hour)
	fmt.Println("offset now:", c.Offset())
	fmt.Println("activated days ago:", int(c.Now().Sub(activated).Hours()/24))
	// Output:
	// offset now: 0s
	// activated days ago: 91
}
