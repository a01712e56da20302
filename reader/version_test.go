package reader

import (
	"runtime/debug"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	sdk := func(v string) *debug.Module { return &debug.Module{Path: modulePath, Version: v} }
	for _, tt := range []struct {
		name   string
		linked string
		bi     *debug.BuildInfo
		ok     bool
		want   string
	}{
		{"linked wins", "v1.2.0", &debug.BuildInfo{Main: *sdk("v0.9.0")}, true, "v1.2.0"},
		{"linked, no build info", "v1.2.0-3-gabcdef0-dirty", nil, false, "v1.2.0-3-gabcdef0-dirty"},
		{"no build info", "", nil, false, "devel"},
		{"go test", "", &debug.BuildInfo{Main: *sdk("(devel)")}, true, "devel"},
		{"go install @v1.1.0", "", &debug.BuildInfo{Main: *sdk("v1.1.0")}, true, "v1.1.0"},
		{"go build in a checkout, Go's own stamp", "", &debug.BuildInfo{Main: *sdk("v0.0.0-20261206075500-0123456789ab+dirty"), Settings: vcs("0123456789abcdef", "true")}, true, "v0.0.0-20261206075500-0123456789ab+dirty"},
		{"checkout without a stamp", "", &debug.BuildInfo{Main: *sdk("(devel)"), Settings: vcs("0123456789abcdef0123", "false")}, true, "devel-0123456789ab"},
		{"dirty checkout", "", &debug.BuildInfo{Main: *sdk(""), Settings: vcs("0123456789abcdef0123", "true")}, true, "devel-0123456789ab-dirty"},
		{"short revision", "", &debug.BuildInfo{Main: *sdk(""), Settings: vcs("abc", "false")}, true, "devel-abc"},
		{"embedded in a program", "", &debug.BuildInfo{Main: debug.Module{Path: "example.com/billing", Version: "(devel)"}, Deps: []*debug.Module{{Path: "golang.org/x/text", Version: "v0.3.0"}, sdk("v1.1.0")}}, true, "v1.1.0"},
		{"embedded, replaced", "", &debug.BuildInfo{Main: debug.Module{Path: "example.com/billing"}, Deps: []*debug.Module{{Path: modulePath, Version: "v1.1.0", Replace: &debug.Module{Path: "../apcvkit"}}}}, true, "devel"},
		{"embedded, replaced by a version", "", &debug.BuildInfo{Main: debug.Module{Path: "example.com/billing"}, Deps: []*debug.Module{{Path: modulePath, Version: "v1.1.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.1.1"}}}}, true, "v1.1.1"},
		{"embedded, the program's commit is not ours", "", &debug.BuildInfo{Main: debug.Module{Path: "example.com/billing"}, Settings: vcs("0123456789abcdef", "false")}, true, "devel"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionFrom(tt.linked, tt.bi, tt.ok); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Under go test nothing is linked in and the test binary carries no
// module version: Version says "devel".
func TestVersionUnderGoTest(t *testing.T) {
	if got := Version(); got != "devel" {
		t.Errorf("Version() = %q under go test, want devel", got)
	}
}
