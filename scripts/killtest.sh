#!/bin/bash
# killtest.sh: kill -9 at random moments of simulate, train, sweep run and
# grid (issues 15 and 13), then run the same command again to completion, and check after
# every next run that the folder holds no temporary or lock file, that its
# manifest (where the command writes one) matches its files, and that the
# results are bitwise those of an uninterrupted run (train's wall times
# aside). Usage: scripts/killtest.sh [KILLS [COMMANDS]] (default 30 per
# command; COMMANDS a list such as "simulate train sweep grid", the default).
# It is not part of the test suite: it takes minutes.
set -u
KILLS=${1:-30}
ONLY=${2:-simulate train sweep grid}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
BIN=$W/regimes
(cd "$ROOT" && go build -o "$BIN" ./cmd/regimes) || exit 1

fail=0
# check DIR: no temporaries or lock files, and a manifest that matches.
check() {
	local dir=$1 what=$2
	local left
	left=$(find "$dir" -name '.*.tmp*' -o -name '*.lock' | head -5)
	if [ -n "$left" ]; then echo "FAIL $what: left behind: $left"; fail=$((fail+1)); fi
	for m in $(find "$dir" -name manifest.json); do
		python3 - "$m" <<'PY' || { echo "FAIL $what: $m does not match its files"; fail=$((fail+1)); }
import hashlib, json, os, sys
m = sys.argv[1]; d = os.path.dirname(m)
for name, h in json.load(open(m))["files"].items():
    if hashlib.sha256(open(os.path.join(d, name), "rb").read()).hexdigest() != h:
        sys.exit(1)
PY
	done
}
# nowall FILE: FILE without its wall_time values and output folder.
nowall() { sed -E 's/"wall_time": ?[0-9.e+-]+/"wall_time":T/g; s/"out": ?"[^"]*"/"out":O/' "$1"; }
# timed CMD...: run CMD and set MAXDELAY to 90% of its wall time, so that
# the kills fall inside runs whatever the machine's speed.
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || return 1
	t1=$(date +%s.%N)
	MAXDELAY=$(python3 -c "print(0.9*($t1-$t0))")
}
# killat CMD...: start CMD, kill it with SIGKILL after a random delay of up
# to $MAXDELAY seconds; prints whether it had finished.
killat() {
	"$@" >/dev/null 2>&1 &
	local pid=$!
	sleep "$(python3 -c "import random; print(random.uniform(0, $MAXDELAY))")"
	if kill -9 $pid 2>/dev/null; then wait $pid 2>/dev/null; echo killed; else wait $pid; echo finished; fi
}

if [[ " $ONLY " == *" simulate "* ]]; then
# simulate: a trajectory of 1000001 rows (about 100 MB of CSV).
SIM=(simulate -toy lsq -batch 2 -elr 1.5 -steps 1000000 -every 1 -seed 3)
timed "$BIN" "${SIM[@]}" -out "$W/sim-ref" || exit 1
k=0
for i in $(seq "$KILLS"); do
	r=$(killat "$BIN" "${SIM[@]}" -out "$W/sim")
	[ "$r" = killed ] && k=$((k+1))
	"$BIN" "${SIM[@]}" -out "$W/sim" >/dev/null 2>&1 || { echo "FAIL simulate rerun $i"; fail=$((fail+1)); }
	check "$W/sim" "simulate $i"
	cmp -s "$W/sim/trajectory.csv" "$W/sim-ref/trajectory.csv" && cmp -s "$W/sim/config.json" "$W/sim-ref/config.json" || { echo "FAIL simulate $i: results differ"; fail=$((fail+1)); }
done
echo "simulate: $k of $KILLS runs killed mid-way; every next run left a consistent, bitwise identical folder unless FAIL above"
fi
if [[ " $ONLY " == *" train "* ]]; then

# train: a tiny MLP on 300 MNIST images, 6 epochs, a checkpoint every epoch.
TRAIN=(train -model mlp -width 16 -data mnist -subset 300 -test-subset 200 -elr 1e-3 -epochs 6 -batch 64 -seed 7 -checkpoint-every 1 -workers 1)
timed "$BIN" "${TRAIN[@]}" -out "$W/tr-ref" || exit 1
k=0
for i in $(seq "$KILLS"); do
	rm -rf "$W/tr"
	r=$(killat "$BIN" "${TRAIN[@]}" -out "$W/tr")
	[ "$r" = killed ] && k=$((k+1))
	if [ -e "$W/tr/last.ckpt" ] || ls "$W/tr"/epoch-*.ckpt >/dev/null 2>&1; then
		"$BIN" train -resume -out "$W/tr" -epochs 6 >/dev/null 2>&1 || { echo "FAIL train resume $i"; fail=$((fail+1)); }
	else
		"$BIN" "${TRAIN[@]}" -out "$W/tr" >/dev/null 2>&1 || { echo "FAIL train rerun $i"; fail=$((fail+1)); }
	fi
	check "$W/tr" "train $i"
	cmp -s <(nowall "$W/tr/metrics.jsonl") <(nowall "$W/tr-ref/metrics.jsonl") && cmp -s "$W/tr/steps.csv" "$W/tr-ref/steps.csv" && cmp -s <(nowall "$W/tr/config.json") <(nowall "$W/tr-ref/config.json") || { echo "FAIL train $i: results differ"; fail=$((fail+1)); }
