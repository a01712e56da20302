package issuer

import (
	"fmt"
	"slices"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// Activités: the care-expense records an app shows for 7 days.

// Activity is a care-expense record, written after billing with the app.
type Activity struct {
	Beneficiary int       // index in the family, 0 for the ouvrant droit
	PSID        string    // the health professional's RPPS/ADELI number
	PSName      string    // the health professional's name
	AmountCents int64     // amount paid by the patient, in cents
	Date        time.Time // date of the care
	RecordedAt  time.Time // set by the issuer; the record is gone ActivityRetention later
}

// AddActivity records a care expense made with credential id. The record is
// shown by Activities for ActivityRetention from now.
func (i *Issuer) AddActivity(id [8]byte, a Activity) error {
	return i.change(func() error { return i.addActivityLocked(id, a) })
}

func (i *Issuer) addActivityLocked(id [8]byte, a Activity) error {
	c, ok := i.creds[id]
	if !ok {
		return fmt.Errorf("issuer: activity: %w", ErrUnknownCredential)
	}
	for c.Revoked && c.ReplacedBy != nil && i.creds[*c.ReplacedBy] != nil {
		// billed with the credential a data change just replaced: same app
		c = i.creds[*c.ReplacedBy]
	}
	id = c.ID
	if c.Revoked {
		return fmt.Errorf("issuer: activity: credential %x: %w", id, credential.ErrRevoked)
	}
	n := len(i.persons[c.NIR].Family.Beneficiaires)
	switch {
	case a.Beneficiary < 0 || a.Beneficiary >= n:
		return fmt.Errorf("issuer: activity: beneficiary %d of %d: %w", a.Beneficiary, n, ErrInvalidActivity)
	case a.AmountCents < 0 || a.AmountCents > 100_000_00:
		return fmt.Errorf("issuer: activity: amount %d cents: %w", a.AmountCents, ErrInvalidActivity)
	case a.PSID == "" || a.PSName == "" || len(a.PSID) > 20 || len(a.PSName) > 80:
		return fmt.Errorf("issuer: activity: PS identification: %w", ErrInvalidActivity)
	}
	now := i.now()
	if a.Date.IsZero() {
		a.Date = now
	}
	a.RecordedAt = now
	i.activities[id] = append(pruneActivities(i.activities[id], now), a)
	return nil
}

// Activities returns the care expenses made with credential id in the last
// ActivityRetention, oldest first: a record recorded at t is shown until
// t + 7 days, excluded.
// An issuer made by Open first re-reads its directory when another
// process saved it since.
func (i *Issuer) Activities(id [8]byte) []Activity {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.refreshViewLocked("activities")
	kept := pruneActivities(i.activities[id], i.now())
	if len(kept) == 0 {
		delete(i.activities, id)
		return nil
	}
	i.activities[id] = kept
	return slices.Clone(kept)
}

func pruneActivities(as []Activity, now time.Time) []Activity {
	return slices.DeleteFunc(as, func(a Activity) bool { return !now.Before(a.RecordedAt.Add(ActivityRetention)) })
}
