# SPDX-License-Identifier: MIT
# PyTorch's side of the threads table (bench/run.mjs runs it once per thread count):
#   python3 bench/torch_threads.py N
# at torch.set_num_threads(N): LeNet-5 (bench/torch_lenet.py: Adam lr 1e-3, training at
# batch 64, inference at 256) and ResNet-20 (bench/torch_resnet20.py: SGD lr 0.01 momentum
# 0.9, training at batch 64, inference at 256 in one call and in 4 calls of 64). Prints one
# JSON object; each row also says how many cores the process kept busy while it was timed
# (CPU time over wall time), the check that N threads really worked.
import json
import sys
import time

import torch

from torch_lenet import LeNet5, measure
from torch_resnet20 import ResNet, param_count
from torch_resnet_block import time_model

TRAIN, INFER = 64, 256  # bench/shapes.ts LENET_* and RESNET20_* batches


def metered(runs):
    """measure() with `runs` timed runs, which also records the busy cores of each call in .cores."""
    def timed(fn):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        seconds = measure(fn, runs=runs)
        timed.cores.append((time.process_time() - cpu0) / (time.perf_counter() - wall0))
        return seconds
    timed.cores = []
    return timed


def row(model, opt, shape, runs, in64s=False):
    m = metered(runs)
    x_infer = torch.rand(INFER, *shape)
    out = time_model(model, opt, torch.rand(TRAIN, *shape), torch.randint(0, 10, (TRAIN,)), x_infer, m)
    if in64s:
        def infer_in_64s():
            with torch.no_grad():
                for chunk in x_infer.split(TRAIN):
                    model(chunk)
        out["inferIn64sImagesPerSecond"] = INFER / m(infer_in_64s)
    return {**out, "trainCores": m.cores[0], "inferCores": m.cores[1], "paramCount": param_count(model)}


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)  # after importing torch_lenet, which sets 1
    torch.manual_seed(0)
    lenet = LeNet5()
    resnet = ResNet(20)
    print(json.dumps({
        "version": torch.__version__,
        "python": sys.version.split()[0],
        "requested": threads,
        "threads": torch.get_num_threads(),
        "parallel": torch.__config__.parallel_info().split("\n")[:4],
        "lenet": row(lenet, torch.optim.Adam(lenet.parameters(), lr=1e-3), (1, 28, 28), 7),
        "resnet20": row(resnet, torch.optim.SGD(resnet.parameters(), lr=0.01, momentum=0.9), (3, 32, 32), 5, in64s=True),
    }))


if __name__ == "__main__":
    main()
