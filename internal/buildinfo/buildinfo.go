package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Info describes a build.
type Info struct {
	// Module is the main module's path and Version its version: a
	// release tag or pseudo-version for "go install module@version",
	// "(devel)" for a build inside a work tree.
	Module  string `json:"module"`
	Version string `json:"version"`
	// Revision, Time and Modified are the VCS revision, its commit time
	// (RFC 3339) and whether the tree had uncommitted changes, as the go
	// command records them when building inside a repository (empty
	// otherwise, as in tests and "go run" without -buildvcs).
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	// GoVersion is the toolchain; OS and Arch the platform.
	GoVersion string `json:"go"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// Read returns the build information of the running binary.
func Read() Info {
	info := Info{Module: "unknown", Version: "unknown", GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	return fromBuildInfo(bi, info)
}

func fromBuildInfo(bi *debug.BuildInfo, info Info) Info {
	if bi.Main.Path != "" {
		info.Module = bi.Main.Path
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String formats the build on one line, for example
// "github.com/regimes/regimes (devel) revision 1a2b3c4d5e6f (2026-12-02T14:00:00Z, modified), go1.26.8 linux/amd64".
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", i.Module, i.Version)
	if i.Revision != "" {
		rev := i.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		fmt.Fprintf(&b, " revision %s", rev)
		var extra []string
		if i.Time != "" {
			extra = append(extra, i.Time)
		}
		if i.Modified {
			extra = append(extra, "modified")
		}
		if len(extra) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(extra, ", "))
		}
	}
	fmt.Fprintf(&b, ", %s %s/%s", i.GoVersion, i.OS, i.Arch)
	return b.String()
}
