package frame_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/frame"
)

func Example() {
	f := frame.New(frame.Config{Suffix: frame.CR, StripAIM: true})

	// One read from a scanner: line noise, then two scans, the second
	// cut short by a lost CR and completed in the next read.
	results := f.Feed(nil, []byte("\x00\x7f\r]Q1APCV1:NCFOXN%TS\r]Q1APCV1:"), time.Now())
	results = f.Feed(results, []byte("6BF\r"), time.Now())

	for _, r := range results {
		if r.Err != nil {
			fmt.Println("error:", errors.Is(r.Err, qrscan.ErrGarbled), apcverr.Message(r.Err, apcverr.EN))
			continue
		}
		fmt.Println(r.Scan.Symbology, r.Scan.Text)
	}
	// Output:
	// error: true The scan was incomplete or garbled. Scan the QR code again.
	// ]Q1 APCV1:NCFOXN%TS
	// ]Q1 APCV1:6BF
}

// A scanner set to send no suffix: a scan ends when the line goes idle.
func ExampleFramer_Expire() {
	f := frame.New(frame.Config{Suffix: frame.None, IdleTimeout: 50 * time.Millisecond})
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	results := f.Feed(nil, []byte("APCV1:6BF"), start)
	fmt.Println(len(results), f.Deadline().Sub(start))

	results = f.Expire(results, f.Deadline())
	fmt.Println(results[0].Scan.Text)
	// Output:
	// 0 50ms
	// APCV1:6BF
}

func ExampleError() {
	f := frame.New(frame.Config{})
	r := f.Feed(nil, []byte("https://example.org/\r"), time.Now())[0]
	var fe *frame.Error
	if errors.As(r.Err, &fe) {
		fmt.Println(fe.Reason, errors.Is(r.Err, qrscan.ErrNotApCV))
	}
	fmt.Println(apcverr.Message(r.Err, apcverr.FR))
	// Output:
	// not an ApCV text true
	// Ce QR code n'est pas celui de l'appli carte Vitale. Demandez au patient d'ouvrir l'appli carte Vitale.
}
