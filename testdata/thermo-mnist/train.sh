#!/bin/sh
# Trains the MNIST rotational-equilibrium comparison of README.md, one run at
# a time, niced, and keeps each run's config.json, metrics.jsonl and steps.csv
# (the checkpoints are removed). Run from the repository root:
#
#	sh testdata/thermo-mnist/train.sh        # about 14 CPU minutes
#
# REGIMES names the binary (default: go run ./cmd/regimes); each run's wall
# and CPU times are appended to testdata/thermo-mnist/times.txt.
set -eu
R=testdata/thermo-mnist/runs
REGIMES=${REGIMES:-go run ./cmd/regimes}
mkdir -p $R
run() { # name, then the train flags
	name=$1
	shift
	/usr/bin/time -f "$name %e s wall %U s user %S s sys" -a -o testdata/thermo-mnist/times.txt \
		nice -n 10 $REGIMES train -data mnist -subset 5120 -test-subset 500 -seed 1 -workers 1 \
		"$@" -out $R/$name -force
	rm -f $R/$name/*.ckpt
}
# SGD at lr 0.1, and heavy ball at lr 0.01 with momentum 0.9 (the same
# effective lr 0.1, hence the same predicted radius and relaxation time).
# Epochs of 40 steps; the runs last about 12 norm relaxation times
# 1/(4 lr_eff wd) past the approach from the initial norm.
for wd in 0.03:60 0.1:30 0.3:20; do
	w=${wd%:*} e=${wd#*:}
	run mlp-wd$w-mom0 -model mlp -lr 0.1 -wd $w -epochs $e
	run mlp-wd$w-mom0.9 -model mlp -lr 0.01 -momentum 0.9 -wd $w -epochs $e
done
for wd in 0.03:24 0.1:12 0.3:8; do
	w=${wd%:*} e=${wd#*:}
	run convnet8-wd$w-mom0 -model convnet -width 8 -lr 0.1 -wd $w -epochs $e
	run convnet8-wd$w-mom0.9 -model convnet -width 8 -lr 0.01 -momentum 0.9 -wd $w -epochs $e
done
