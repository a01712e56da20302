package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/reader"
)

// The agent keeps its session alive across pcscd restarts and devices
// unplugged: when a read finds no device left (reader.ErrNoSource: a PC/SC
// context that died with pcscd, a named reader unplugged), the agent opens
// the session again from its configuration and reads on the new one, until
// the read's deadline. Event streams follow the session: they subscribe to
// the new one (which starts with a device-added per device).

// reopenEvery bounds how often a session is reopened while no device comes
// back (pcscd still down, the reader still unplugged).
const reopenEvery = 250 * time.Millisecond

// session returns the current session and a channel closed when it is
// replaced.
func (a *Agent) session() (*desk.Session, <-chan struct{}) {
	a.smu.Lock()
	defer a.smu.Unlock()
	return a.s, a.replaced
}

// reopen replaces old, the session that found no device, by a new one
// opened from the configuration; if another caller did it already, it
// returns that one. A failed open (pcscd still down) keeps old.
func (a *Agent) reopen(ctx context.Context, old *desk.Session) (*desk.Session, error) {
	a.smu.Lock()
	defer a.smu.Unlock()
	if a.s != old {
		return a.s, nil
	}
	if a.stop.Err() != nil {
		return nil, fmt.Errorf("agent: reopen: %w", reader.ErrClosed)
	}
	if wait := reopenEvery - time.Since(a.opened); wait > 0 {
		waithint.Waiting(ctx)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	a.opened = time.Now()
	ns, err := desk.Open(ctx, a.cfg)
	if err != nil {
		a.log.Info("agent: reopening the session failed; the devices are still gone", "err", err)
		return nil, err
	}
	a.log.Info("agent: session reopened: devices back")
	old.Close()
	a.s = ns
	close(a.replaced)
	a.replaced = make(chan struct{})
	return ns, nil
}

// readAlive reads on the current session; when no device is left, it
// reopens the session and reads again, until ctx ends. Then the last
// failure is returned (no-device when the devices never came back).
func (a *Agent) readAlive(ctx context.Context) (*reader.Identity, error) {
	s, _ := a.session()
	for {
		id, err := s.Read(ctx)
		if !errors.Is(err, reader.ErrNoSource) || ctx.Err() != nil {
			return id, err
		}
		ns, rerr := a.reopen(ctx, s)
		for rerr != nil {
			if ctx.Err() != nil || errors.Is(rerr, reader.ErrClosed) {
				return nil, err
			}
			ns, rerr = a.reopen(ctx, s)
		}
		s = ns
	}
}
