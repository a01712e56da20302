// Package permtest tells tests which permission bits os.Stat reports, on
// the running OS, for a file or directory the code created with a given
// perm, so that one test checks "private to its owner" on Unix and what
// holds instead on Windows:
//
//	if got := fi.Mode().Perm(); got != permtest.Want(0o600, fi.IsDir()) { … }
//
// On Unix that is perm itself. On Windows a mode is only the read-only
// attribute (os.Chmod sets it when perm lacks 0o200, os.Mkdir ignores perm),
// so a file reads 0o666 or 0o444 and a directory 0o777: who may open it is
// decided by the ACL it inherits from its folder, which the code leaves to
// Windows and documents where it writes secrets.
package permtest
