// SPDX-License-Identifier: MIT
// Threads (issue 8): the same training run on 1, 2 and 3 threads repeats itself bit for bit at
// each count and agrees across counts; predict is bit for bit the same at every count (its
// ops split without partial sums); a step allocates nothing with 2 threads; a worker's
// exception rejects the caller's promise; a dead worker is an error, never a hang.
import { afterAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { step } from '../../src/model/train.js';
import { threadPool } from '../../src/core/wasm.js';
import { countAllocations } from '../helpers/alloc-counter.js';
import { randomF32, randomInts } from '../helpers/random.js';
import { threadsData, threadsNet } from '../helpers/threads-run.js';

const BATCH = 32;
const STEPS = 100;
const data = threadsData(cnn);
const net = () => threadsNet(cnn, BATCH);

/** 100 steps (one epoch of 100 batches) on `threads` threads: the losses, final parameters and predictions. */
async function run(threads: number) {
  await cnn.ready({ threads });
  expect(cnn.threads()).toEqual({ count: threads, requested: threads, reason: null });
  const jobs = threadPool()?.jobs ?? 0;
  const model = net();
  const losses: number[] = [];
  await model.fit(data, { epochs: 1, seed: 3, onBatchEnd: ({ loss }) => losses.push(loss) });
  const params = Float32Array.from(model.plan.paramArena.data);
  const predictions = model.predict(cnn.data.Dataset.fromArrays(randomF32(64 * 768, 9, 0, 1), randomInts(64, 10, 1), [3, 16, 16], 10));
  const out = predictions.toArray() as Float32Array;
  predictions.dispose();
  model.dispose();
  return { losses, params, out, jobs: (threadPool()?.jobs ?? 0) - jobs };
}

afterAll(() => cnn.ready({ threads: 1 }));

describe('threads', () => {
  it('trains the same run on 1, 2 and 3 threads: each repeats bit for bit, all agree after 100 steps', async () => {
    const runs = new Map<number, Awaited<ReturnType<typeof run>>>();
    for (const threads of [1, 2, 3]) {
      const a = await run(threads);
      const b = await run(threads);
      expect(b.losses).toEqual(a.losses);
      expect(b.params).toEqual(a.params);
      expect(a.losses).toHaveLength(STEPS);
      // The work really went to the workers: thousands of jobs, none with one thread.
      if (threads === 1) expect(a.jobs).toBe(0);
      else expect(a.jobs).toBeGreaterThan(STEPS * 10);
      runs.set(threads, a);
    }
    const one = runs.get(1)!;
    expect(one.losses[STEPS - 1]).toBeLessThan(one.losses[0]);
    for (const threads of [2, 3]) {
      const r = runs.get(threads)!;
      // Partial sums are added in another order: float rounding differs, nothing else.
      for (let s = 0; s < STEPS; s++) expect(Math.abs(r.losses[s] - one.losses[s])).toBeLessThan(1e-5 * Math.max(1, one.losses[s]));
      let worst = 0;
      for (let i = 0; i < one.params.length; i++) worst = Math.max(worst, Math.abs(r.params[i] - one.params[i]));
      expect(worst).toBeLessThan(1e-5); // measured: ~1e-7
      expect(r.params).not.toEqual(one.params); // differs in the last bits: the reductions did split
    }
  });

  it('predicts bit for bit the same on 1, 2 and 3 threads (no op of inference sums across threads)', async () => {
    const outs: Float32Array[] = [];
    for (const threads of [1, 2, 3]) {
      await cnn.ready({ threads });
      const model = net();
      const p = model.predict(cnn.data.Dataset.fromArrays(randomF32(100 * 768, 5, 0, 1), randomInts(100, 10, 6), [3, 16, 16], 10));
      outs.push(p.toArray() as Float32Array);
      p.dispose();
      model.dispose();
    }
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
  });

  it('200 training steps on 2 threads allocate no wasm memory and no typed arrays', async () => {
    await cnn.ready({ threads: 2 });
    const model = net();
    const b = model.plan.bind(BATCH, true);
    const order = Uint32Array.from({ length: data.length }, (_, i) => i);
    const steps = (from: number, count: number) => {
      for (let s = from; s < from + count; s++) {
        data.copyBatchInto(b.input, b.labels, order, (s % STEPS) * BATCH, BATCH);
        b.stream.seed = s;
        step(model, b);
      }
    };
    steps(0, 1);
    const jobs = threadPool()!.jobs;
    const before = cnn.memoryStats();
    const counter = countAllocations();
    try {
      steps(1, 200);
    } finally {
      counter.uninstall();
    }
    expect(counter.count()).toBe(0);
    expect(cnn.memoryStats()).toEqual(before);
    expect(threadPool()!.jobs - jobs).toBeGreaterThanOrEqual(200 * 5);
    model.dispose();
  });

  it("a worker's exception rejects fit's promise with a ThreadError naming the worker; the pool goes on working", async () => {
    await cnn.ready({ threads: 2 });
    const model = net();
    threadPool()!.injectFault(1);
    const error = await model.fit(data, { epochs: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(cnn.ThreadError);
    expect(error.message).toMatch(/^worker 1: Error: a fault injected for tests in worker 1/);
    const history = await model.fit(data, { epochs: 1 });
    expect(Number.isFinite(history[0].loss)).toBe(true);
    model.dispose();
  });

  it('a worker that exits breaks the pool: the next call throws a ThreadError (no hang) until ready() restarts it', async () => {
    await cnn.ready({ threads: 2 });
    const model = net();
    threadPool()!.killWorker(1);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the exit event arrives
    const error = await model.fit(data, { epochs: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(cnn.ThreadError);
    expect(error.message).toMatch(/the thread pool is broken: worker 1 exited/);
    await cnn.ready({ threads: 1 });
    await cnn.ready({ threads: 2 });
    expect(cnn.threads().count).toBe(2);
    const history = await model.fit(data, { epochs: 1 });
    expect(Number.isFinite(history[0].loss)).toBe(true);
    model.dispose();
  });

  it('rejects a bad thread count with a ValueError naming it', async () => {
    await expect(cnn.ready({ threads: 0 })).rejects.toThrow(/ready: expected threads an integer ≥ 1, got 0/);
    await expect(cnn.ready({ threads: 1.5 })).rejects.toThrow(cnn.ValueError);
    // @ts-expect-error: a misspelled option
    expect(() => cnn.ready({ thread: 2 })).toThrow(/did you mean 'threads'/);
  });
});
