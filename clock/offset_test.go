package clock_test

import (
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
)

func TestOffset(t *testing.T) {
	day := 24 * time.Hour
	for _, tt := range []struct {
		name     string
		start    time.Duration
		advances []time.Duration
		want     time.Duration
	}{
		{"zero is real time", 0, nil, 0},
		{"in the past", -91 * day, nil, -91 * day},
		{"in the future", 2 * time.Hour, nil, 2 * time.Hour},
		{"past, then advanced to now", -91 * day, []time.Duration{48 * time.Hour, 89 * day}, 0},
		{"negative advance ignored", time.Hour, []time.Duration{-time.Hour, 0}, time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewOffset(tt.start)
			for _, d := range tt.advances {
				c.Advance(d)
			}
			if c.Offset() != tt.want {
				t.Fatalf("Offset = %v, want %v", c.Offset(), tt.want)
			}
			before := time.Now().Add(tt.want)
			got := c.Now()
			after := time.Now().Add(tt.want)
			if got.Before(before) || got.After(after) {
				t.Fatalf("Now = %v, not within [%v, %v]", got, before, after)
			}
		})
	}
}

func TestOffsetTimersAreReal(t *testing.T) {
	c := clock.NewOffset(-24 * time.Hour)
	tm := c.NewTimer(time.Millisecond)
	c.Advance(time.Hour) // does not fire it, nor break it
	select {
	case <-tm.C():
	case <-time.After(5 * time.Second):
		t.Fatal("timer did not fire")
	}
	done := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("AfterFunc did not run")
	}
	if st := c.NewTimer(time.Hour); !st.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
}
