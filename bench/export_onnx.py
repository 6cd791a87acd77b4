# SPDX-License-Identifier: MIT
# Writes the ONNX models onnxruntime-web runs in the threads table (bench/ort.bench.ts):
#   python3 bench/export_onnx.py <dir>
# <dir>/lenet5.onnx from bench/torch_lenet.py's LeNet5 and <dir>/resnet20.onnx from
# bench/torch_resnet20.py's ResNet(20), both in evaluation mode (batch norm on running
# statistics), batch fixed at 256, input "x" and output "y" (logits), through
# torch.onnx.export with constant folding. bench/run.mjs calls it at bench time, into
# node_modules/.cache/simdcnn-bench: no .onnx file is committed. Prints one JSON line.
import json
import os
import sys

import torch

from torch_lenet import LeNet5
from torch_resnet20 import ResNet, param_count

INFER = 256  # bench/shapes.ts LENET_INFER_BATCH, RESNET20_INFER_BATCH
OPSET = 13


def export(model, shape, path):
    model.eval()
    x = torch.rand(INFER, *shape)
    with torch.no_grad():
        torch.onnx.export(model, x, path, input_names=["x"], output_names=["y"], opset_version=OPSET, do_constant_folding=True)
    return {"path": path, "bytes": os.path.getsize(path), "params": param_count(model)}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    print(json.dumps({
        "torch": torch.__version__,
        "opset": OPSET,
        "lenet": export(LeNet5(), (1, 28, 28), os.path.join(out, "lenet5.onnx")),
        "resnet20": export(ResNet(20), (3, 32, 32), os.path.join(out, "resnet20.onnx")),
    }))


if __name__ == "__main__":
    main()
