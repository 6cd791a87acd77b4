// SPDX-License-Identifier: MIT
// The wasm memory up to its 4 GiB limit (this file grows it, so it runs in its own process).
// Above 2 GiB, byte pointers exceed 2^31: an index computed as `ptr >> 2` went negative and
// copyBatchInto wrote nothing (a run printed losses 0.664, 0.0298, 0.0003 instead of 1.117,
// 1.114, 1.102). Near 4 GiB, a 10 MB request was refused with 107 MB free because the
// allocator asked the engine for a geometric step past the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { bytesAvailable } from '../../src/core/memory.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const GiB = 2 ** 30;
const fillers: cnn.Tensor[] = [];
afterAll(() => fillers.forEach((t) => t.dispose()));

/** Grows the heap until the next allocation starts above `bytes`. */
function fillTo(bytes: number): void {
  const probe = cnn.empty([16]);
  const top = probe.ptr;
  probe.dispose();
  if (top < bytes) fillers.push(cnn.empty([Math.ceil((bytes - top) / 4)]));
}

async function run(seed: number) {
  const data = cnn.data.Dataset.fromArrays(randomF32(24 * 784, seed, 0, 1), randomInts(24, 10, seed + 1), [1, 28, 28], 10);
  const model = cnn.models.lenet5({ seed });
  model.compile({ optimizer: cnn.optim.sgd({ lr: 0.05, momentum: 0.9 }), batchSize: 8 });
  const losses: number[] = [];
  await model.fit(data, { epochs: 2, seed, onBatchEnd: ({ loss }) => losses.push(loss) });
  const x = cnn.tensor(randomF32(3 * 784, seed + 2, 0, 1), [3, 1, 28, 28]);
  const out = model.predict(x);
  const result = { losses, logits: out.toArray(), paramPtr: model.plan.paramArena.ptr, inputPtr: x.ptr };
  for (const t of [x, out]) t.dispose();
  model.dispose();
  return result;
}

describe('memory above 2 GiB and up to the 4 GiB limit', () => {
  it('a model whose memory lies above 2 GiB trains and predicts exactly as one below', async () => {
    const low = await run(3);
    expect(low.paramPtr).toBeLessThan(2 ** 31);
    fillTo(2.2 * GiB);
    const high = await run(3);
    expect(high.paramPtr).toBeGreaterThan(2 ** 31);
    expect(high.inputPtr).toBeGreaterThan(2 ** 31);
    expect(high.losses).toEqual(low.losses);
    expect(Array.from(high.logits)).toEqual(Array.from(low.logits));
    expect(low.losses[0]).toBeGreaterThan(1.5); // a real loss, not the near-zero of a model training on zeros
  });

  it('tensors, views and batches above 2 GiB hold their values', () => {
    const t = cnn.tensor([1.5, -2, 3, 4], [4]);
    expect(t.ptr).toBeGreaterThan(2 ** 31);
    expect(Array.from(t.reshape([2, 2]).data)).toEqual([1.5, -2, 3, 4]);
    expect(Array.from(cnn.ops.relu(t).data)).toEqual([1.5, 0, 3, 4]);
    const data = cnn.data.Dataset.fromArrays(new Uint8Array([0, 255, 51, 102]), [3], [1, 2, 2], 4);
    const x = cnn.zeros([1, 1, 2, 2]);
    const y = cnn.zeros([1], 'int32');
    data.copyBatchInto(x, y, null, 0, 1);
    expect(Array.from(x.data)).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    expect(Array.from(y.data)).toEqual([3]);
  });

  it('near the limit, the allocator hands out every free byte, then throws OutOfMemoryError with the figures', () => {
    fillTo(3.9 * GiB);
    const left = bytesAvailable();
    expect(left).toBeLessThan(0.11 * GiB);
    expect(left).toBeGreaterThan(20e6);
    const ten = cnn.empty([2.5e6]); // 10 MB
    expect(Array.from(cnn.ops.relu(cnn.tensor([-1, 2], [2])).data)).toEqual([0, 2]);
    const rest = cnn.empty([Math.floor((bytesAvailable() - 4096) / 4)]);
    expect(bytesAvailable()).toBeLessThan(8192);
    let error: unknown;
    try {
      cnn.empty([25e6]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(cnn.OutOfMemoryError);
    expect((error as cnn.OutOfMemoryError).requested).toBe(1e8);
    expect((error as cnn.OutOfMemoryError).available).toBe(bytesAvailable());
    expect(String(error)).toMatch(/out of memory allocating tensor \[25000000\]: asked for 100000000 bytes, \d+ bytes left under the 4 GiB wasm limit/);
    rest.dispose();
    ten.dispose();
    expect(cnn.memoryStats().memoryBytes).toBeLessThanOrEqual(4 * GiB);
  });
});
