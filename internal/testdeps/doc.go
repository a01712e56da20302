// Package testdeps finds what the test suite needs from the machine, so that
// a test checks it against the Debian packages scripts/deps.sh test installs:
// a test that probes a program or library the script does not install would
// pass where someone installed it by hand and fail on a bare machine.
//
//	probes, err := testdeps.Scan(root)      // what the sources probe
//	owners := testdeps.Resolve(ctx, probes) // the Debian package of each
//
// Scan reads the Go sources (tests and the helpers they call) and the shell
// scripts it is given (MakeScripts: those make test runs) without running
// them. It sees:
//
//   - programs: the string given to exec.LookPath, exec.Command or
//     exec.CommandContext, directly, through a helper's parameter
//     (peer(t, "zbarimg")), through a range over a literal
//     (for _, n := range []string{"g++", "gcc"}), or through a field of a
//     ranged struct literal (exec.Command(p.bin, …)); `command -v NAME` in
//     shell scripts;
//   - pkg-config modules: the names after the flags of a pkg-config command
//     (exec.Command("pkg-config", "--exists", "zxing", "zbar"));
//   - files: absolute paths under /usr, /bin, /sbin and /lib written as
//     literals (the pcscd binary, the vpcd driver).
//
// The pkg-config modules cgo packages link against come from go list
// (CgoPkgConfig), with the C compiler, by CgoProbes.
//
// A probe it cannot resolve to a literal (a path computed at run time) is
// not reported: the package is a safety net for the common shapes, not a
// proof.
package testdeps
