package analysis

import "strings"

// CommonColumns lists, for each role, the column names that ChooseColumns
// recognises, in order of preference: our own logs' names first (toy
// trajectories: loss, grad_norm, angle; metrics.jsonl of regimes train:
// train_loss, grad_norm_mean, angle_step_mean; steps.csv: batch_loss),
// then those common in PyTorch logs.
var CommonColumns = map[string][]string{
	RoleLoss:  {"train_loss", "loss", "batch_loss", "training_loss"},
	RoleGrad:  {"grad_norm_mean", "grad_norm", "mean_eff_grad_norm", "eff_grad_norm", "gradient_norm"},
	RoleAngle: {"angle_step_mean", "angle", "mean_angle", "angular_update", "mean_angular_update"},
	RoleStep:  {"step", "epoch", "global_step", "iteration"},
}

// normalColumn folds a column or TensorBoard tag name for matching:
// lower case, with '/', '-', '.' and ' ' read as '_'.
func normalColumn(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '/', '-', '.', ' ':
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// ChooseColumns returns, for each role of CommonColumns, the column of
// header that plays it: the first name in the role's list that some
// column matches. Names match after folding case and reading '/', '-',
// '.' and ' ' as '_', so that the TensorBoard tag "train/loss" is
// train_loss; a two-part tag "loss/train" also matches train_loss. Roles
// without a match are absent from the map. A column is given to one role
// at most.
func ChooseColumns(header []string) map[string]string {
	folded := map[string]string{}
	for _, h := range header {
		n := normalColumn(h)
		if _, ok := folded[n]; !ok {
			folded[n] = h
		}
		if a, b, ok := strings.Cut(n, "_"); ok && !strings.Contains(b, "_") {
			if _, ok := folded[b+"_"+a]; !ok {
				folded[b+"_"+a] = h
			}
		}
	}
	used := map[string]bool{}
	out := map[string]string{}
	for _, role := range []string{RoleLoss, RoleGrad, RoleAngle, RoleStep} {
		for _, name := range CommonColumns[role] {
			if h, ok := folded[name]; ok && !used[h] {
				out[role] = h
				used[h] = true
				break
			}
		}
	}
	return out
}