done
echo "train: $k of $KILLS runs killed mid-way"
fi
if [[ " $ONLY " == *" sweep "* ]]; then

# sweep run: 24 toy points; a killed runner is rerun, then merged.
"$BIN" sweep plan -out "$W/sw-ref" -elr-min 0.5 -elr-max 20 -elr-points 6 -param batch -values 1,4 -seeds 2 -steps 100000 -lyapunov-steps 500 >/dev/null || exit 1
timed "$BIN" sweep run -plan "$W/sw-ref/plan.json" -workers 2 || exit 1
"$BIN" sweep merge -plan "$W/sw-ref/plan.json" >/dev/null 2>&1 || exit 1
k=0
for i in $(seq "$KILLS"); do
	rm -rf "$W/sw"; mkdir -p "$W/sw"; cp "$W/sw-ref/plan.json" "$W/sw/plan.json"
	r=$(killat "$BIN" sweep run -plan "$W/sw/plan.json" -workers 2)
	[ "$r" = killed ] && k=$((k+1))
	"$BIN" sweep run -plan "$W/sw/plan.json" -workers 2 >/dev/null 2>&1 || { echo "FAIL sweep rerun $i"; fail=$((fail+1)); }
	"$BIN" sweep merge -plan "$W/sw/plan.json" >/dev/null 2>&1 || { echo "FAIL sweep merge $i"; fail=$((fail+1)); }
	check "$W/sw" "sweep $i"
	cmp -s "$W/sw/results.jsonl" "$W/sw-ref/results.jsonl" || { echo "FAIL sweep $i: results differ"; fail=$((fail+1)); }
done
echo "sweep run: $k of $KILLS runs killed mid-way"
fi
if [[ " $ONLY " == *" grid "* ]]; then

# grid: the follow-up's protocol on a tiny SI MLP (2 PLRs, 2 FLRs, SWA,
# paths); each round kills the same folder three times in a row, at
# random moments, then lets the command finish; half the rounds run the
# grid's plan as two shards (sweep run, then merge) instead.
GRID=(grid -model mlp -width 16 -subset 300 -test-subset 200 -plrs 1e-3,3e-2 -flrs 1e-4,1e-3 -pre-epochs 3 -fine-epochs 2 -swa-ks 1,2 -path-points 2 -seeds 1 -workers 1)
timed "$BIN" "${GRID[@]}" -out "$W/gr-ref" || exit 1
k=0
for i in $(seq "$KILLS"); do
	rm -rf "$W/gr"
	if [ $((i % 2)) = 0 ]; then
		"$BIN" "${GRID[@]}" -out "$W/gr" -plan-only >/dev/null || exit 1
		for j in 1 2 3; do
			r=$(killat "$BIN" sweep run -plan "$W/gr/plan.json" -shard $((j % 2))/2 -workers 1)
			[ "$r" = killed ] && k=$((k+1))
		done
		for s in 0/2 1/2; do
			"$BIN" sweep run -plan "$W/gr/plan.json" -shard $s -workers 1 >/dev/null 2>&1 || { echo "FAIL grid shard $s rerun $i"; fail=$((fail+1)); }
		done
		"$BIN" sweep merge -plan "$W/gr/plan.json" >/dev/null 2>&1 || { echo "FAIL grid merge $i"; fail=$((fail+1)); }
	else
		for j in 1 2 3; do
			r=$(killat "$BIN" "${GRID[@]}" -out "$W/gr")
			[ "$r" = killed ] && k=$((k+1))
		done
		"$BIN" "${GRID[@]}" -out "$W/gr" >/dev/null 2>&1 || { echo "FAIL grid rerun $i"; fail=$((fail+1)); }
	fi
	check "$W/gr" "grid $i"
	cmp -s "$W/gr/grid.json" "$W/gr-ref/grid.json" || { echo "FAIL grid $i: grid.json differs"; fail=$((fail+1)); }
done
echo "grid: $k of $((3 * KILLS)) runs killed mid-way (three in a row per round)"
fi
echo "failures: $fail"
[ $fail -eq 0 ]
