// SPDX-License-Identifier: MIT
// Memory safety, each case as a new user met it: disposed tensors and models, views that
// outlive their parent, scope() and cyclic values, models built inside scope(), dispose()
// and a second fit() while fitting, and running out of memory. Each is a typed error at the
// first public call, and nothing reads or writes freed memory.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const tiny = (n: number, seed: number) => cnn.data.Dataset.fromArrays(randomF32(n * 784, seed, 0, 1), randomInts(n, 10, seed + 1), [1, 28, 28], 10);

describe('disposed tensors', () => {
  it('an op on a disposed tensor throws DisposedError naming it (relu of [1, −2, 3] returned [7, 7, 7])', () => {
    const x = cnn.tensor([1, -2, 3], [3]);
    x.dispose();
    const other = cnn.tensor([7, 7, 7], [3]); // takes the freed block
    const live = cnn.memoryStats().liveBlocks;
    expect(() => cnn.ops.relu(x)).toThrow(cnn.DisposedError);
    expect(() => cnn.ops.relu(x)).toThrow(/tensor \[3\] \(float32\) was used after dispose\(\)/);
    expect(() => cnn.ops.reluInto(other, x)).toThrow(cnn.DisposedError);
    expect(Array.from(other.data)).toEqual([7, 7, 7]);
    expect(cnn.memoryStats().liveBlocks).toBe(live); // the failed op freed its output
    other.dispose();
  });

  it('a disposed output, weight or label tensor is refused before any kernel runs', () => {
    cnn.scope(() => {
      const x = cnn.tensor(randomF32(2 * 3 * 8 * 8, 1), [2, 3, 8, 8]);
      const w = cnn.tensor(randomF32(4 * 3 * 9, 2), [4, 3, 3, 3]);
      const y = cnn.zeros([2, 4, 6, 6]);
      w.dispose();
      expect(() => cnn.ops.conv2dInto(y, x, w, null)).toThrow(cnn.DisposedError);
      expect(Array.from(y.data).every((v) => v === 0)).toBe(true);
      const logits = cnn.zeros([2, 10]);
      const labels = cnn.tensor(new Int32Array([1, 2]), [2]);
      labels.dispose();
      expect(() => cnn.ops.softmaxCrossEntropy(logits, labels)).toThrow(cnn.DisposedError);
    });
  });

  it('a reshape view keeps its parent: after the parent is disposed the view throws instead of reading another tensor', () => {
    const parent = cnn.tensor([1, 2, 3, 4], [4]);
    const view = parent.reshape([2, 2]);
    parent.dispose();
    const intruder = cnn.tensor([9, 9, 9, 9], [4]);
    expect(view.disposed).toBe(true);
    expect(() => view.data).toThrow(cnn.DisposedError);
    expect(() => view.data).toThrow(/is a view of tensor \[4\], which was disposed/);
    expect(() => cnn.ops.relu(view)).toThrow(cnn.DisposedError);
    expect(() => view.reshape([4])).toThrow(cnn.DisposedError);
    intruder.dispose();
  });

  it('view() picks a slice; a view of a view dies with any ancestor; disposing a view leaves the parent alone', () => {
    const t = cnn.tensor([0, 1, 2, 3, 4, 5], [6]);
    const v = t.view(2, [2, 2]);
    expect(Array.from(v.data)).toEqual([2, 3, 4, 5]);
    const vv = v.reshape([4]);
    v.dispose();
    expect(() => vv.data).toThrow(cnn.DisposedError);
    expect(Array.from(t.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => t.view(3, [4])).toThrow(cnn.ShapeError);
    t.dispose();
  });
});

describe('scope()', () => {
  it('returns a cyclic value without recursing forever, keeping the tensors in it', () => {
    const live = cnn.memoryStats().liveBlocks;
    const out = cnn.scope(() => {
      const box: { t: cnn.Tensor; self?: unknown; list: unknown[] } = { t: cnn.tensor([1, 2], [2]), list: [] };
      box.self = box;
      box.list.push(box, box.list);
      cnn.zeros([5]);
      return box as never;
    }) as { t: cnn.Tensor };
    expect(Array.from(out.t.data)).toEqual([1, 2]);
    expect(cnn.memoryStats().liveBlocks).toBe(live + 1);
    out.t.dispose();
  });

  it('keeps the parent of a returned view', () => {
    const view = cnn.scope(() => cnn.tensor([1, 2, 3, 4], [4]).reshape([2, 2]));
    expect(Array.from(view.data)).toEqual([1, 2, 3, 4]);
    view.parent!.dispose();
  });

  it('a model built inside scope() keeps its memory (it trained on zeroed weights, loss ln 10)', async () => {
    const data = tiny(32, 3);
    const outside = cnn.models.lenet5({ seed: 4 });
    outside.compile({ batchSize: 16 });
    const inside = cnn.scope(() => {
      cnn.zeros([10]);
      return { m: cnn.models.lenet5({ seed: 4 }).compile({ batchSize: 16 }) } as never;
    }) as { m: cnn.Model };
    cnn.zeros([1 << 16]).dispose(); // reuse whatever the scope freed
    const a = await outside.fit(data, { epochs: 2 });
    const b = await inside.m.fit(data, { epochs: 2 });
    expect(b.map((e) => e.loss)).toEqual(a.map((e) => e.loss));
    expect(Math.abs(b[0].loss - Math.log(10))).toBeGreaterThan(1e-3);
    outside.dispose();
    inside.m.dispose();
  });
});

describe('disposed and busy models', () => {
  it('fit, evaluate, predict, trainBatch, compile and save on a disposed model throw DisposedError and touch nothing', async () => {
    const model = cnn.models.lenet5();
    model.compile({ batchSize: 8 });
    model.dispose();
    const bystander = cnn.tensor(new Float32Array(1000).fill(3), [1000]);
    const data = tiny(20, 5);
    await expect(model.fit(data)).rejects.toThrow(cnn.DisposedError);
    await expect(model.fit(data)).rejects.toThrow(/fit: the model was disposed/);
    expect(() => model.evaluate(data)).toThrow(cnn.DisposedError);
    expect(() => model.predict(data)).toThrow(cnn.DisposedError);
    expect(() => model.compile()).toThrow(cnn.DisposedError);
    expect(() => model.toBytes()).toThrow(cnn.DisposedError);
    const x = cnn.zeros([2, 1, 28, 28]);
    const y = cnn.tensor(new Int32Array([1, 2]), [2]);
    expect(() => model.trainBatch(x, y)).toThrow(cnn.DisposedError);
    expect(bystander.data.every((v) => v === 3)).toBe(true);
    for (const t of [bystander, x, y]) t.dispose();
    model.dispose(); // twice is fine
  });

  it('dispose() during fit is deferred: the step ends, fit returns, memory is freed, new tensors stay intact', async () => {
    const baseline = cnn.memoryStats();
    const model = cnn.models.lenet5();
    model.compile({ batchSize: 4 });
    const data = tiny(40, 6);
    let fresh: cnn.Tensor | null = null;
    const history = await model.fit(data, {
      epochs: 3,
      onBatchEnd: ({ epoch, batch }) => {
        if (epoch === 1 && batch === 2) {
          model.dispose();
          fresh = cnn.tensor(new Float32Array(4096).fill(5), [4096]);
        }
      },
    });
    expect(history).toHaveLength(1); // epoch 0 finished; epoch 1 stopped after its third step
    expect(model.disposed).toBe(true);
    expect(fresh!.data.every((v) => v === 5)).toBe(true);
    fresh!.dispose();
    const after = cnn.memoryStats();
    expect(after.liveBlocks).toBe(baseline.liveBlocks);
    expect(after.bytesInUse).toBe(baseline.bytesInUse);
  });

  it('a second fit(), compile() or trainBatch() while fit runs is refused with StateError; evaluate is allowed', async () => {
    const model = cnn.models.lenet5();
    model.compile({ batchSize: 4 });
    const data = tiny(12, 7);
    const x = cnn.zeros([2, 1, 28, 28]);
    const y = cnn.tensor(new Int32Array([1, 2]), [2]);
    const errors: unknown[] = [];
    let evaluated = NaN;
    await model.fit(data, {
      epochs: 1,
      onBatchEnd: ({ batch }) => {
        if (batch !== 0) return;
        model.fit(data).catch((e) => errors.push(e));
        for (const call of [() => model.compile(), () => model.trainBatch(x, y)]) {
          try {
            call();
          } catch (e) {
            errors.push(e);
          }
        }
        evaluated = model.evaluate(data).accuracy;
      },
    });
    await Promise.resolve();
    expect(errors).toHaveLength(3);
    for (const e of errors) expect(e).toBeInstanceOf(cnn.StateError);
    expect(errors.map(String).sort()).toEqual([
      expect.stringMatching(/^StateError: compile: the model is training \(fit\(\) is running\); await it first$/),
      expect.stringMatching(/^StateError: fit: the model is training/),
      expect.stringMatching(/^StateError: trainBatch: the model is training/),
    ]);
    x.dispose();
    y.dispose();
    expect(evaluated).toBeGreaterThanOrEqual(0);
    await model.fit(data); // idle again
    model.dispose();
  });
});

describe('out of memory', () => {
  it('compile({ batchSize: 1e6 }) throws OutOfMemoryError naming what, bytes asked and bytes left, and leaves the model as it was', async () => {
    const model = cnn.models.lenet5({ seed: 2 });
    model.compile({ batchSize: 8 });
    const before = cnn.memoryStats();
    let error: unknown;
    try {
      model.compile({ batchSize: 1e6 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(cnn.OutOfMemoryError);
    const oom = error as cnn.OutOfMemoryError;
    expect(oom.what).toMatch(/training arena \(batch 1000000\)/);
    expect(oom.requested).toBeGreaterThan(4 * 2 ** 30);
    expect(oom.available).toBeGreaterThan(0);
    expect(oom.message).toMatch(/out of memory allocating a training arena \(batch 1000000\): asked for \d+ bytes, \d+ bytes left/);
    expect(model.batchSize).toBe(8);
    expect(cnn.memoryStats().liveBlocks).toBe(before.liveBlocks);
    const history = await model.fit(tiny(16, 8), { epochs: 1 });
    expect(Number.isFinite(history[0].loss)).toBe(true);
    model.dispose();
  });

  it('a tensor larger than the 4 GiB limit is an OutOfMemoryError, not a RangeError', () => {
    expect(() => cnn.empty([2 ** 31])).toThrow(cnn.OutOfMemoryError);
    expect(() => cnn.empty([2 ** 31])).toThrow(/tensor \[2147483648\]: asked for 8589934592 bytes/);
  });
});
