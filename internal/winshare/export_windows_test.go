package winshare

import "golang.org/x/sys/windows"

var busyErr error = windows.ERROR_SHARING_VIOLATION
