package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/regimes/regimes", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"},
			{Key: "vcs.time", Value: "2026-12-02T14:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	got := fromBuildInfo(bi, Info{OS: "linux", Arch: "amd64"}).String()
	want := "github.com/regimes/regimes (devel) revision 0123456789ab (2026-12-02T14:00:00Z, modified), go1.26.8 linux/amd64"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Without VCS settings: no revision.
	bi.Settings = nil
	if got := fromBuildInfo(bi, Info{OS: "linux", Arch: "amd64"}).String(); got != "github.com/regimes/regimes (devel), go1.26.8 linux/amd64" {
		t.Errorf("without VCS: %q", got)
	}
}

func TestRead(t *testing.T) {
	i := Read()
	// A test binary has build information with the running toolchain.
	if i.GoVersion != runtime.Version() || i.OS != runtime.GOOS || !strings.Contains(i.String(), runtime.Version()) {
		t.Errorf("Read() = %+v", i)
	}
}
