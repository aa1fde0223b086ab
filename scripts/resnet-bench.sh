#!/bin/bash
# resnet-bench.sh: ResNet-18-SI's training speed in Go against PyTorch
# (issue 13), measured side by side and interleaved: in every round and for
# every width k, Go's full step (BenchmarkEndToEndResNet<k>: a shuffled MNIST
# batch of 128, forward, backward and the fixed-ELR sphere step) and its
# forward and backward alone (BenchmarkTrainResNetK<k>), and PyTorch's full
# step (realnets/testdata/torchbench.py resnet <k> 2: forward, backward and a
# plain SGD step on one batch of 128 in memory, 2 threads,
# OMP_WAIT_POLICY=passive), Go first in odd rounds and PyTorch first in even
# ones. It prints one line per measurement, the load average before each
# round, and a Markdown table of images per second and Go / PyTorch per
# round, with each side's peak RSS.
#
# Usage: scripts/resnet-bench.sh [ROUNDS [WIDTHS [BENCHTIME]]]
#   (defaults: 3 rounds, widths "4 8 16", Go -benchtime 5s; PyTorch times 5 s)
# Needs Debian's python3-torch with OpenBLAS:
#   apt-get install -y python3-torch python3-numpy libopenblas0-pthread
# A ratio means something only on a quiet machine: run nothing else meanwhile
# and report the load averages with the table. Not part of the test suite.
set -euo pipefail
ROUNDS=${1:-3}
WIDTHS=${2:-4 8 16}
BT=${3:-5s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
/usr/bin/python3 -c 'import torch' 2>/dev/null || {
	echo "resnet-bench: /usr/bin/python3 has no torch: apt-get install -y python3-torch python3-numpy libopenblas0-pthread" >&2
	exit 1
}
(cd "$ROOT" && go test -c -o "$W/realnets.test" ./realnets)
TIME=()
[ -x /usr/bin/time ] && TIME=(/usr/bin/time -f 'peak_rss_kb=%M' -o "$W/rss")

# gobench NAME: images/s of the Go benchmark NAME (and its peak RSS in MB).
gobench() {
	local out
	out=$(cd "$ROOT/realnets" && "${TIME[@]}" "$W/realnets.test" -test.run XXX -test.bench "^$1\$" -test.benchtime "$BT")
	echo "$out" | grep -oE '[0-9.]+ (images|img)/s' | cut -d' ' -f1
	if [ -s "$W/rss" ]; then echo $(( $(grep -o '[0-9]*' "$W/rss") / 1024 )); else echo "?"; fi
}
# torchbench K: images/s and peak RSS (MB) of PyTorch's step at width K.
torchbench() {
	local out
	out=$(cd "$ROOT" && OMP_WAIT_POLICY=passive /usr/bin/python3 realnets/testdata/torchbench.py resnet "$1" 2)
	case $out in *openblas*) ;; *) echo "resnet-bench: PyTorch does not use OpenBLAS: $out" >&2 ;; esac
	echo "$out" | grep -o 'img/s=[0-9.]*' | cut -d= -f2
	echo "$out" | grep -o 'peak_rss_mb=[0-9.]*' | cut -d= -f2
}

declare -A GO FB PT GORSS PTRSS
for r in $(seq "$ROUNDS"); do
	echo "round $r: load average $(cut -d' ' -f1-3 /proc/loadavg)"
	for k in $WIDTHS; do
		order="go torch"
		[ $((r % 2)) = 0 ] && order="torch go"
		for side in $order; do
			if [ "$side" = go ]; then
				mapfile -t v < <(gobench "BenchmarkEndToEndResNet$k")
				GO[$r,$k]=${v[0]}
				GORSS[$k]=${v[1]}
				mapfile -t v < <(gobench "BenchmarkTrainResNetK$k")
				FB[$r,$k]=${v[0]}
				echo "  k=$k Go: full step ${GO[$r,$k]} img/s, forward+backward ${FB[$r,$k]} img/s, peak RSS ${GORSS[$k]} MB"
			else
				mapfile -t v < <(torchbench "$k")
				PT[$r,$k]=${v[0]}
				PTRSS[$k]=${v[1]}
				echo "  k=$k PyTorch: full step ${PT[$r,$k]} img/s, peak RSS ${PTRSS[$k]} MB"
			fi
		done
	done
done
echo "after the last round: load average $(cut -d' ' -f1-3 /proc/loadavg)"

join() { local IFS=/; echo "$*" | sed 's|/| / |g'; }
echo
echo "| model | Go forward + backward | Go full step | PyTorch full step | Go / PyTorch | peak RSS Go / PyTorch |"
echo "| --- | --- | --- | --- | --- | --- |"
for k in $WIDTHS; do
	fb=() gs=() ps=() rs=()
	for r in $(seq "$ROUNDS"); do
		fb+=("$(printf %.0f "${FB[$r,$k]}")")
		gs+=("$(printf %.0f "${GO[$r,$k]}")")
		ps+=("$(printf %.0f "${PT[$r,$k]}")")
		rs+=("$(python3 -c "print('%.2f' % (${GO[$r,$k]} / ${PT[$r,$k]}))")")
	done
	echo "| ResNet-18-SI k = $k | $(join "${fb[@]}") | $(join "${gs[@]}") | $(join "${ps[@]}") | **$(join "${rs[@]}")** | ${GORSS[$k]} / ${PTRSS[$k]} MB |"
done
