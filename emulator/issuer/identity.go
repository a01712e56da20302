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
	p, err := i.lookupLocked(nir)
	var rec idmatch.Identity
	if err == nil {
		rec = idmatch.RecordOf(p.Family.OuvrantDroit())
	}
	i.mu.Unlock()
	if err != nil {
		return idmatch.Result{}, fmt.Errorf("issuer: match identity: %w", err)
	}
	res, err := idmatch.Match(doc, rec)
	if err != nil {
		i.opts.Logger.Info("issuer: identity does not match", "mismatch", err)
		return res, fmt.Errorf("issuer: match identity: %w", err)
	}
	return res, nil
}
