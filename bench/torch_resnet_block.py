# SPDX-License-Identifier: MIT
# PyTorch reference point for the ResNet basic block of bench/resnet-block.bench.ts:
# 16×32×32 → conv 16@3×3 p1 (no bias) → BatchNorm2d → relu → conv 16@3×3 p1 (no bias) →
# BatchNorm2d, + identity, relu → global average pool → fc 10; cross-entropy on logits, SGD
# lr 0.01 momentum 0.9, random data. bench/torch_lenet.py imports resnet_block() so that
# PyTorch stays one process per pass; run alone, this file prints its own JSON (one thread).
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

TRAIN, INFER = 64, 256  # bench/shapes.ts RESNET_TRAIN_BATCH, RESNET_INFER_BATCH


class BasicBlockNet(nn.Module):
    def __init__(self, channels=16, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)) + x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


def time_model(model, opt, x_train, y_train, x_infer, measure):
    """Training images/s (model.train(), one optimiser step per call on x_train) and inference
    images/s (model.eval() + no_grad on x_infer): the timing both PyTorch rows share."""
    last = {}

    def train_step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x_train), y_train)
        loss.backward()
        opt.step()
        last["loss"] = loss.item()

    def infer_step():
        with torch.no_grad():
            model(x_infer)

    model.train()
    train_s = measure(train_step)
    model.eval()
    infer_s = measure(infer_step)
    return {"trainImagesPerSecond": len(x_train) / train_s, "inferImagesPerSecond": len(x_infer) / infer_s, "loss": last["loss"]}


def resnet_block(measure):
    """time_model() of the block (batch 64 training, 256 inference), and the same 256 images in 4 calls of 64."""
    model = BasicBlockNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x_infer = torch.rand(INFER, 16, 32, 32) * 2 - 1
    row = time_model(model, opt, torch.rand(TRAIN, 16, 32, 32) * 2 - 1, torch.randint(0, 10, (TRAIN,)), x_infer, measure)

    # PyTorch 1.13's oneDNN convolution for this layer is several times slower per image at
    # batch >= 128 than at 64 (LeNet-5's is not), so the report shows both figures.
    def infer_in_64s():
        with torch.no_grad():
            for chunk in x_infer.split(TRAIN):
                model(chunk)

    return {**row, "inferIn64sImagesPerSecond": INFER / measure(infer_in_64s)}


if __name__ == "__main__":
    from torch_lenet import measure

    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(json.dumps({"threads": torch.get_num_threads(), **resnet_block(measure)}))
