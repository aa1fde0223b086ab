package toy

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Defect 5 of issue 15: data whose every entry is +-1e308 made the Gram
// eigendecomposition fail (a panic), entries of 1e-200 gave +Inf thresholds
// or a failed Lanczos iteration. Such data are refused by every constructor
// with the rescaling that maps them back.
func TestExtremeDataRefused(t *testing.T) {
	for _, v := range []float64{1e308, -1e308, 1e-200, 1e51, 1e-51} {
		a := mat.NewDense(2, 4, nil)
		for i := range 2 {
			for j := range 4 {
				s := v
				if (i+j)%2 == 1 {
					s = -v
				}
				a.Set(i, j, s)
			}
		}
		if _, err := NewLSQ(a); err == nil || !strings.Contains(err.Error(), "outside") {
			t.Errorf("NewLSQ, entries %g: err = %v, want a scale refusal", v, err)
		}
		if _, err := NewLogistic(a, []float64{1, -1}, 0); err == nil || !strings.Contains(err.Error(), "outside") {
			t.Errorf("NewLogistic, entries %g: err = %v, want a scale refusal", v, err)
		}
		if _, err := NewLSQTheory(a, 1, IID, 1); err == nil || !strings.Contains(err.Error(), "outside") {
			t.Errorf("NewLSQTheory, entries %g: err = %v, want a scale refusal", v, err)
		}
		if _, err := NewVMF(a.RawRowView(0), 1); err == nil {
			t.Errorf("NewVMF, mu entries %g: no error", v)
		}
	}
	if _, err := NewCircle(1e300); err == nil {
		t.Error("NewCircle(1e300): no error")
	}
	if _, err := NewVMF([]float64{1, 0}, 1e300); err == nil {
		t.Error("NewVMF(sigma 1e300): no error")
	}
}

// The refusal's promise: the lsq dynamics at ELR eta on data c*A are those at
// ELR eta*c^2 on A, and the thresholds scale as 1/c^2. Checked at the edges
// of the accepted range, where the computations must still be finite.
func TestDataScaleCovariance(t *testing.T) {
	a, err := GenerateLSQ(4, 10, 3, NormsGaussian)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := NewLSQTheory(a, 2, IID, 7)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewLSQ(a)
	if err != nil {
		t.Fatal(err)
	}
	const eta = 0.3
	want, err := Simulate(p, SimConfig{ELR: eta, Batch: 2, Steps: 200, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []float64{MaxDataScale / 4, MinDataScale * 4} {
		var ca mat.Dense
		ca.Scale(c, a)
		th, err := NewLSQTheory(&ca, 2, IID, 7)
		if err != nil {
			t.Fatalf("c = %g: %v", c, err)
		}
		for _, q := range []struct {
			name      string
			got, want float64
		}{
			{"GD threshold", th.GDThreshold * c * c, ref.GDThreshold},
			{"MS threshold", th.MSThreshold * c * c, ref.MSThreshold},
			{"lambda_max", th.LambdaMax / (c * c), ref.LambdaMax},
			{"random level", th.RandomLevel / (c * c), ref.RandomLevel},
		} {
			if math.IsInf(q.got, 0) || math.Abs(q.got-q.want) > 1e-9*math.Abs(q.want) {
				t.Errorf("c = %g: %s rescaled = %v, want %v", c, q.name, q.got, q.want)
			}
		}
		cp, err := NewLSQ(&ca)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Simulate(cp, SimConfig{ELR: eta / (c * c), Batch: 2, Steps: 200, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		last, wl := got.Records[len(got.Records)-1], want.Records[len(want.Records)-1]
		if math.Abs(last.Loss/(c*c)-wl.Loss) > 1e-6*math.Abs(wl.Loss) || math.Abs(last.Angle-wl.Angle) > 1e-6 {
			t.Errorf("c = %g: final loss/c^2 = %v, angle %v; want %v, %v", c, last.Loss/(c*c), last.Angle, wl.Loss, wl.Angle)
		}
	}
}

// Defect 9 of issue 15: the theory of b > n distinct samples used to be the
// full-batch theory while Simulate refuses that batch.
func TestTheoryBatchAboveNWithoutReplacement(t *testing.T) {
	a, _ := GenerateLSQ(4, 10, 3, NormsUnit)
	if _, err := NewLSQTheory(a, 5, Shuffle, 1); err == nil {
		t.Error("NewLSQTheory(b=5 > n=4, without replacement): no error")
	}
	if _, err := NewLSQTheory(a, 4, Shuffle, 1); err != nil {
		t.Errorf("b = n without replacement: %v", err)
	}
}

// Defect 9 of issue 15: the toy reader rejected a UTF-8 byte-order mark
// that analyze accepts.
func TestReadCSVByteOrderMark(t *testing.T) {
	a, _, err := ReadCSV("bom.csv", strings.NewReader("\ufeff1,2,3\n4,5,6\n"), false)
	if err != nil || a.At(0, 0) != 1 || a.At(1, 2) != 6 {
		t.Fatalf("BOM: %v", err)
	}
}
