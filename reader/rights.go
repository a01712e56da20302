package reader

import (
	"context"
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/reader/online"
)

// rightsFetch is the background fetch of an identity's AMO rights.
type rightsFetch struct {
	done   chan struct{} // closed when list and err are set
	list   []rights.Rights
	err    error
	cancel context.CancelFunc
}

// fetchRights starts fetching id's AMO rights, for every beneficiary, in
// the background: Read returns without waiting for them. The fetch lives
// until it ends, its deadline (the online client's) passes or the Reader
// is closed.
func (r *Reader) fetchRights(id *Identity) {
	if r.oc == nil {
		return // Rights answers online-not-configured: nothing to start, nothing allocated on the read path
	}
	f := &rightsFetch{done: make(chan struct{})}
	id.rights = f
	who := make([]rights.Who, 0, len(id.Beneficiaires))
	for i, b := range id.Beneficiaires {
		if i == 0 && id.Selected == 1 {
			continue // the reduced ouvrant droit of a chosen code: no birth date nor rank to ask with
		}
		who = append(who, rights.WhoOf(b))
	}
	var ctx context.Context
	ctx, f.cancel = context.WithCancel(r.ctx)
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		defer f.cancel()
		list, err := r.oc.Rights(ctx, who)
		if err != nil {
			r.log.Info("reader: rights unavailable", "code", apcverr.Code(err), "err", err)
			err = fmt.Errorf("reader: rights: %w: %w", online.ErrRightsUnavailable, err)
		}
		f.list, f.err = list, err
		close(f.done)
	}()
}

// Rights returns the AMO rights of the identity's beneficiaries, in the
// order of Beneficiaires — for a chosen-beneficiary code whose ouvrant
// droit is reduced (Selected 1), the person seen's only — (régime, caisse, centre, code gestion, periods,
// exonération, C2S, médecin traitant, AMC: what an FSE needs). They are
// fetched from the online service (Config.Online) in the background as
// soon as the identity is verified, whatever the way it was read; Rights
// waits for that fetch, or for ctx. A failure wraps
// online.ErrRightsUnavailable and the reason (service down, timeout, PS
// certificate refused…); the identity itself stays verified. Without
// Config.Online, Rights fails at once. Closing the Reader stops a fetch
// under way.
func (id *Identity) Rights(ctx context.Context) ([]rights.Rights, error) {
	f := id.rights
	if f == nil { // no online service configured, or an identity not returned by Read
		return nil, fmt.Errorf("reader: rights: %w: %w", online.ErrRightsUnavailable, online.ErrOnlineNotConfigured)
	}
	select {
	case <-f.done:
		return f.list, f.err
	default:
	}
	waithint.Waiting(ctx) // the fetch is still on the network
	select {
	case <-f.done:
		return f.list, f.err
	case <-ctx.Done():
		return nil, fmt.Errorf("reader: rights: %w", ctx.Err())
	}
}
