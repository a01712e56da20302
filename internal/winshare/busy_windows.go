package winshare

import (
	"errors"

	"golang.org/x/sys/windows"
)

// Busy reports whether err is Windows refusing a file another handle
// holds, or one whose rename or deletion is under way: access denied or
// sharing violation.
func Busy(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)
}
