// SPDX-License-Identifier: MIT
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { alloc, free, heapF32, index32 } from '../../src/core/memory.js';

beforeAll(() => cnn.ready());

describe('memory', () => {
  it('hands out 64-byte aligned, non-overlapping blocks and reuses freed ones', () => {
    const a = alloc(10);
    const b = alloc(100);
    expect(a % 64).toBe(0);
    expect(b % 64).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 64);
    free(a);
    const c = alloc(64);
    expect(c).toBe(a);
    free(b);
    free(c);
    expect(() => free(c)).toThrow(/not a live allocation/);
  });

  it('keeps tensors valid when the memory grows', () => {
    const x = cnn.tensor([1, 2, 3, 4], [2, 2]);
    const before = cnn.memoryStats().memoryBytes;
    const big = cnn.empty([64 * 1024 * 1024]); // 256 MiB forces a grow
    expect(cnn.memoryStats().memoryBytes).toBeGreaterThan(before);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4]);
    expect(heapF32()[index32(x.ptr)]).toBe(1);
    big.dispose();
    x.dispose();
  });

  it('scope() disposes what it made, keeps what it returns', () => {
    const live = cnn.memoryStats().liveBlocks;
    let inner: cnn.Tensor | null = null;
    const kept = cnn.scope(() => {
      inner = cnn.zeros([3]);
      return { y: cnn.tensor([1, 2], [2]) };
    });
    expect(inner!.disposed).toBe(true);
    expect(kept.y.disposed).toBe(false);
    expect(cnn.memoryStats().liveBlocks).toBe(live + 1);
    kept.y.dispose();
  });

  it('scope() disposes everything it made when fn throws', () => {
    const live = cnn.memoryStats().liveBlocks;
    expect(() =>
      cnn.scope(() => {
        cnn.zeros([8]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(cnn.memoryStats().liveBlocks).toBe(live);
  });
});

describe('tensor', () => {
  it('round-trips values and rejects a wrong value count', () => {
    const t = cnn.tensor(new Float32Array([1.5, -2, 3]), [3]);
    expect(Array.from(t.toArray())).toEqual([1.5, -2, 3]);
    expect(() => cnn.tensor([1, 2, 3], [2, 2])).toThrow(/expected 4 values for shape \[2, 2\], got 3/);
    t.dispose();
    expect(() => t.data).toThrow(cnn.DisposedError);
  });

  it('int32 tensors carry labels', () => {
    const t = cnn.tensor(new Int32Array([3, 1]), [2]);
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.data)).toEqual([3, 1]);
    t.dispose();
  });
});
