// SPDX-License-Identifier: MIT
// Save / load: the round trip keeps every weight and prediction; a failed save keeps the
// previous file; bytes that are not a model give a FormatError naming what came.
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as cnn from '../../src/index.js';
import { randomF32 } from '../helpers/random.js';

const failRename = { on: false };
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      if (failRename.on) throw new Error('simulated crash before rename');
      return actual.rename(from, to);
    },
  };
});

beforeAll(() => cnn.ready());
afterEach(() => {
  failRename.on = false;
});

describe('save and loadModel', () => {
  it('round-trips layers, weights, optimiser and predictions (bytes and file)', async () => {
    const model = cnn.models.lenet5({ seed: 11 });
    model.compile({ optimizer: cnn.optim.sgd({ lr: 0.05, momentum: 0.9 }), batchSize: 8 });
    const x = cnn.tensor(randomF32(3 * 28 * 28, 5, 0, 1), [3, 1, 28, 28]);
    const expected = model.predict(x).toArray();

    const fromBytes = await cnn.loadModel(model.toBytes());
    expect(Array.from(fromBytes.predict(x).toArray())).toEqual(Array.from(expected));
    expect(fromBytes.optimizer?.config()).toEqual(model.optimizer?.config());
    expect(fromBytes.layers.map((l) => l.kind)).toEqual(model.layers.map((l) => l.kind));

    const dir = await mkdtemp(join(tmpdir(), 'simdcnn-'));
    const path = join(dir, 'nested', 'lenet.simdcnn');
    expect(await model.save(path)).toBe(path);
    const fromFile = await cnn.loadModel(path);
    expect(Array.from(fromFile.predict(x).toArray())).toEqual(Array.from(expected));
    x.dispose();
  });

  it('a save that crashes before the rename leaves the previous file intact and no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simdcnn-'));
    const path = join(dir, 'model.simdcnn');
    const first = cnn.models.lenet5({ seed: 1 });
    await first.save(path);
    const old = await readFile(path);
    failRename.on = true;
    const second = cnn.models.lenet5({ seed: 2 });
    await expect(second.save(path)).rejects.toThrow(/simulated crash/);
    expect(Buffer.compare(await readFile(path), old)).toBe(0);
    expect(await readdir(dir)).toEqual(['model.simdcnn']);
  });

  it('rejects bytes that are not a model, and truncated models, with FormatError', async () => {
    await expect(cnn.loadModel(new TextEncoder().encode('hello, not a model'))).rejects.toThrow(cnn.FormatError);
    await expect(cnn.loadModel(new TextEncoder().encode('hello, not a model'))).rejects.toThrow(/expected magic/);
    const bytes = cnn.models.lenet5().toBytes();
    await expect(cnn.loadModel(bytes.subarray(0, bytes.length - 4))).rejects.toThrow(/expected \d+ bytes of parameters, got \d+/);
    const dir = await mkdtemp(join(tmpdir(), 'simdcnn-'));
    await writeFile(join(dir, 'x.simdcnn'), 'garbage');
    await expect(cnn.loadModel(join(dir, 'x.simdcnn'))).rejects.toThrow(cnn.FormatError);
  });
});
