package agent

import (
	"errors"

	"golang.org/x/sys/windows"
)

// sharingViolation reports whether err is Windows refusing to open a file
// another handle holds without sharing, or one whose deletion is pending
// (access denied): the token file while another process links it into
// place or removes its temporary name. It passes; a real access denial is
// returned after retryShared's second.
func sharingViolation(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_ACCESS_DENIED)
}
