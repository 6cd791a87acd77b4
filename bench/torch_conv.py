# SPDX-License-Identifier: MIT
# PyTorch reference point for issue 7's layers (bench/shapes.ts LAYER_CASES), pass by pass:
# forward torch.nn.functional.conv2d, and the two halves of the backward through
# torch.ops.aten.convolution_backward — the op autograd runs for conv2d — with output_mask
# selecting dx only (backward-data) or dw only (backward-filter), so each pass is timed alone.
# (torch.nn.grad.conv2d_weight is a Python-level grouped-conv emulation in 1.13, far slower than
# what training runs, so it is not used.) bench/torch_lenet.py imports conv_layers() so that
# PyTorch stays one process per pass; run alone, this file prints its own JSON (one thread).
import json

import torch
import torch.nn.functional as F

BATCH = 16  # bench/shapes.ts LAYER_BATCH
# name, x (NCHW), w (OIHW), stride, padding, groups: bench/shapes.ts LAYER_CASES
LAYER_CASES = [
    ("VGG 3×3", (BATCH, 64, 56, 56), (64, 64, 3, 3), 1, 1, 1),
    ("depthwise 3×3", (BATCH, 32, 56, 56), (32, 1, 3, 3), 1, 1, 32),
]


def conv_layers(measure):
    """[{name, pass, seconds}] for every case and pass, timed by measure(fn) (median seconds per call)."""
    rows = []
    for name, xs, ws, stride, padding, groups in LAYER_CASES:
        x = torch.rand(xs) * 2 - 1
        w = torch.rand(ws) * 2 - 1
        y = F.conv2d(x, w, None, stride, padding, 1, groups)
        dy = torch.rand(y.shape) * 2 - 1

        def backward(mask):
            return lambda: torch.ops.aten.convolution_backward(dy, x, w, None, [stride] * 2, [padding] * 2, [1, 1], False, [0, 0], groups, mask)

        with torch.no_grad():
            passes = [
                ("forward", lambda: F.conv2d(x, w, None, stride, padding, 1, groups)),
                ("backward-data", backward([True, False, False])),
                ("backward-filter", backward([False, True, False])),
            ]
            for pass_name, fn in passes:
                rows.append({"name": name, "pass": pass_name, "seconds": measure(fn)})
    return rows


if __name__ == "__main__":
    from torch_lenet import measure

    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(json.dumps({"threads": torch.get_num_threads(), "layer": conv_layers(measure)}))
