# SPDX-License-Identifier: MIT
# PyTorch reference point for bench/run.mjs: the same LeNet-5 as cnn.models.lenet5()
# (article 003), one thread, Adam lr 1e-3, cross-entropy on logits, random data.
# Prints one JSON object: training images/s at batch 64, inference images/s at batch 256,
# under "resnet" the same two figures for the ResNet basic block
# (bench/torch_resnet_block.py), and under "layer" issue 7's layers pass by pass
# (bench/torch_conv.py), measured in this process after LeNet-5.
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_conv import conv_layers
from torch_resnet_block import resnet_block, time_model

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass
torch.manual_seed(0)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def measure(fn, warmup_s=0.5, runs=7, min_run_s=0.15):
    """Median seconds per call, after warm-up; each run repeats fn for at least min_run_s."""
    t0 = time.perf_counter()
    done = 0
    while done < 2 or time.perf_counter() - t0 < warmup_s:
        fn()
        done += 1
    per_call = (time.perf_counter() - t0) / done
    calls = max(1, int(min_run_s / per_call + 0.999))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t0) / calls)
    return statistics.median(times)


def main():
    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    row = time_model(model, opt, torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,)), torch.rand(256, 1, 28, 28), measure)
    print(json.dumps({
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        **row,
        "python": sys.version.split()[0],
        "resnet": resnet_block(measure),
        "layer": conv_layers(measure),
    }))


if __name__ == "__main__":
    main()
