#!/usr/bin/python3
"""Measures PyTorch's training speed and peak memory on the realnets models.

Run by hand with Debian's python3-torch (1.13), never by CI, one model per
process so that the peak RSS is the model's own:

    OMP_WAIT_POLICY=passive /usr/bin/python3 realnets/testdata/torchbench.py convnet 16 2
    OMP_WAIT_POLICY=passive /usr/bin/python3 realnets/testdata/torchbench.py resnet 8 2
    /usr/bin/python3 realnets/testdata/torchbench.py mlp 0 1

Arguments: model (convnet, resnet or mlp), width (ConvNetSI's c or
ResNet-18-SI's k, defined in torchref_resnet.py; ignored for the MLP), threads (torch.set_num_threads). OMP_WAIT_POLICY=passive stops idle
OpenMP threads from spinning, which matters on a shared 2-core machine (the
MLP at 2 threads runs 9,000-14,000 img/s without it, 32,500 with it).

Debian's torch runs linear layers through the system libblas.so.3 (its
build says BLAS_INFO=generic); when that alternative is netlib's reference
BLAS rather than OpenBLAS the MLP is about 20 times slower (2,000 img/s
instead of 32,500-43,000 here), so the script prints which library is
loaded. To measure with OpenBLAS without changing the system:

    cd /tmp && apt-get download libopenblas0-pthread && dpkg-deb -x libopenblas0-pthread_*.deb ob
    LD_LIBRARY_PATH=/tmp/ob/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 realnets/testdata/torchbench.py mlp 0 1

Convolutions use oneDNN (MKL-DNN) and are not affected.

It times a full training step (forward, backward, SGD step without momentum
or weight decay) at batch 128 on random data already in memory (1x32x32
images for ConvNetSI and ResNet-18-SI, 784 inputs for the MLP 784-256-256-10), after warm-up,
and prints one line: model, width, threads, images per second, peak RSS in
MB (ru_maxrss). The Go side is BenchmarkEndToEnd* in bench_train_test.go
(gather a shuffled MNIST batch, forward, backward and the fixed-ELR sphere
step) and BenchmarkTrainConvNetC8/C16/C32 and BenchmarkTrainMLP in
bench_model_test.go (forward and backward only); for ResNet-18-SI BenchmarkEndToEndResNet4/8/16
and BenchmarkTrainResNetK4/K8/K16.
"""
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvNetSI(nn.Module):
    def __init__(self, c, classes=10):
        super().__init__()
        widths = [(1, c), (c, 2 * c), (2 * c, 4 * c), (4 * c, 8 * c)]
        self.convs = nn.ModuleList([nn.Conv2d(i, o, 3, padding=1, bias=False) for i, o in widths])
        self.bns = nn.ModuleList([nn.BatchNorm2d(o, affine=False) for _, o in widths])
        self.fc = nn.Linear(8 * c, classes)
        self.fc.weight.requires_grad_(False)
        self.fc.bias.requires_grad_(False)

    def forward(self, x):
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            x = F.relu(bn(conv(x)))
            if i > 0:
                x = F.max_pool2d(x, 2)
        x = F.max_pool2d(x, 4)
        return self.fc(x.flatten(1))


def mlp():
    m = nn.Sequential(
        nn.Linear(784, 256, bias=False), nn.BatchNorm1d(256, affine=False), nn.ReLU(),
        nn.Linear(256, 256, bias=False), nn.BatchNorm1d(256, affine=False), nn.ReLU(),
        nn.Linear(256, 10))
    for p in m[-1].parameters():
        p.requires_grad_(False)
    return m


def main():
    which, width, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    n = 128
    if which == "convnet":
        model = ConvNetSI(width)
        x = torch.randn(n, 1, 32, 32)
    elif which == "resnet":
        from torchref_resnet import ResNetSI
        model = ResNetSI(width, 1, 10)
        model.linear.weight.requires_grad_(False)
        x = torch.randn(n, 1, 32, 32)
    else:
        model = mlp()
        x = torch.randn(n, 784)
    y = torch.randint(0, 10, (n,))
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01)
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 5 or steps < 10:
        step()
        steps += 1
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    blas = "?"
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        blas = ",".join(sorted(os.path.realpath(p) for p in libs)) or "none"
    except OSError:
        pass
    print("%s width=%d threads=%d img/s=%.0f peak_rss_mb=%.0f blas=%s" % (which, width, threads, steps * n / dt, rss, blas))


if __name__ == "__main__":
    main()
