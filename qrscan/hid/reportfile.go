package hid

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/qrscan"
)

// Report files hold a recorded report stream as text, one report a line:
//
//	# apcv hid reports v1
//	<delay in microseconds> <report bytes in hex>
//
// Blank lines and lines starting with # are ignored. Recorder.Reports
// gives what WriteReports writes; ReadReports reads it back for NewReplay
// (apcv read --hid-replay FILE).

// MaxReportFileLines bounds ReadReports.
const MaxReportFileLines = 1 << 20

// WriteReports writes reports in the report file format.
func WriteReports(w io.Writer, reports []Report) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# apcv hid reports v1")
	for _, r := range reports {
		fmt.Fprintf(bw, "%d %s\n", r.Delay.Microseconds(), hex.EncodeToString(r.Data))
	}
	return bw.Flush()
}

// ReadReports parses a report file. Errors name the line and wrap ErrGarbled.
func ReadReports(r io.Reader) ([]Report, error) {
	var out []Report
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 4096)
	for n := 1; sc.Scan(); n++ {
		if n > MaxReportFileLines {
			return nil, fmt.Errorf("hid: report file: more than %d lines: %w", MaxReportFileLines, qrscan.ErrGarbled)
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		d, h, ok := strings.Cut(line, " ")
		us, err := strconv.ParseInt(d, 10, 64)
		if !ok || err != nil || us < 0 || us > int64(time.Hour/time.Microsecond) {
			return nil, fmt.Errorf("hid: report file line %d: bad delay: %w", n, qrscan.ErrGarbled)
		}
		data, err := hex.DecodeString(strings.TrimSpace(h))
		if err != nil || len(data) == 0 || len(data) > 64 {
			return nil, fmt.Errorf("hid: report file line %d: bad report: %w", n, qrscan.ErrGarbled)
		}
		out = append(out, Report{Data: data, Delay: time.Duration(us) * time.Microsecond})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("hid: report file: %v: %w", err, qrscan.ErrGarbled)
	}
	return out, nil
}
