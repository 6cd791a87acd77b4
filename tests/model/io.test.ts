// SPDX-License-Identifier: MIT
// Save / load: the round trip keeps every weight and prediction; a failed save keeps the
// previous file; bytes that are not a model give a FormatError naming what came.
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { randomF32, randomInts } from '../helpers/random.js';

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
    await expect(cnn.loadModel(bytes.subarray(0, bytes.length - 4))).rejects.toThrow(/expected \d+ bytes of parameters and state, got \d+/);
    const dir = await mkdtemp(join(tmpdir(), 'simdcnn-'));
    await writeFile(join(dir, 'x.simdcnn'), 'garbage');
    await expect(cnn.loadModel(join(dir, 'x.simdcnn'))).rejects.toThrow(cnn.FormatError);
  });
});

describe('model file format 2', () => {
  const L = cnn.layers;

  /** A graph with every kind of saved thing: trained parameters, batch-norm state, dropout, add and concat. */
  function graphModel(seed: number): cnn.Model {
    const x = cnn.input([3, 8, 8]);
    const stem = L.conv2d({ filters: 4, kernelSize: 3, padding: 1, name: 'stem' }).apply(x);
    const a = L.relu().apply(L.batchNorm2d({ momentum: 0.2 }).apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 1, useBias: false }).apply(stem)));
    const b = L.conv2d({ filters: 2, kernelSize: 1, activation: 'sigmoid' }).apply(stem);
    let y = L.concat().apply([L.add().apply([a, stem]), b]);
    y = L.dropout({ rate: 0.25 }).apply(L.globalAvgPool2d().apply(y));
    return cnn.model({ inputs: x, outputs: L.dense({ units: 3, name: 'head' }).apply(y), seed });
  }

  it('round-trips a graph: nodes, names, edges, parameters, running statistics, compile settings and predictions', async () => {
    const model = graphModel(3);
    model.compile({ optimizer: cnn.optim.adam({ lr: 0.01 }), batchSize: 8 });
    const data = cnn.data.Dataset.fromArrays(randomF32(16 * 192, 4), randomInts(16, 3, 5), [3, 8, 8], 3);
    await model.fit(data, { epochs: 2 });
    const x = cnn.tensor(randomF32(5 * 192, 6), [5, 3, 8, 8]);
    const expected = model.predict(x).toArray();
    const loaded = await cnn.loadModel(model.toBytes());
    expect(loaded.nodes.map((n) => [n.name, n.kind, n.inputs])).toEqual(model.nodes.map((n) => [n.name, n.kind, n.inputs]));
    expect(loaded.nodes.find((n) => n.name === 'head')).toBeDefined();
    expect(loaded.getWeights()).toEqual(model.getWeights());
    const running = loaded.getWeights().filter((w) => !w.trainable);
    expect(running.map((w) => w.name)).toEqual(['runningMean', 'runningVar']);
    expect(running[0].values.some((v) => v !== 0)).toBe(true); // trained, not the initial zeros
    expect(Array.from(loaded.predict(x).toArray())).toEqual(Array.from(expected));
    expect(loaded.optimizer?.config()).toEqual(model.optimizer?.config());
    expect(loaded.batchSize).toBe(8);
    // and it trains on from there (its training memory planned at the first fit)
    const history = await loaded.fit(data, { epochs: 1 });
    expect(Number.isFinite(history[0].loss)).toBe(true);
    x.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('loads the format 1 files of the previous release, with the same predictions', async () => {
    const dir = new URL('../fixtures/format1/', import.meta.url);
    const expected = JSON.parse(await readFile(new URL('expected.json', dir), 'utf8'));
    for (const name of ['chain-a', 'chain-b']) {
      const model = await cnn.loadModel(new Uint8Array(await readFile(new URL(`${name}.simdcnn`, dir))));
      const { inputShape, output } = expected[name];
      expect(model.inputShape).toEqual(inputShape);
      const size = inputShape.reduce((p: number, d: number) => p * d, 1);
      const x = cnn.tensor(Float32Array.from({ length: 2 * size }, (_, i) => Math.sin(i)), [2, ...inputShape]);
      expectClose(model.predict(x).data, output, { atol: 1e-6, rtol: 1e-6, label: name });
      expect(model.lossName).toBe(name === 'chain-a' ? 'softmaxCrossEntropy' : 'mse');
      x.dispose();
      model.dispose();
    }
  });

  it('a file written by format 2 declares its version and graph', () => {
    const bytes = graphModel(1).toBytes();
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint32(8, true)).toBe(2);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + view.getUint32(12, true))));
    expect(header.nodes[0]).toEqual({ name: 'stem', layer: expect.objectContaining({ kind: 'conv2d', filters: 4 }), inputs: [0] });
    expect(header.nodes.find((n: { layer: { kind: string } }) => n.layer.kind === 'add').inputs).toHaveLength(2);
    expect(header.state.map((t: { name: string }) => t.name)).toEqual(['runningMean', 'runningVar']);
  });
});
