// Package winshare waits out Windows refusing a file that another handle
// holds.
//
// Go opens files without FILE_SHARE_DELETE, and Windows renames, links
// and removes no file that another handle holds that way: the operation
// fails with "Access denied" or "sharing violation" for as long as the
// other handle is open. Processes sharing a file (two agents pairing, an
// issuer beside a portal on one state directory) meet so for the time of
// one read or one rename. On Unix nothing is refused so, and Retry calls
// f once.
package winshare

import "time"

// Retry runs f until it does not fail with Busy, for at most wait, 1 ms
// then up to 50 ms apart. Other errors, and Busy once wait is over, are
// returned at once. A lasting refusal (a read-only or unreadable file)
// is returned after wait too: Windows gives both causes the same error.
func Retry(wait time.Duration, f func() error) error {
	deadline := time.Now().Add(wait)
	pause := time.Millisecond
	for {
		err := f()
		if err == nil || !Busy(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}
