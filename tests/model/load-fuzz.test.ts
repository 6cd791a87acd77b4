// SPDX-License-Identifier: MIT
// loadModel on hostile files. It used to build the model before checking the file: a
// 196-byte file declaring dense({ units: 1e8 }) took 6.8 s and 1.6 GB and kept them after
// throwing, 80 of 2,250 fuzzed files leaked memory, every failed LeNet load leaked 494 KB,
// and files with zero layers or inputShape [-5, 2, 2] loaded. Now the whole header is
// checked first: every mutated file below either loads or throws a typed error, allocates
// at most its declared parameters and state, and leaves bytesInUse where it was.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { peakBytes, resetPeakBytes } from '../../src/core/memory.js';
import { rng } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const L = cnn.layers;
const enc = new TextEncoder();

/** A model file from a header object and a blob of `floats` floats (the container of src/io/format.ts). */
function file(header: unknown, floats: number, version = 2): Uint8Array {
  let json = JSON.stringify(header);
  while (enc.encode(json).length % 4) json += ' ';
  const h = enc.encode(json);
  const out = new Uint8Array(16 + h.length + floats * 4);
  out.set(enc.encode('SIMDCNN\0'));
  const view = new DataView(out.buffer);
  view.setUint32(8, version, true);
  view.setUint32(12, h.length, true);
  out.set(h, 16);
  return out;
}

function headerOf(bytes: Uint8Array): Record<string, unknown> {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + length)));
}

/** Floats the header declares (parameters and saved state), or null when the lists are not sane. */
function declared(bytes: Uint8Array): { floats: number; tensors: number } | null {
  try {
    const h = headerOf(bytes) as { params?: { shape: number[] }[]; state?: { shape: number[] }[] };
    const list = [...(h.params ?? []), ...(h.state ?? [])];
    const floats = list.reduce((s, t) => s + t.shape.reduce((a, d) => a * d, 1), 0);
    return Number.isFinite(floats) ? { floats, tensors: list.length } : null;
  } catch {
    return null;
  }
}

function seeds(): Uint8Array[] {
  const x = cnn.input([3, 6, 6]);
  const a = L.relu().apply(L.batchNorm2d().apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 1 }).apply(x)));
  const b = L.maxPool2d({ poolSize: 3, stride: 1, padding: 1 }).apply(x);
  let y = L.concat().apply([a, L.conv2d({ filters: 2, kernelSize: 1 }).apply(b)]);
  y = L.add().apply([y, L.conv2d({ filters: 6, kernelSize: 1, useBias: false }).apply(x)]);
  y = L.dense({ units: 3 }).apply(L.dropout({ rate: 0.5 }).apply(L.flatten().apply(L.adaptiveAvgPool2d({ outputSize: 2 }).apply(y))));
  const graph = cnn.model({ inputs: x, outputs: y }).compile({ batchSize: 4 });
  const chain = cnn.sequential([L.conv2d({ filters: 2, kernelSize: 3, activation: 'tanh' }), L.avgPool2d(), L.flatten(), L.dense({ units: 2 })], { inputShape: [1, 6, 6] });
  const files = [graph.toBytes(), chain.toBytes()];
  graph.dispose();
  chain.dispose();
  for (const name of ['chain-a', 'chain-b']) files.push(new Uint8Array(readFileSync(new URL(`../fixtures/format1/${name}.simdcnn`, import.meta.url))));
  return files;
}

const weird = [0, 1, -1, -5, 2, 3, 1e8, 1e12, 2 ** 31, 0.5, NaN, 'x', 'conv2d', 'dense', true, false, null, [], [3], [-5, 2, 2], [1e6, 1e6], {}, { kind: 'relu' }];

/** One seeded mutation of a valid file. */
function mutate(base: Uint8Array, r: () => number): Uint8Array {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
  const kind = Math.floor(r() * 6);
  if (kind === 0 || kind === 1) {
    const out = base.slice();
    const span = kind === 0 ? out.length : Math.min(out.length, 16 + new DataView(out.buffer).getUint32(12, true));
    for (let k = 1 + Math.floor(r() * 6); k > 0; k--) out[Math.floor(r() * span)] = Math.floor(r() * 256);
    return out;
  }
  if (kind === 2) return base.slice(0, Math.floor(r() * base.length));
  if (kind === 3) {
    const out = base.slice();
    new DataView(out.buffer).setUint32(r() < 0.5 ? 8 : 12, pick([0, 1, 2, 3, 4, 16, 2 ** 31, 0xffffffff, out.length]), true);
    return out;
  }
  // Structural: change one value somewhere in the header, then re-encode, with a blob that
  // fits the declared tensors (so the graph checks are reached) when that is small.
  const h = headerOf(base);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(h, []);
  const path = pick(paths.slice(1));
  const parent = path.slice(0, -1).reduce((o: any, k) => o[k], h); // eslint-disable-line @typescript-eslint/no-explicit-any
  const key = path[path.length - 1];
  const op = r();
  if (Array.isArray(parent) && op < 0.2) parent.splice(key as number, 1);
  else if (Array.isArray(parent) && op < 0.35) parent.splice(key as number, 0, structuredClone(parent[key as number]));
  else if (!Array.isArray(parent) && op < 0.45) delete parent[key];
  else parent[key] = structuredClone(pick(weird));
  const blob = base.length - 16 - new DataView(base.buffer).getUint32(12, true);
  const d = declared(file(h, 0));
  const floats = d && d.floats >= 0 && d.floats <= 1e6 && Number.isInteger(d.floats) && r() < 0.8 ? d.floats : blob / 4;
  return file(h, floats, kind === 4 ? 2 : (new DataView(base.buffer).getUint32(8, true) as number));
}

