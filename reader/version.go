package reader

import (
	"runtime/debug"
	"sync"
)

// version is the release's version, set when linking (make dist):
//
//	go build -ldflags "-X github.com/apcvkit/apcvkit/reader.version=v1.2.0" ./cmd/apcv
//
// It is the one home of the SDK's version: apcv version prints Version.
var version string

// modulePath is the SDK's module, looked up in the build information when
// no version was linked in.
const modulePath = "github.com/apcvkit/apcvkit"

var versionOnce = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	return versionFrom(version, bi, ok)
})

// Version returns the SDK's version: the one make dist links in (git
// describe: "v1.1.0", "v1.1.0-3-gabcdef0-dirty"); else the module's version
// the Go build recorded (a program that requires the SDK at v1.1.0 gets
// "v1.1.0"); else, in a build from a git checkout, "devel-" and the
// commit; else "devel" (go run, go test).
func Version() string { return versionOnce() }

func versionFrom(linked string, bi *debug.BuildInfo, ok bool) string {
	if linked != "" {
		return linked
	}
	if !ok || bi == nil {
		return "devel"
	}
	known := func(v string) bool { return v != "" && v != "(devel)" }
	if bi.Main.Path == modulePath && known(bi.Main.Version) {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path != modulePath {
			continue
		}
		if d.Replace != nil {
			d = d.Replace
		}
		if known(d.Version) {
			return d.Version
		}
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if bi.Main.Path != modulePath || rev == "" {
		return "devel"
	}
	v := "devel-" + rev[:min(len(rev), 12)]
	if modified == "true" {
		v += "-dirty"
	}
	return v
}
