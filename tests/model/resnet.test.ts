// SPDX-License-Identifier: MIT
// cnn.models.resnet: the CIFAR-style 6n + 2 networks. Parameter counts from the layer
// table written out independently (He et al. §4.2 with projection shortcuts).
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';

beforeAll(() => cnn.ready());

/** Parameters of a 6n+2 ResNet with widths w, 2w, 4w, projection shortcuts, c input channels. */
function expectedParams(depth: number, w: number, c: number, classes: number): number {
  const n = (depth - 2) / 6;
  const conv = (cin: number, cout: number, k: number) => cin * cout * k * k;
  const bn = (ch: number) => 2 * ch;
  let total = conv(c, w, 3) + bn(w);
  let cin = w;
  for (const width of [w, 2 * w, 4 * w]) {
    for (let b = 0; b < n; b++) {
      total += conv(cin, width, 3) + bn(width) + conv(width, width, 3) + bn(width);
      if (cin !== width) total += conv(cin, width, 1) + bn(width);
      cin = width;
    }
  }
  return total + 4 * w * classes + classes;
}

describe('models.resnet', () => {
  it.each([
    [8, 8, [1, 28, 28]],
    [20, 16, [3, 32, 32]],
    [32, 16, [3, 32, 32]],
  ] as const)('depth %i width %i input %j: layer table, parameters, output', (depth, width, inputShape) => {
    const model = cnn.models.resnet({ depth, width, inputShape, numClasses: 10 });
    expect(model.paramCount).toBe(expectedParams(depth, width, inputShape[0], 10));
    expect(model.outputShape).toEqual([10]);
    expect(model.nodes.filter((n) => n.kind === 'add')).toHaveLength(3 * ((depth - 2) / 6));
    expect(model.nodes.filter((n) => n.kind === 'conv2d')).toHaveLength(depth - 1 + 2);
    const last = model.nodes.filter((n) => n.kind === 'add').pop()!;
    expect(last.outputShape).toEqual([4 * width, Math.ceil(inputShape[1] / 4), Math.ceil(inputShape[2] / 4)]);
    model.dispose();
  });

  it("ResNet-20 for CIFAR-10: the paper's 0.27 M (269,722 with zero-padding shortcuts) plus two 1×1 projections with BN", () => {
    const model = cnn.models.resnet({ depth: 20 });
    expect(model.paramCount).toBe(269722 + (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64));
    model.dispose();
  });

  it('rejects depths that are not 6n + 2 and unknown options', () => {
    expect(() => cnn.models.resnet({ depth: 18 })).toThrow(/expected depth = 6n \+ 2 \(8, 14, 20, 32, 44, 56 …\), got 18/);
    expect(() => cnn.models.resnet({ deep: 20 } as never)).toThrow(/resnet: unknown option 'deep'/);
  });
});
