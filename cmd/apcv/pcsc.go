package main

import (
	"fmt"
	"io"

	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

func listPCSC(w io.Writer) error {
	rs, err := pcsc.Readers()
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, r := range rs {
		mark := " "
		if r.Contactless {
			mark = "*"
		}
		fmt.Fprintf(w, " %s %s\n", mark, r.Name)
	}
	return nil
}
