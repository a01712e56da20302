package issuer

import (
	"fmt"
	"slices"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
)

// Rights is the online service answering the AMO rights of beneficiaries
// designated by NIR, birth date and birth rank, in the order asked: the
// person's explicit rights (Person.Rights) when given, else rights derived
// from the beneficiary's data (rights.Derive), fictitious but the same on
// every run. A beneficiary of no registered family is
// service.ErrUnknownBeneficiary (the whole request fails: a desk asks for
// one family at a time); more than rights.MaxWho is credential.ErrTooLarge.
// Rights do not depend on the app: a blocked person's rights are answered.
// An issuer made by Open first re-reads its directory when another
// process saved it since.
func (i *Issuer) Rights(who []rights.Who) ([]rights.Rights, error) {
	if len(who) > rights.MaxWho {
		return nil, fmt.Errorf("issuer: rights: %d beneficiaries: %w", len(who), credential.ErrTooLarge)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.refreshViewLocked("rights")
	out := make([]rights.Rights, 0, len(who))
	for n, w := range who {
		r, ok := i.rightsLocked(w)
		if !ok {
			return nil, fmt.Errorf("issuer: rights: beneficiary %d (%s): %w", n, w, service.ErrUnknownBeneficiary)
		}
		out = append(out, r)
	}
	return out, nil
}

// rightsLocked finds w in the registered families, the ouvrant droits'
// NIRs in order (a child on both parents' apps is found once, the same).
func (i *Issuer) rightsLocked(w rights.Who) (rights.Rights, bool) {
	keys := make([]credential.NIR, 0, len(i.persons))
	for k := range i.persons {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := i.persons[k]
		for j, b := range p.Family.Beneficiaires {
			if b.NIR != w.NIR || b.DateNaissance != w.DateNaissance || b.RangNaissance != w.Rang {
				continue
			}
			for _, r := range p.Rights {
				if r.NIR == b.NIR && r.Rang == b.RangNaissance {
					return r, true
				}
			}
			return rights.Derive(p.Family, j), true
		}
	}
	return rights.Rights{}, false
}

// checkRights checks a person's explicit rights: valid, each for one of
// the family's beneficiaries, at most one per beneficiary.
func checkRights(p Person) error {
	seen := map[rights.Who]bool{}
	for n, r := range p.Rights {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("rights[%d]: %w", n, err)
		}
		k := rights.Who{NIR: r.NIR, Rang: r.Rang}
		if seen[k] {
			return fmt.Errorf("rights[%d]: a second entry for one beneficiary: %w", n, credential.ErrInvalidField)
		}
		seen[k] = true
		if !slices.ContainsFunc(p.Family.Beneficiaires, func(b credential.Beneficiary) bool {
			return b.NIR == r.NIR && b.RangNaissance == r.Rang
		}) {
			return fmt.Errorf("rights[%d]: no beneficiary of the family has this NIR and rang: %w", n, credential.ErrInvalidField)
		}
	}
	return nil
}
