// Package scripts holds the project's shell scripts; its tests run them.
package scripts

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestReadmeQuotesSlurmJob checks that the README's Slurm section is the
// job file that slurm-test submits, whole: one source.
func TestReadmeQuotesSlurmJob(t *testing.T) {
	job, err := os.ReadFile("sweep.slurm")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```bash\n"+string(job)+"```\n") {
		t.Errorf("README.md does not quote scripts/sweep.slurm whole in a bash block")
	}
	test, err := os.ReadFile("slurm-test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(test), `"$REPO/scripts/sweep.slurm"`) {
		t.Errorf("slurm-test does not submit scripts/sweep.slurm")
	}
}

// TestSlurm runs slurm-test: a sharded sweep on a real one-node Slurm
// cluster, checked against a local run. It installs slurm-wlm and munge
// with apt-get when they are missing and starts daemons, so it runs only
// in CI (CI=true, as .ci/run is run) or when REGIMES_SLURM_TEST=1.
func TestSlurm(t *testing.T) {
	if os.Getenv("CI") != "true" && os.Getenv("REGIMES_SLURM_TEST") != "1" {
		t.Skip("the Slurm test installs packages and starts daemons: set REGIMES_SLURM_TEST=1 (CI sets CI=true), or run scripts/slurm-test")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	cmd := exec.Command("bash", "slurm-test")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("slurm-test: %v", err)
	}
}
