#!/usr/bin/python3
"""Writes PyTorch reference outputs for the realnets golden test.

Run by hand with Debian's python3-torch (1.13), never by CI:

    /usr/bin/python3 realnets/testdata/torchref.py

It builds ConvNetSI (width 4, 1x32x32 inputs, 10 classes) and the SI MLP
(sizes 64-32-16-10) with weights and inputs given by formulas that the Go test
computes too (see fill below and goldenFill in golden_test.go), runs one
train-mode forward and backward pass on a few images, and writes to
torchref_convnet.json and torchref_mlp.json: the train-mode logits and mean
cross-entropy loss, the gradient of every parameter (head included), the
BatchNorm running statistics after that step, and eval-mode logits computed
with them.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))


def fill(n, k, scale):
    """Deterministic values scale*sin(0.7*i + 1.3*k + 0.1), i = 0..n-1, in float64 then float32."""
    return torch.tensor([scale * math.sin(0.7 * i + 1.3 * k + 0.1) for i in range(n)],
                        dtype=torch.float64).float()


class ConvNetSI(nn.Module):
    def __init__(self, c, classes):
        super().__init__()
        widths = [(1, c), (c, 2 * c), (2 * c, 4 * c), (4 * c, 8 * c)]
        self.convs = nn.ModuleList([nn.Conv2d(i, o, 3, padding=1, bias=False) for i, o in widths])
        self.bns = nn.ModuleList([nn.BatchNorm2d(o, affine=False) for _, o in widths])
        self.fc = nn.Linear(8 * c, classes)

    def forward(self, x):
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            x = F.relu(bn(conv(x)))
            if i > 0:
                x = F.max_pool2d(x, 2)
        x = F.max_pool2d(x, 4)
        return self.fc(x.flatten(1))


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.fcs = nn.ModuleList([nn.Linear(a, b, bias=False) for a, b in zip(sizes[:-2], sizes[1:-1])])
        self.bns = nn.ModuleList([nn.BatchNorm1d(b, affine=False) for b in sizes[1:-1]])
        self.fc = nn.Linear(sizes[-2], sizes[-1])

    def forward(self, x):
        x = x.flatten(1)
        for fc, bn in zip(self.fcs, self.bns):
            x = F.relu(bn(fc(x)))
        return self.fc(x)


def set_weights(model, weights):
    """weights: list of (param, scale) in the Go model's Params order."""
    for k, (p, scale) in enumerate(weights):
        with torch.no_grad():
            p.copy_(fill(p.numel(), k, scale).view_as(p))


def run(model, params, names, bns, x, y):
    model.train()
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    out = {
        "logits": logits.detach().flatten().tolist(),
        "loss": loss.item(),
        "eval_logits": eval_logits.flatten().tolist(),
        "grads": {name: p.grad.flatten().tolist() for name, p in zip(names, params)},
        "buffers": {},
    }
    for i, bn in enumerate(bns):
        out["buffers"]["bn%d.running_mean" % i] = bn.running_mean.tolist()
        out["buffers"]["bn%d.running_var" % i] = bn.running_var.tolist()
    return out


def write(name, out):
    def rnd(v):
        if isinstance(v, float):
            return float("%.8g" % v)
        if isinstance(v, list):
            return [rnd(a) for a in v]
        if isinstance(v, dict):
            return {k: rnd(a) for k, a in v.items()}
        return v
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(rnd(out), f, separators=(",", ":"))
        f.write("\n")


def main():
    n = 4
    # ConvNetSI, width 4. Weight k gets scale 1/sqrt(fan_in); the head 0.5.
    c = 4
    m = ConvNetSI(c, 10)
    params = [conv.weight for conv in m.convs] + [m.fc.weight, m.fc.bias]
    names = ["conv%d.weight" % i for i in range(4)] + ["fc.weight", "fc.bias"]
    scales = [1 / math.sqrt(conv.weight[0].numel()) for conv in m.convs] + [0.5, 0.5]
    set_weights(m, list(zip(params, scales)))
    x = fill(n * 32 * 32, 100, 1.0).view(n, 1, 32, 32)
    y = torch.tensor([i % 10 for i in range(n)])
    write("torchref_convnet.json", dict(width=c, n=n, **run(m, params, names, m.bns, x, y)))

    # SI MLP 64-32-16-10 on 8 inputs of size 64.
    n = 8
    sizes = [64, 32, 16, 10]
    m = MLP(sizes)
    params = [fc.weight for fc in m.fcs] + [m.fc.weight, m.fc.bias]
    names = ["fc%d.weight" % i for i in range(len(m.fcs))] + ["fc.weight", "fc.bias"]
    scales = [1 / math.sqrt(fc.weight.shape[1]) for fc in m.fcs] + [0.5, 0.5]
    set_weights(m, list(zip(params, scales)))
    x = fill(n * 64, 100, 1.0).view(n, 64)
    y = torch.tensor([(3 * i) % 10 for i in range(n)])
    write("torchref_mlp.json", dict(sizes=sizes, n=n, **run(m, params, names, m.bns, x, y)))


if __name__ == "__main__":
    main()
