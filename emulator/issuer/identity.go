package issuer

import (
	"fmt"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
)

// MatchIdentity is the identity matching of an activation: it compares
// the identity document read during activation (the video check's, or
// France Identité's) with what the insurance database holds for the
// ouvrant droit of nir (idmatch.RecordOf: birth name, first names of the
// birth act, sex, birth date, birth place of the INS or of the NIR), under
// idmatch.Match's documented rule. It returns the differences accepted, or
// the refusal: an *idmatch.MismatchError that unwraps to its cause
// (idmatch.ErrFirstName, idmatch.ErrBirthPlaceCode, …), or ErrUnknownNIR.
// It logs the refusal's field and cause only, never a value.
func (i *Issuer) MatchIdentity(nir credential.NIR, doc idmatch.Identity) (idmatch.Result, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	p, err := i.lookupLocked(nir)
	if err != nil {
		return idmatch.Result{}, fmt.Errorf("issuer: match identity: %w", err)
	}
	return i.matchLocked(p, doc)
}

// matchLocked is MatchIdentity on a person already looked up, i.mu held:
// the one matching of both activation routes.
func (i *Issuer) matchLocked(p *person, doc idmatch.Identity) (idmatch.Result, error) {
	res, err := idmatch.Match(doc, idmatch.RecordOf(p.Family.OuvrantDroit()))
	if err != nil {
		i.opts.Logger.Info("issuer: identity does not match", "mismatch", err)
		return res, fmt.Errorf("issuer: match identity: %w", err)
	}
	return res, nil
}
