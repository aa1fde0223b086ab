package analysis

import (
	"maps"
	"testing"
)

func TestChooseColumns(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		want   map[string]string
	}{
		{"toy trajectory", []string{"step", "loss", "batch_loss", "grad_norm", "batch_grad_norm", "angle", "elr", "norm"},
			map[string]string{RoleLoss: "loss", RoleGrad: "grad_norm", RoleAngle: "angle", RoleStep: "step"}},
		{"metrics.jsonl", []string{"epoch", "step", "train_loss", "train_acc", "grad_norm_mean", "angle_step_mean"},
			map[string]string{RoleLoss: "train_loss", RoleGrad: "grad_norm_mean", RoleAngle: "angle_step_mean", RoleStep: "step"}},
		{"steps.csv", []string{"step", "batch_loss", "eff_grad_norm"},
			map[string]string{RoleLoss: "batch_loss", RoleGrad: "eff_grad_norm", RoleStep: "step"}},
		{"PyTorch per-epoch", []string{"epoch", "train_loss", "val_loss", "mean_eff_grad_norm", "mean_angle"},
			map[string]string{RoleLoss: "train_loss", RoleGrad: "mean_eff_grad_norm", RoleAngle: "mean_angle", RoleStep: "epoch"}},
		{"TensorBoard tags", []string{"step", "Loss/train", "grad-norm", "Angular Update"},
			map[string]string{RoleLoss: "Loss/train", RoleGrad: "grad-norm", RoleAngle: "Angular Update", RoleStep: "step"}},
		{"nothing known", []string{"a", "b"}, map[string]string{}},
	} {
		if got := ChooseColumns(tc.header); !maps.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
