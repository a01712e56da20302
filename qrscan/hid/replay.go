package hid

import (
	"context"
	"io"
	"sync"
	"time"
)

// Report is one input report with the time elapsed since the previous one
// (or since the start of the stream, for the first).
type Report struct {
	Data  []byte
	Delay time.Duration
}

// Replay is a ReportSource that plays recorded or generated reports.
//
// When timed, each report is delivered Delay after the previous one was
// (the first one Delay after the first ReadReport call), which replays a
// device's pacing; a read cancelled by its context consumes nothing and
// the schedule is kept. Untimed, reports come as fast as they are read.
// After the last report ReadReport returns io.EOF; after Close, ErrClosed.
type Replay struct {
	reports []Report
	timed   bool

	mu     sync.Mutex
	next   int
	due    time.Time // when reports[next] is due (timed only)
	closed chan struct{}
	once   sync.Once
}

var _ ReportSource = (*Replay)(nil)

// NewReplay returns a Replay of reports. It does not copy reports: do not
// modify them while replaying.
func NewReplay(reports []Report, timed bool) *Replay {
	return &Replay{reports: reports, timed: timed, closed: make(chan struct{})}
}

// ReadReport returns the next report.
func (r *Replay) ReadReport(ctx context.Context) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.closed:
		return nil, ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.next >= len(r.reports) {
		return nil, io.EOF
	}
	rep := r.reports[r.next]
	if r.timed {
		if r.due.IsZero() {
			r.due = time.Now().Add(rep.Delay)
		}
		if wait := time.Until(r.due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-r.closed:
				t.Stop()
				return nil, ErrClosed
			}
		}
	}
	r.next++
	if r.timed && r.next < len(r.reports) {
		r.due = r.due.Add(r.reports[r.next].Delay)
	}
	return rep.Data, nil
}

// Remaining returns how many reports have not been read yet.
func (r *Replay) Remaining() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reports) - r.next
}

// Close ends the replay; a blocked ReadReport returns ErrClosed.
func (r *Replay) Close() error {
	r.once.Do(func() { close(r.closed) })
	return nil
}

// Recorder is a ReportSource that passes through the reports of another one
// and records them with their timing, for later Replay (capture a real
// scanner once, replay it in tests).
type Recorder struct {
	src ReportSource
	now func() time.Time

	mu      sync.Mutex
	last    time.Time
	reports []Report
}

var _ ReportSource = (*Recorder)(nil)

// NewRecorder returns a Recorder over src; now is its clock (nil means
// time.Now). Closing the Recorder closes src.
func NewRecorder(src ReportSource, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{src: src, now: now}
}

// ReadReport reads from the underlying source and records the report.
func (r *Recorder) ReadReport(ctx context.Context) ([]byte, error) {
	data, err := r.src.ReadReport(ctx)
	if err != nil {
		return data, err
	}
	t := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	var d time.Duration
	if !r.last.IsZero() {
		d = t.Sub(r.last)
	}
	r.last = t
	r.reports = append(r.reports, Report{Data: append([]byte(nil), data...), Delay: d})
	return data, nil
}

// Reports returns a copy of the reports recorded so far.
func (r *Recorder) Reports() []Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Report(nil), r.reports...)
}

// Close closes the underlying source.
func (r *Recorder) Close() error { return r.src.Close() }
