package toy

import (
	"bytes"
	"testing"
)

// FuzzReadCSV feeds arbitrary bytes to the toy data reader and the problems
// built from what it accepts: every input is either refused with an error or
// gives a problem whose theory computes without a panic (issue 15, item 10).
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"1,2,3\n4,5,6\n",
		"0.5,-0.5,0.1,1\n-1,2,3,-1\n",
		"\ufeff1,2,3\n",
		"1e308,-1e308,1e308\n",
		"1e-200,1e-200,-1e-200\n",
		"NaN,1,2\n",
		"1,2\n3\n",
		"",
		"  \n\n1 , 2 , 3 \n",
		"0,0,0\n0,0,0\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, labelled bool) {
		a, y, err := ReadCSV("fuzz.csv", bytes.NewReader(b), labelled)
		if err != nil {
			return
		}
		n, d := a.Dims()
		if n*d > 4096 {
			return
		}
		if labelled {
			if _, err := NewLogistic(a, y, 0); err != nil {
				return
			}
			return
		}
		p, err := NewLSQ(a)
		if err != nil {
			return
		}
		_ = p.RandomLevel()
		_ = GDThreshold(a)
		_ = LambdaStar(a)
		if _, err := MSThreshold(a, 1, IID); err != nil {
			return
		}
	})
}