/** Loads bytes; checks the outcome is a model or a typed error, the peak allocation, and that nothing leaks. */
async function attempt(bytes: Uint8Array): Promise<string> {
  const before = cnn.memoryStats().bytesInUse;
  const d = declared(bytes);
  resetPeakBytes();
  let outcome: string;
  try {
    const model = await cnn.loadModel(bytes);
    outcome = 'loaded';
    // Parameters and state, each tensor aligned to 16 floats, in two 64-byte aligned blocks.
    const bound = ((d?.floats ?? 0) + 16 * ((d?.tensors ?? 0) + 2)) * 4;
    expect(peakBytes() - before).toBeLessThanOrEqual(bound);
    model.dispose();
  } catch (e) {
    if (!(e instanceof cnn.SimdCnnError)) throw new Error(`untyped error ${String(e)} for a ${bytes.length}-byte file`);
    outcome = e.name;
    expect(peakBytes() - before).toBeLessThanOrEqual(((d?.floats ?? 0) + 16 * ((d?.tensors ?? 0) + 2)) * 4);
  }
  expect(cnn.memoryStats().bytesInUse).toBe(before);
  return outcome;
}

describe('loadModel on hostile files', () => {
  it('2,400 seeded mutations of four valid files: only typed errors, bounded allocation, no leak', async () => {
    const r = rng(20261202);
    const bases = seeds();
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 2400; i++) {
      const outcome = await attempt(mutate(bases[i % bases.length], r));
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(outcomes.get('FormatError')).toBeGreaterThan(1000);
    expect(outcomes.get('loaded') ?? 0).toBeGreaterThan(50);
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(2400);
  });

  it('a 196-byte file declaring dense({ units: 1e8 }) is refused before anything is allocated', async () => {
    const header = {
      format: 'simdcnn-model',
      version: 1,
      inputShape: [1, 4, 4],
      layers: [{ kind: 'flatten' }, { kind: 'dense', units: 1e8 }],
      params: [],
      loss: null,
      optimizer: null,
      batchSize: 1,
    };
    const bytes = file(header, 0, 1);
    expect(bytes.length).toBeLessThan(220);
    const allocations = cnn.memoryStats().allocations;
    const start = performance.now();
    await expect(cnn.loadModel(bytes)).rejects.toThrow(/expected 2 parameter tensors for its layers, got 0/);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(cnn.memoryStats().allocations).toBe(allocations);
  });

  it('a file with zero layers or an inputShape of [-5, 2, 2] does not load', async () => {
    const base = { format: 'simdcnn-model', version: 2, params: [], state: [], loss: null, optimizer: null, batchSize: 1, seed: 1 };
    await expect(cnn.loadModel(file({ ...base, inputShape: [2], nodes: [] }, 0))).rejects.toThrow(/expected a non-empty nodes array/);
    const relu = [{ name: 'r', layer: { kind: 'relu' }, inputs: [0] }];
    await expect(cnn.loadModel(file({ ...base, inputShape: [-5, 2, 2], nodes: relu }, 0))).rejects.toThrow(/inputShape/);
    const ok = await cnn.loadModel(file({ ...base, inputShape: [5, 2, 2], nodes: relu }, 0));
    expect(ok.outputShape).toEqual([5, 2, 2]);
    ok.dispose();
    await expect(cnn.loadModel(file({ ...base, inputShape: [5, 2, 2], nodes: [{ ...relu[0], inputs: [1] }] }, 0))).rejects.toThrow(/inputs: \[values ≤ 0\]/);
  });

  it('every failed load of a LeNet-5 file frees what it made', async () => {
    const lenet = cnn.models.lenet5();
    const bytes = lenet.toBytes();
    lenet.dispose();
    const h = headerOf(bytes) as { nodes: { layer: Record<string, unknown> }[] };
    h.nodes[h.nodes.length - 1].layer.units = 11; // the file's weights no longer fit its layers
    for (let i = 0; i < 3; i++) expect(await attempt(file(h, (bytes.length - 16 - new DataView(bytes.buffer).getUint32(12, true)) / 4))).toBe('FormatError');
  });
});
