"""PyTorch reference for bench/speed.mjs: the same distillation step as src/engine/bcu/distill.ts.

One step = random crop (pad 4) of raw 0..255 pixels, scale to 0..1, teacher forward (eval mode,
no grad), student forward in training mode, KL(softmax(z_t/T) || softmax(z_s/T)) batch mean
(KLDivLoss 'batchmean', no T^2, as the engine's default), backward, SGD momentum 0.9 with weight
decay 5e-4 (torch.optim.SGD adds wd*w to the gradient, which src/engine/training/sgd.ts mirrors).

Driven over stdin so that bench/speed.mjs can alternate it with the engine step by step:
  python3 bench/torch_step.py --model small-cnn --batch 128 --threads 2
  stdin lines: "step" | "forward" | "quit"; stdout: one JSON object per command.
"""
import argparse
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCnn(nn.Module):
    """The 'small-cnn' preset of src/engine/attackLab/architectures.ts."""

    def __init__(self, channels, size, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        flat = 64 * ((size - 4) // 2) ** 2
        self.fc1 = nn.Linear(flat, 128)
        self.fc2 = nn.Linear(128, classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class PreActBlock(nn.Module):
    """BN-ReLU-conv x2, 1x1 projection shortcut on the pre-activation (He et al. 2016)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride, bias=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        short = self.shortcut(pre) if self.shortcut is not None else x
        y = self.conv2(F.relu(self.bn2(self.conv1(pre))))
        return y + short


class PreActResNet18(nn.Module):
    """The 'resnet18' preset: stem conv, [64,128,256,512] x 2 blocks, final BN-ReLU, GAP, linear."""

    def __init__(self, channels, classes):
        super().__init__()
        self.stem = nn.Conv2d(channels, 64, 3, 1, 1, bias=False)
        blocks, cin = [], 64
        for s, width in enumerate([64, 128, 256, 512]):
            for b in range(2):
                blocks.append(PreActBlock(cin, width, 2 if s > 0 and b == 0 else 1))
                cin = width
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(512)
        self.linear = nn.Linear(512, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.blocks(self.stem(x))))
        return self.linear(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def build(name, channels, size, classes):
    if name == "small-cnn":
        return SmallCnn(channels, size, classes)
    if name == "resnet18":
        return PreActResNet18(channels, classes)
    raise SystemExit(f"unknown model {name}")


def random_crop(x, pad):
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,)).tolist()
    dx = torch.randint(0, 2 * pad + 1, (n,)).tolist()
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--temperature", type=float, default=4.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    channels, size = (1, 28) if args.model == "small-cnn" else (3, 32)
    teacher = build(args.model, channels, size, 10).eval()
    student = build(args.model, channels, size, 10).train()
    opt = torch.optim.SGD(student.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    raw = torch.rand(args.batch, channels, size, size) * 255
    T = args.temperature

    def step():
        x = random_crop(raw, 4) / 255.0
        with torch.no_grad():
            zt = teacher(x)
        zs = student(x)
        loss = F.kl_div(F.log_softmax(zs / T, 1), F.log_softmax(zt / T, 1), reduction="batchmean", log_target=True)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    def forward():
        with torch.no_grad():
            return float(teacher(raw / 255.0)[0, 0])

    out = lambda obj: (sys.stdout.write(json.dumps(obj) + "\n"), sys.stdout.flush())
    out({"type": "ready", "torch": torch.__version__, "threads": torch.get_num_threads()})
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        start = time.perf_counter()
        value = step() if cmd == "step" else forward()
        ms = (time.perf_counter() - start) * 1000
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
        out({"type": cmd, "ms": ms, "value": value, "peakRssMb": peak})


if __name__ == "__main__":
    main()
