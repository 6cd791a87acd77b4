// SPDX-License-Identifier: MIT
// The IDX reader and Dataset against the bundled Fashion-MNIST subset, decoded a second time
// here with node:zlib and plain byte arithmetic as the independent truth.
import { existsSync, readFileSync } from 'node:fs';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as cnn from '../../src/index.js';
import { bundledDataDir, loadFashionMnist } from '../../src/data/node.js';
import { countAllocations } from '../helpers/alloc-counter.js';
import { expectClose } from '../helpers/close.js';
import { randomF32, randomInts, rng } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const dir = bundledDataDir();
const gz = (name: string) => new Uint8Array(readFileSync(join(dir, `${name}.gz`)));
const raw = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(dir, `${name}.gz`))));
const be32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

/** Copies rows [start, start+count) of `d` out of wasm memory, with their labels. */
function batch(d: cnn.data.Dataset, order: Uint32Array | null, start: number, count: number) {
  const [c, h, w] = d.imageShape;
  const x = cnn.empty([count, c, h, w]);
  const y = cnn.zeros([count], 'int32');
  d.copyBatchInto(x, y, order, start, count);
  const out = { x: x.toArray(), y: Array.from(y.toArray()) };
  x.dispose();
  y.dispose();
  return out;
}

/** A Fisher–Yates permutation of 0..n-1 from the tests' own generator. */
function permutation(n: number, seed: number): Uint32Array {
  const r = rng(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

describe('bundled Fashion-MNIST subset', () => {
  it('gzipped: 10,000 train / 2,000 test, 1×28×28, labels 0..9 equal to the raw label bytes', async () => {
    const { train, test } = await loadFashionMnist(dir);
    expect(train.length).toBe(10000);
    expect(test.length).toBe(2000);
    expect(train.imageShape).toEqual([1, 28, 28]);
    expect(test.imageShape).toEqual([1, 28, 28]);
    expect(train.numClasses).toBe(10);
    expect(test.numClasses).toBe(10);
    for (const [d, name] of [
      [train, 'train-labels-idx1-ubyte'],
      [test, 't10k-labels-idx1-ubyte'],
    ] as const) {
      const bytes = raw(name);
      expect(be32(bytes, 0)).toBe(0x801);
      expect(be32(bytes, 4)).toBe(d.length);
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i++) {
        expect(d.label(i)).toBe(bytes[8 + i]);
        seen.add(d.label(i));
      }
      expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('first training image: pixels = bytes/255, sum and mean match a node:zlib decode', async () => {
    const train = await cnn.data.loadIdx(gz('train-images-idx3-ubyte'), gz('train-labels-idx1-ubyte'));
    const bytes = raw('train-images-idx3-ubyte');
    expect(be32(bytes, 0)).toBe(0x803);
    expect([be32(bytes, 4), be32(bytes, 8), be32(bytes, 12)]).toEqual([10000, 28, 28]);
    const pixels = bytes.subarray(16, 16 + 784);
    let sum = 0;
    let max = 0;
    for (const p of pixels) {
      sum += p / 255;
      max = Math.max(max, p);
    }
    const { x } = batch(train, null, 0, 1);
    let got = 0;
    for (const v of x) got += v;
    expect(sum).toBeGreaterThan(0);
    expectClose([got, got / 784, Math.max(...x)], [sum, sum / 784, max / 255], { rtol: 1e-6, atol: 1e-6, label: 'image 0 sum/mean/max' });
    expectClose(x, Array.from(pixels, (p) => p / 255), { rtol: 1e-7, atol: 0, shape: [1, 1, 28, 28], label: 'image 0' });
  });

  it('plain (uncompressed) bytes and ArrayBuffers load the same as gzipped', async () => {
    const plainX = raw('t10k-images-idx3-ubyte');
    const plainY = raw('t10k-labels-idx1-ubyte');
    const a = await cnn.data.loadIdx(plainX, plainY.slice().buffer);
    const b = await cnn.data.loadIdx(gz('t10k-images-idx3-ubyte'), gz('t10k-labels-idx1-ubyte'));
    expect(a.length).toBe(2000);
    const order = permutation(2000, 7);
    const ba = batch(a, order, 1990, 10);
    const bb = batch(b, order, 1990, 10);
    expect(ba.y).toEqual(bb.y);
    expect(Array.from(ba.x)).toEqual(Array.from(bb.x));
  });

  it('gunzipIfNeeded: passes plain bytes through, inflates gzip like node:zlib', async () => {
    const plain = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 4, 2]);
    expect(await cnn.data.gunzipIfNeeded(plain)).toBe(plain);
    const big = raw('t10k-images-idx3-ubyte');
    const inflated = await cnn.data.gunzipIfNeeded(new Uint8Array(gzipSync(big)));
    expect(inflated.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(inflated), Buffer.from(big))).toBe(0);
  });

  it('loadFashionMnist names the missing file and the directory; bundledDataDir finds data/', async () => {
    expect(existsSync(join(dir, 'train-images-idx3-ubyte.gz'))).toBe(true);
    expect(dir.replace(/\\/g, '/')).toMatch(/\/data\/fashion-mnist$/);
    const empty = mkdtempSync(join(tmpdir(), 'simdcnn-idx-'));
    const partial = mkdtempSync(join(tmpdir(), 'simdcnn-idx-'));
    for (const name of ['train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz']) copyFileSync(join(dir, name), join(partial, name));
    try {
      await expect(loadFashionMnist(empty)).rejects.toThrow(cnn.ValueError);
      // The same directory always names the same file, the first missing one in file order
      // (the four reads race; reporting whichever failed first named a random one 1 run in 6).
      const escaped = empty.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
      for (let i = 0; i < 30; i++) {
        await expect(loadFashionMnist(empty)).rejects.toThrow(new RegExp(`expected train-images-idx3-ubyte\\.gz or train-images-idx3-ubyte in ${escaped}`));
        await expect(loadFashionMnist(partial)).rejects.toThrow(/expected train-labels-idx1-ubyte\.gz or train-labels-idx1-ubyte in/);
      }
    } finally {
      rmSync(empty, { recursive: true });
      rmSync(partial, { recursive: true });
    }
  });
});

describe('IDX format errors', () => {
  const labels = () => raw('t10k-labels-idx1-ubyte');

  it('a PNG is not IDX → FormatError naming 0x00000803 and the magic that came', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    expect(() => cnn.data.parseIdx(png)).toThrow(cnn.FormatError);
    expect(() => cnn.data.parseIdx(png)).toThrow(/expected magic 0x00000803.*got 0x89504e47/);
    await expect(cnn.data.loadIdx(png, labels())).rejects.toThrow(cnn.FormatError);
    expect(() => cnn.data.parseIdx(new Uint8Array([0, 0]))).toThrow(/got 2 bytes/);
  });

  it('images and labels swapped → FormatError expecting 0x00000803', async () => {
    await expect(cnn.data.loadIdx(labels(), raw('t10k-images-idx3-ubyte'))).rejects.toThrow(/expected magic 0x00000803.*got 0x00000801/);
  });

  it('truncated file → FormatError with the expected and actual byte counts', async () => {
    const images = raw('t10k-images-idx3-ubyte');
    const cut = images.subarray(0, images.length - 100);
    expect(() => cnn.data.parseIdx(cut)).toThrow(cnn.FormatError);
    expect(() => cnn.data.parseIdx(cut)).toThrow(`expected ${16 + 2000 * 784} bytes for dims [2000, 28, 28], got ${16 + 2000 * 784 - 100}`);
    expect(() => cnn.data.parseIdx(images.subarray(0, 10))).toThrow(/header of 16 bytes/);
    const gzCut = gz('t10k-labels-idx1-ubyte').subarray(0, 200);
    await expect(cnn.data.gunzipIfNeeded(gzCut)).rejects.toThrow(cnn.FormatError);
  });

  it('10,000 images with 2,000 labels → FormatError count mismatch', async () => {
    await expect(cnn.data.loadIdx(gz('train-images-idx3-ubyte'), gz('t10k-labels-idx1-ubyte'))).rejects.toThrow(
      /count mismatch: expected 10000 labels for 10000 images, got 2000/,
    );
  });

  it('type code 0x0d (float) → FormatError: only unsigned bytes', () => {
    const f = new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0x80, 0x3f]);
    expect(() => cnn.data.parseIdx(f)).toThrow(cnn.FormatError);
    expect(() => cnn.data.parseIdx(f)).toThrow(/expected type code 0x08 \(unsigned byte\), got 0x0d \(float\)/);
  });
});

