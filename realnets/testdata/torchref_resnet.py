#!/usr/bin/python3
"""Writes the PyTorch reference outputs of ResNet-18-SI for the realnets golden test.

Run by hand with Debian's python3-torch (1.13), never by CI:

    /usr/bin/python3 realnets/testdata/torchref_resnet.py

It builds ResNet-18-SI as the official code defines it (the pre-activation
ResNet-18 of nets/resnet_si.py in tipt0p/three_regimes_on_the_sphere:
BatchNorm without affine parameters everywhere, a BatchNorm before the 1x1
shortcut convolution of each downsampling block, a final BatchNorm - ReLU -
AvgPool2d(4), and a linear last layer without bias), written here from that
description, at width k = 2 on 3x32x32 inputs with 10 classes. Weights and
inputs are given by the formula fill below, which the Go test computes too
(goldenFill in golden_test.go). It runs one train-mode forward and backward
pass on four images and writes torchref_resnet.json: the train-mode logits
and mean cross-entropy loss, the gradient of every parameter (the last layer
included), the BatchNorm running statistics after that step, and eval-mode
logits computed with them.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from torchref import fill, set_weights, write

torch.set_num_threads(1)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, affine=False)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, affine=False)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.short = stride != 1 or cin != cout
        if self.short:
            self.shortcut = nn.Sequential(nn.BatchNorm2d(cin, affine=False),
                                          nn.Conv2d(cin, cout, 1, stride=stride, bias=False))

    def forward(self, x):
        a = F.relu(self.bn1(x))
        s = self.shortcut(a) if self.short else x
        return self.conv2(F.relu(self.bn2(self.conv1(a)))) + s


class ResNetSI(nn.Module):
    def __init__(self, k, cin, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, k, 3, padding=1, bias=False)
        c = k
        for stage in range(4):
            cout = k << stage
            stride = 1 if stage == 0 else 2
            blocks = [Block(c, cout, stride), Block(cout, cout, 1)]
            setattr(self, "layer%d" % (stage + 1), nn.Sequential(*blocks))
            c = cout
        self.bn = nn.BatchNorm2d(c, affine=False)
        self.linear = nn.Linear(c, classes, bias=False)

    def forward(self, x):
        x = self.conv1(x)
        for stage in range(4):
            x = getattr(self, "layer%d" % (stage + 1))(x)
        x = F.avg_pool2d(F.relu(self.bn(x)), 4)
        return self.linear(x.flatten(1))

    def bns(self):
        """The BatchNorm layers in the Go model's Buffers order, with their names."""
        out = []
        for stage in range(4):
            for b, blk in enumerate(getattr(self, "layer%d" % (stage + 1))):
                pre = "layer%d.%d." % (stage + 1, b)
                out += [(pre + "bn1", blk.bn1), (pre + "bn2", blk.bn2)]
                if blk.short:
                    out.append((pre + "shortcut.0", blk.shortcut[0]))
        return out + [("bn", self.bn)]


def main():
    n, k = 4, 2
    m = ResNetSI(k, 3, 10)
    named = list(m.named_parameters())
    names = [name for name, _ in named]
    params = [p for _, p in named]
    # Weight k gets scale 1/sqrt(fan_in); the last layer 0.5.
    scales = [1 / math.sqrt(p[0].numel()) for p in params[:-1]] + [0.5]
    set_weights(m, list(zip(params, scales)))
    x = fill(n * 3 * 32 * 32, 100, 1.0).view(n, 3, 32, 32)
    y = torch.tensor([(3 * i + 1) % 10 for i in range(n)])

    m.train()
    logits = m(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    m.eval()
    with torch.no_grad():
        eval_logits = m(x)
    out = {
        "width": k,
        "n": n,
        "logits": logits.detach().flatten().tolist(),
        "loss": loss.item(),
        "eval_logits": eval_logits.flatten().tolist(),
        "grads": {name: p.grad.flatten().tolist() for name, p in zip(names, params)},
        "buffers": {},
    }
    for name, bn in m.bns():
        out["buffers"][name + ".running_mean"] = bn.running_mean.tolist()
        out["buffers"][name + ".running_var"] = bn.running_var.tolist()
    write("torchref_resnet.json", out)


if __name__ == "__main__":
    main()
