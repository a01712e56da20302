package main

import (
	"fmt"
	"io"

	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/pcscsource"
)

func openPCSC(name string) (reader.NFCSource, error) { return pcscsource.Open(name) }

func listPCSC(w io.Writer) error {
	rs, err := pcscsource.Readers()
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