describe('Dataset', () => {
  // An odd image shape [3, 5, 7] (105 values: not a multiple of 4) and 17 items.
  const shape = [3, 5, 7] as const;
  const n = 17;
  const size = 3 * 5 * 7;
  const images = randomF32(n * size, 11);
  const labelValues = Array.from(randomInts(n, 4, 12));
  const d = cnn.data.Dataset.fromArrays(images, labelValues, shape, 6);

  it('copyBatchInto x=[8,3,5,7] order=perm(17) start=5 count=6: equals a manual gather, rows 6..7 untouched', () => {
    const order = permutation(n, 3);
    const x = cnn.tensor(new Float32Array(8 * size).fill(-7), [8, 3, 5, 7]);
    const y = cnn.tensor(new Int32Array(8).fill(-1), [8], 'int32');
    const before = cnn.memoryStats();
    d.copyBatchInto(x, y, order, 5, 6);
    const after = cnn.memoryStats();
    expect(after.allocations).toBe(before.allocations);
    const want = new Float32Array(8 * size).fill(-7);
    const wantY = new Array(8).fill(-1);
    for (let r = 0; r < 6; r++) {
      const item = order[5 + r];
      for (let j = 0; j < size; j++) want[r * size + j] = images[item * size + j];
      wantY[r] = labelValues[item];
    }
    expect(Array.from(x.data)).toEqual(Array.from(want));
    expect(Array.from(y.data)).toEqual(wantY);
    x.dispose();
    y.dispose();
  });

  it('copyBatchInto from bytes: order=perm(2000) start=100 count=33 into x=[33,784] equals bytes/255', async () => {
    const test = await cnn.data.loadIdx(gz('t10k-images-idx3-ubyte'), gz('t10k-labels-idx1-ubyte'));
    const bytes = raw('t10k-images-idx3-ubyte');
    const order = permutation(2000, 5);
    const x = cnn.empty([33, 784]);
    test.copyBatchInto(x, null, order, 100, 33);
    const want = new Float64Array(33 * 784);
    for (let r = 0; r < 33; r++) for (let j = 0; j < 784; j++) want[r * 784 + j] = bytes[16 + order[100 + r] * 784 + j] / 255;
    expectClose(x.data, want, { rtol: 1e-7, atol: 0, shape: [33, 784], label: 'gathered bytes' });
    x.dispose();
  });

  it('copyBatchInto allocates no typed array, ArrayBuffer or wasm block (bytes and f32 sources)', async () => {
    const test = await cnn.data.loadIdx(gz('t10k-images-idx3-ubyte'), gz('t10k-labels-idx1-ubyte'));
    const order = permutation(2000, 9);
    const xb = cnn.empty([64, 1, 28, 28]);
    const xf = cnn.empty([8, 3, 5, 7]);
    const y = cnn.empty([64], 'int32');
    test.copyBatchInto(xb, y, order, 0, 64); // warm up
    const want = xb.toArray();
    const wasm = cnn.memoryStats().allocations;
    // countAllocations counts constructors; the views-from-views methods are spied on the
    // shared %TypedArray% prototype here as well.
    const typedProto = Object.getPrototypeOf(Uint8Array.prototype) as Uint8Array;
    const spies = (['subarray', 'slice', 'map', 'filter'] as const).map((m) => vi.spyOn(typedProto, m));
    const counter = countAllocations();
    try {
      test.copyBatchInto(xb, y, order, 0, 64);
      d.copyBatchInto(xf, y, null, 3, 8);
      expect(counter.count()).toBe(0);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      counter.uninstall();
      for (const spy of spies) spy.mockRestore();
    }
    expect(cnn.memoryStats().allocations).toBe(wasm);
    expect(Array.from(xb.data)).toEqual(Array.from(want));
    for (const t of [xb, xf, y]) t.dispose();
  });

  it('numClasses: largest label + 1 by default, the given count otherwise', () => {
    expect(cnn.data.Dataset.fromArrays(new Uint8Array(3), [0, 4, 2], [1, 1, 1]).numClasses).toBe(5);
    expect(d.numClasses).toBe(6);
    expect(() => cnn.data.Dataset.fromArrays(new Uint8Array(3), [0, 4, 2], [1, 1, 1], 4)).toThrow(cnn.ValueError);
  });

  it('slice(4, 13) is a view: labels and batches equal the parent rows 4..12', () => {
    const s = d.slice(4, 13);
    expect(s.length).toBe(9);
    expect(s.numClasses).toBe(6);
    for (let i = 0; i < 9; i++) expect(s.label(i)).toBe(labelValues[4 + i]);
    const a = batch(s, null, 0, 9);
    expect(Array.from(a.x)).toEqual(Array.from(images.subarray(4 * size, 13 * size)));
    expect(s.slice(2, 2).length).toBe(0);
  });

  it('slice / label bounds → ValueError', () => {
    expect(() => d.slice(-1, 3)).toThrow(cnn.ValueError);
    expect(() => d.slice(5, 4)).toThrow(/expected an integer in \[5, 17\], got 4/);
    expect(() => d.slice(0, 18)).toThrow(cnn.ValueError);
    expect(() => d.slice(1.5, 3)).toThrow(cnn.ValueError);
    expect(() => d.slice(3, 8).slice(0, 6)).toThrow(cnn.ValueError);
    expect(() => d.label(17)).toThrow(cnn.ValueError);
    expect(() => d.slice(3, 8).label(5)).toThrow(cnn.ValueError);
  });

  it('copyBatchInto validates x, labels, order and the range', () => {
    const x = cnn.empty([4, 3, 5, 7]);
    const y = cnn.empty([4], 'int32');
    expect(() => d.copyBatchInto(x, y, null, 14, 4)).toThrow(/start \+ count ≤ dataset length 17, got start 14, count 4/);
    expect(() => d.copyBatchInto(x, y, null, 0, 5)).toThrow(cnn.ShapeError);
    expect(() => d.copyBatchInto(x, y, new Uint32Array([0, 1, 17, 2]), 0, 4)).toThrow(/expected order\[2\] < 17/);
    expect(() => d.copyBatchInto(x, y, new Uint32Array(3), 0, 4)).toThrow(/order.length 3/);
    expect(() => d.copyBatchInto(x, y, null, 13, 4)).not.toThrow();
    const wrongX = cnn.empty([4, 3, 7, 5]);
    expect(() => d.copyBatchInto(wrongX, null, null, 0, 4)).toThrow(/expected x of shape \[≥4, 3, 5, 7\] or \[≥4, 105\], got \[4, 3, 7, 5\]/);
    const fy = cnn.empty([4]);
    expect(() => d.copyBatchInto(x, fy as unknown as cnn.Tensor<'int32'>, null, 0, 4)).toThrow(cnn.DTypeError);
    const ix = cnn.empty([4, 3, 5, 7], 'int32');
    expect(() => d.copyBatchInto(ix as unknown as cnn.Tensor, null, null, 0, 4)).toThrow(cnn.DTypeError);
    for (const t of [x, y, wrongX, fy, ix]) t.dispose();
  });

  it('fromArrays validates counts, shape and labels', () => {
    expect(() => cnn.data.Dataset.fromArrays(new Float32Array(10), [0, 1], [1, 2, 3])).toThrow(/expected 12 image values for 2 labels × \[1, 2, 3\], got 10/);
    expect(() => cnn.data.Dataset.fromArrays(new Float32Array(6), [0, 1], [2, 3])).toThrow(cnn.ShapeError);
    expect(() => cnn.data.Dataset.fromArrays(new Float32Array(6), [0, -1], [1, 1, 3])).toThrow(cnn.ValueError);
    expect(() => cnn.data.Dataset.fromArrays(new Float32Array(6), [0, 0.5], [1, 1, 3])).toThrow(cnn.ValueError);
  });
});
