package figdata

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzFigureCSV feeds arbitrary bytes to the readers of "regimes plot"
// (thresholds, lyapunov, stationary, bifurcation, panels and phase): every
// input is refused with an error or read without a panic (issue 15, item 10).
func FuzzFigureCSV(f *testing.F) {
	for _, s := range []string{
		"b,gd,ms,as,as_lo,as_hi,converged,diverged\n1,2,1.5,1.8,1.7,1.9,1,3\n",
		"elr,lyapunov,lo,hi,regime\n0.1,-1,-1.1,-0.9,convergence\n1,0.1,0,0.2,chaotic\n",
		"elr,mean,lo,hi,theory\n0.1,1,0.9,1.1,1\n",
		"elr,value\n0.1,1\n0.1,2\n",
		"elr\n-1\n",
		"b,gd\nNaN,1\n",
		"step,loss,batch_loss,grad_norm,batch_grad_norm,angle,elr,norm\n0,1,1,1,1,0,0.1,1\n",
	} {
		f.Add([]byte(s), uint8(0))
	}
	f.Add([]byte(`{"point":{"index":0,"elr":0.1,"param":"batch","value":1,"seed":1},"regime":"convergence","summary":{"final_loss":1}}`+"\n"), uint8(5))
	f.Add([]byte(`{"epoch":0,"train_loss":2.3,"test_error":90,"elr":0.001}`+"\n"), uint8(4))
	f.Fuzz(func(t *testing.T, b []byte, which uint8) {
		dir := t.TempDir()
		ext := ".csv"
		if which%6 >= 4 {
			ext = ".jsonl"
		}
		name := filepath.Join(dir, "in"+ext)
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
		switch which % 6 {
		case 0:
			Thresholds(name)
		case 1:
			Lyapunov(name)
		case 2:
			Stationary(name, 1)
		case 3:
			Bifurcation(name)
		case 4:
			Panels([]string{name})
		case 5:
			Phase([]string{name}, PhaseOptions{})
			Phase([]string{name}, PhaseOptions{Metric: "final_loss", LogColor: true})
		}
	})
}
