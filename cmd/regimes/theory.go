package main

import (
	"errors"
	"flag"
	"fmt"
	"math"

	"github.com/regimes/regimes/toy"
)

var cmdTheory = &Command{
	UsageLine: "theory -toy lsq|circle|vmf [flags]",
	Short:     "print the exact theory of a toy problem as JSON",
	Long: `
Theory prints, as one JSON object on standard output, what the exact theory of
SCIENCE.md section 6 predicts for a toy problem. Nothing is simulated
except the almost-sure threshold of lsq, which is a Lyapunov-exponent
estimate.

lsq (section 6.1): the regime 1|2 boundaries of scale-invariant least squares
at a minimum, for mini-batches of size -batch (0 = full batch) drawn i.i.d.
with replacement (-replace=true, the default) or as one batch of distinct
samples (-replace=false). The data come from -data FILE.csv (one sample a_i
per row, no header) or are generated from -n, -d, -data-seed and -norms
exactly as "regimes simulate" generates them.

	regimes theory -toy lsq -data testdata/lsq8x24.csv -batch 4

Keys: n, d, rank (dimension of range(A^T)), batch, replace; lambda_max (top
eigenvalue of H = (1/n) sum a_i a_i^T), lambda_star (max ||a_i||^2),
random_level (tr(H)/(2d), the loss of a uniformly random direction);
gd_threshold (2/lambda_max, full batch); ms_threshold (mean-square threshold:
first ELR at which the second moment of a perturbation stops shrinking) and
ms_bounds (the interval of section 6.1 that must contain it); as_threshold
(almost-sure threshold: first ELR at which the top Lyapunov exponent of the
linearised random product turns positive), as_threshold_ci (its confidence
interval at level as_level, from independent blocks driven by -seed) and
as_exact (true when it is known in closed form, as for the full batch); config
(the problem as "regimes simulate" would rebuild it). Below ms_threshold SGD
converges in mean square; between the two thresholds it still converges
almost surely; above as_threshold it does not converge.

circle (section 6.2): f = (lambda/2) sin^2 phi on the unit circle at -elr.

	regimes theory -toy circle -lambda 1 -elr 2.5

Keys: fixed_point_stable and fixed_point_multiplier (1 - ELR lambda);
cycle_exists (ELR lambda > 2), cycle_phi, cycle_loss (lambda/4 - 1/(2 ELR)),
cycle_grad_norm ((lambda/2) sqrt(1 - 4/(ELR lambda)^2)), cycle_angle
(arccos(2/(ELR lambda)) radians per step), cycle_multiplier
((1 - 8/(ELR lambda)^2)^2) and cycle_stable of the 2-cycle phi <-> -phi. The
cycle keys are 0 when there is no cycle.

vmf (section 6.3): F(u) = <mu, u> with isotropic gradient noise sigma, in
dimension -d, at -elr, with -batch noise draws averaged per step.

	regimes theory -toy vmf -d 24 -mu 1 -sigma 1 -elr 0.1

Keys: temperature (T = ELR sigma^2/(2 batch)), kappa (||mu||/T), mean_cos
(A_d(kappa), a Bessel-function ratio) and mean_loss (-||mu|| A_d(kappa)), the
stationary mean of F under the von Mises-Fisher law exp(-F/T). The law is
exact as ELR -> 0; measured against simulation it holds to about 2% while
ELR sigma^2 d/batch is below about 2, and beyond that the real equilibrium is
much colder (the angular step of SGD cannot exceed pi/2).
`,
}

// Flags of the theory command, defined in init.
var (
	theoryToy, theoryData, theoryNorms             *string
	theoryN, theoryD, theoryBatch                  *int
	theoryDataSeed, theorySeed                     *uint64
	theoryReplace                                  *bool
	theoryLambda, theoryMu, theorySigma, theoryELR *float64
)

