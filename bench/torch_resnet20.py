# SPDX-License-Identifier: MIT
# ResNet-20 in PyTorch, built exactly as src/models/resnet.ts builds cnn.models.resnet({ depth: 20 }):
# 3×32×32 → conv 16@3×3 p1 (no bias) → BatchNorm2d → relu → three stages of three basic
# blocks (16, 32, 64 filters; the second and third stages start with stride 2) → global
# average pool → fc 10. A basic block is conv3×3 (stride s, no bias) → BN → relu → conv3×3
# (no bias) → BN, + shortcut, relu; the shortcut is the identity, or a 1×1 conv (stride s, no
# bias) + BN where the shape changes (torchvision's projection; the paper pads with zeros).
# Convolutions start from Kaiming normal (fan in), as the TS side's 'heNormal'.
# 272,474 parameters, the TS model's paramCount (bench/run.mjs prints both).
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, in_channels, filters, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, filters, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(filters)
        self.conv2 = nn.Conv2d(filters, filters, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(filters)
        self.shortcut = None
        if stride != 1 or in_channels != filters:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, filters, 1, stride=stride, bias=False), nn.BatchNorm2d(filters))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ResNet(nn.Module):
    """depth = 6n + 2; width filters in the first stage, 2× and 4× in the next two."""

    def __init__(self, depth=20, width=16, in_channels=3, classes=10):
        super().__init__()
        assert depth >= 8 and (depth - 2) % 6 == 0, f"expected depth = 6n + 2, got {depth}"
        n = (depth - 2) // 6
        self.conv = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(width)
        blocks = []
        channels = width
        for stage in range(3):
            for block in range(n):
                filters = width << stage
                blocks.append(BasicBlock(channels, filters, 2 if stage > 0 and block == 0 else 1))
                channels = filters
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(channels, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")

    def forward(self, x):
        y = self.blocks(F.relu(self.bn(self.conv(x))))
        return self.fc(F.adaptive_avg_pool2d(y, 1).flatten(1))


def param_count(model):
    """Trainable parameters (BatchNorm's running statistics are buffers, not counted)."""
    return sum(p.numel() for p in model.parameters())


if __name__ == "__main__":
    print(param_count(ResNet(20)))
