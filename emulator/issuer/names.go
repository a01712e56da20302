package issuer

import "github.com/apcvkit/apcvkit/credential"

// PersonNames returns every name held for the family of nir — family,
// usage and first names of each beneficiary, of their INS and of the état
// civil — or an error wrapping ErrUnknownNIR. The portal uses it to keep
// these names out of the notes it writes to its audit log; the result is
// never logged.
// An issuer made by Open first re-reads its directory when another
// process saved it since.
func (i *Issuer) PersonNames(nir credential.NIR) ([]string, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.refreshViewLocked("person names")
	p, err := i.lookupLocked(nir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, b := range p.Family.Beneficiaires {
		names = append(names, b.NomFamille, b.NomUsage, b.Prenoms)
		if b.INS != nil {
			names = append(names, b.INS.NomsNaissance, b.INS.PrenomsActe)
		}
	}
	if ec := p.Family.EtatCivil; ec != nil {
		names = append(names, ec.NomNaissance, ec.Prenoms)
	}
	return names, nil
}
