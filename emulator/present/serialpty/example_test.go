//go:build linux || darwin

package serialpty_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
	"github.com/apcvkit/apcvkit/qrscan/frame"
)

func Example() {
	sc, err := serialpty.Open(serialpty.Config{Baud: 115200, Suffix: frame.CRLF, AIM: "]Q1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sc.Close()

	// The host side: what an application opens as /dev/ttyACM0.
	host, err := os.OpenFile(sc.Path(), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()

	if err := sc.Scan(context.Background(), "APCV1:6BF"); err != nil {
		fmt.Println(err)
		return
	}
	buf := make([]byte, len(sc.Frame("APCV1:6BF")))
	io.ReadFull(host, buf)
	fmt.Printf("%q in %v\n", buf, sc.AirTime(len(buf)))
	// Output:
	// "]Q1APCV1:6BF\r\n" in 1.215277ms
}
