package issuer

import (
	"encoding/hex"
	"slices"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// What the management portal shows an agent.

// AppState is the state of a person's app as the issuer knows it.
type AppState string

// App states.
const (
	AppNone    AppState = "none"    // no credential was ever issued
	AppActive  AppState = "active"  // the latest credential is valid
	AppRevoked AppState = "revoked" // revoked (new phone, agent, block, lockout)
	AppDeleted AppState = "deleted" // deleted by the user, or not reopened in time
)

// PersonView is what the management portal shows an agent about a person.
type PersonView struct {
	NIR             credential.NIR
	Eligible        bool
	Ineligibility   string // why not eligible, "" when eligible
	Blocked         bool
	AppState        AppState
	ActivationState ActivationState
	Device          DeviceInfo // the phone of the latest activation request ("" fields if none)
	CredentialID    string     // hex of the latest credential, "" if none
	IssuedAt        time.Time  // of the latest credential
	RevokeReason    RevokeReason
}

// PersonView returns the portal's view of the person with this NIR
// (ErrUnknownNIR when unknown). An issuer made by Open first re-reads its
// directory when another process saved it since.
func (i *Issuer) PersonView(nir credential.NIR) (PersonView, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.dir != "" {
		if err := i.refreshLocked(); err != nil {
			return PersonView{}, err
		}
	}
	p, err := i.lookupLocked(nir)
	if err != nil {
		return PersonView{}, err
	}
	return i.viewLocked(nir, p), nil
}

// Persons returns every person's view, sorted by NIR. An issuer made by
// Open first re-reads its directory when another process saved it since
// (when it cannot, it logs why and answers from the state it has).
func (i *Issuer) Persons() []PersonView {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.refreshViewLocked("persons")
	now := i.now()
	out := make([]PersonView, 0, len(i.persons))
	for nir, p := range i.persons {
		i.sweepLocked(p, now)
		out = append(out, i.viewLocked(nir, p))
	}
	slices.SortFunc(out, func(a, b PersonView) int {
		if a.NIR < b.NIR {
			return -1
		}
		if a.NIR > b.NIR {
			return 1
		}
		return 0
	})
	return out
}

func (i *Issuer) viewLocked(nir credential.NIR, p *person) PersonView {
	v := PersonView{NIR: nir, Eligible: true, Blocked: p.Blocked, AppState: AppNone, ActivationState: p.Activation, Device: p.Device}
	if err := i.opts.Eligibility.Check(p.Family.OuvrantDroit().Organisme, p.Departement); err != nil {
		v.Eligible, v.Ineligibility = false, err.Error()
	}
	if p.Current != nil {
		c := i.creds[*p.Current]
		v.CredentialID, v.IssuedAt, v.Device = hex.EncodeToString(c.ID[:]), c.IssuedAt, c.Device
		switch {
		case !c.Revoked:
			v.AppState = AppActive
		case c.Reason == ReasonDeleted || c.Reason == ReasonLapsed:
			v.AppState, v.RevokeReason = AppDeleted, c.Reason
		default:
			v.AppState, v.RevokeReason = AppRevoked, c.Reason
		}
	}
	return v
}
