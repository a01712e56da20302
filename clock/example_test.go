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
