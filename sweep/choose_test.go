package sweep

import "testing"

// TestChooseShard checks the precedence of ChooseShard: a given shard over
// the cluster's environment, the environment over running every point.
func TestChooseShard(t *testing.T) {
	env := map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "8"}
	getenv := func(k string) string { return env[k] }
	none := func(string) string { return "" }
	for _, tc := range []struct {
		given  string
		getenv func(string) string
		want   Shard
	}{
		{"1/2", getenv, Shard{1, 2}},
		{"", getenv, Shard{3, 8}},
		{"", none, Shard{0, 1}},
	} {
		got, err := ChooseShard(tc.given, tc.getenv, 0)
		if err != nil || got != tc.want {
			t.Errorf("ChooseShard(%q) = %v, %v; want %v", tc.given, got, err, tc.want)
		}
	}
	if _, err := ChooseShard("3/2", none, 0); err == nil {
		t.Error("shard 3/2 accepted")
	}
}
