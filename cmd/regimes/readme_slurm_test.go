package main

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeQuotesSlurmJob checks that the README's Slurm section is the
// job file that scripts/slurm-test submits, whole: one source.
func TestReadmeQuotesSlurmJob(t *testing.T) {
	job, err := os.ReadFile("../../scripts/sweep.slurm")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```bash\n"+string(job)+"```\n") {
		t.Errorf("README.md does not quote scripts/sweep.slurm whole in a bash block")
	}
	test, err := os.ReadFile("../../scripts/slurm-test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(test), `"$REPO/scripts/sweep.slurm"`) {
		t.Errorf("scripts/slurm-test does not submit scripts/sweep.slurm")
	}
}