func init() {
	f := flag.NewFlagSet("theory", flag.ContinueOnError)
	theoryToy = f.String("toy", "lsq", "toy problem: lsq, circle or vmf")
	theoryData = f.String("data", "", "lsq: CSV `file` of sample rows (default: generate from -n, -d, -data-seed)")
	theoryN = f.Int("n", 0, "lsq: number of generated samples (0 means 8)")
	theoryD = f.Int("d", 0, "lsq, vmf: dimension (0 means 24)")
	theoryDataSeed = f.Uint64("data-seed", 0, "lsq: seed of the generated data")
	theoryNorms = f.String("norms", "", "lsq: row norms of generated data, unit or gaussian (default unit)")
	theoryBatch = f.Int("batch", 1, "lsq, vmf: batch size; 0 means the full batch")
	theoryReplace = f.Bool("replace", true, "lsq: sample batches i.i.d. with replacement (false: distinct samples)")
	theorySeed = f.Uint64("seed", 1, "lsq: seed of the almost-sure threshold estimate")
	theoryLambda = f.Float64("lambda", 1, "circle: curvature lambda")
	theoryMu = f.Float64("mu", 1, "vmf: norm of mu")
	theorySigma = f.Float64("sigma", 1, "vmf: noise scale sigma of one draw")
	theoryELR = f.Float64("elr", 0, "circle, vmf: effective learning rate (required, > 0)")
	cmdTheory.Flag = f
	cmdTheory.Run = runTheory
	register(cmdTheory)
}

// lsqTheoryOutput is the JSON printed for -toy lsq.
type lsqTheoryOutput struct {
	Toy string `json:"toy"`
	toy.LSQTheory
	Config toy.Config `json:"config"`
}

func runTheory(cmd *Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments %q", args)
	}
	if *theoryBatch < 0 {
		return fmt.Errorf("-batch must be >= 0 (0 means the full batch), have %d", *theoryBatch)
	}
	switch *theoryToy {
	case "lsq":
		cfg := toy.Config{Toy: "lsq", Data: *theoryData, N: *theoryN, D: *theoryD,
			DataSeed: *theoryDataSeed, Norms: *theoryNorms}.Defaults()
		p, err := cfg.Build()
		if err != nil {
			return err
		}
		lsq, ok := p.(*toy.LSQ)
		if !ok {
			return fmt.Errorf("lsq: unexpected problem type %T", p)
		}
		th, err := toy.NewLSQTheory(lsq.A(), *theoryBatch, *theoryReplace, *theorySeed)
		if err != nil {
			return err
		}
		return printJSON(stdout, lsqTheoryOutput{Toy: "lsq", LSQTheory: th, Config: cfg})
	case "circle":
		if err := checkELR(); err != nil {
			return err
		}
		if _, err := (toy.Config{Toy: "circle", Lambda: *theoryLambda}).Build(); err != nil {
			return err
		}
		return printJSON(stdout, struct {
			Toy string `json:"toy"`
			toy.CircleTheory
		}{"circle", toy.CircleClosedForm(*theoryLambda, *theoryELR)})
	case "vmf":
		if err := checkELR(); err != nil {
			return err
		}
		if *theoryMu <= 0 || *theorySigma < 0 {
			return fmt.Errorf("vmf: need -mu > 0 and -sigma >= 0, have %v and %v", *theoryMu, *theorySigma)
		}
		cfg := toy.Config{Toy: "vmf", D: *theoryD, Mu: *theoryMu, Sigma: *theorySigma}.Defaults()
		if err := cfg.Check(); err != nil { // a closed form: no memory needed at any d
			return err
		}
		return printJSON(stdout, struct {
			Toy string `json:"toy"`
			toy.VMFTheory
		}{"vmf", toy.VMFPredictionBatch(cfg.D, cfg.Mu, *theorySigma, *theoryELR, *theoryBatch)})
	case "logistic":
		return errors.New("-toy logistic has no closed-form theory; use regimes simulate")
	}
	return fmt.Errorf("unknown -toy %q (want lsq, circle or vmf)", *theoryToy)
}

func checkELR() error {
	if !(*theoryELR > 0) || math.IsInf(*theoryELR, 0) {
		return fmt.Errorf("-elr must be a positive finite number, have %v", *theoryELR)
	}
	return nil
}
