// SPDX-License-Identifier: MIT
// conv + bias + ReLU fused by the plan (src/model/plan.ts): which pairs fuse (a conv1d or conv2d
// whose output's only reader is a ReLU), the ReLU's output sharing the conv's memory and its
// own δ, summary() still listing both nodes, liveness of the shared buffer checked against
// lifetimes computed here from the graph, and evaluation and training bit for bit equal to
// the same model planned without fusion (Plan.setFusion(false), internal).
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { arenaLayout } from '../../src/model/liveness.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const L = cnn.layers;

/**
 * conv→relu (the option), depthwise conv→relu (a layer), conv→relu whose output two nodes
 * read (a residual add), a conv read by a ReLU and an add (not fused), leakyRelu and a
 * dense→relu (not fused), ending in a dense.
 */
function net2d(seed: number): cnn.Model {
  const x = cnn.input([3, 10, 10]);
  const r1 = L.conv2d({ name: 'c1', filters: 8, kernelSize: 3, padding: 1, activation: 'relu' }).apply(x);
  const r2 = L.relu({ name: 'r2' }).apply(L.conv2d({ name: 'c2', filters: 8, kernelSize: 3, padding: 1, groups: 8 }).apply(r1));
  const r3 = L.relu({ name: 'r3' }).apply(L.conv2d({ name: 'c3', filters: 8, kernelSize: 3, padding: 1 }).apply(r2));
  const c4 = L.conv2d({ name: 'c4', filters: 8, kernelSize: 1 }).apply(L.add().apply([r3, r1]));
  const s = L.add().apply([L.relu({ name: 'r4' }).apply(c4), c4]);
  const c5 = L.leakyRelu({ name: 'lr5' }).apply(L.conv2d({ name: 'c5', filters: 6, kernelSize: 3, stride: 2 }).apply(s));
  const h = L.relu({ name: 'r6' }).apply(L.dense({ name: 'd6', units: 12 }).apply(L.flatten().apply(L.maxPool2d().apply(c5))));
  return cnn.model({ inputs: x, outputs: L.dense({ units: 4 }).apply(h), seed });
}

/** conv1d→relu twice (option, then a layer with stride 2), flatten, dense. */
function net1d(seed: number): cnn.Model {
  return cnn.sequential(
    [
      L.conv1d({ filters: 6, kernelSize: 3, padding: 1, activation: 'relu' }),
      L.conv1d({ filters: 5, kernelSize: 5, stride: 2 }),
      L.relu(),
      L.flatten(),
      L.dense({ units: 4 }),
    ],
    { inputShape: [4, 21], seed },
  );
}

/** A fused ReLU as the model's output (mse against float targets). */
function netOut(seed: number): cnn.Model {
  return cnn.sequential([L.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' })], { inputShape: [2, 7, 6], seed });
}

const nets = [
  { name: '2-D graph', make: net2d, input: [3, 10, 10], loss: 'softmaxCrossEntropy' as const },
  { name: '1-D chain', make: net1d, input: [4, 21], loss: 'softmaxCrossEntropy' as const },
  { name: 'fused ReLU as the output', make: netOut, input: [2, 7, 6], loss: 'mse' as const },
];

/** The same model twice (same seed, so the same weights): planned with fusion, and without. */
function pair(make: (seed: number) => cnn.Model): [cnn.Model, cnn.Model] {
  const plain = make(5);
  plain.plan.setFusion(false);
  return [make(5), plain];
}

const bits = (t: cnn.Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.size));
const fusedNames = (m: cnn.Model) => m.layers.filter((_, k) => m.plan.fusedRelu[k]).map((l) => l.name);
const table = (m: cnn.Model) => m.summary().split('\n\n')[0];

describe('conv + ReLU fusion in the plan', () => {
  it('fuses a conv1d / conv2d with a ReLU that is the only reader of its output, and nothing else', () => {
    const m = net2d(1);
    // c1 + its desugared ReLU, c2 + r2, c3 + r3; not c4 (an add reads it too), not leakyRelu, not dense.
    expect(fusedNames(m)).toEqual(['c1', 'relu_1', 'c2', 'r2', 'c3', 'r3']);
    const k = (name: string) => m.layers.findIndex((l) => l.name === name);
    for (const [conv, relu] of [['c1', 'relu_1'], ['c2', 'r2'], ['c3', 'r3']]) {
      const [v, u] = [k(conv) + 1, k(relu) + 1];
      expect(m.plan.aliasOf[u]).toBe(v); // the ReLU's output is the conv's memory
      expect(m.plan.deltaAliasOf[u]).toBe(u); // with its own δ
    }
    expect(fusedNames(net1d(1))).toEqual(['conv1d_1', 'relu_1', 'conv1d_2', 'relu_2']);
    const plain = net2d(1);
    plain.plan.setFusion(false);
    expect(fusedNames(plain)).toEqual([]);
    expect(plain.plan.aliasOf.every((r, v) => r === v || plain.layers[v - 1].kind === 'flatten')).toBe(true);
    plain.plan.setFusion(true);
    expect(fusedNames(plain)).toEqual(fusedNames(m));
    for (const model of [m, plain]) model.dispose();
  });

  it('summary() lists both nodes of every fused pair, as without fusion; training needs less activation memory, evaluation no more', () => {
    const [fused, plain] = pair(net2d);
    expect(table(fused)).toEqual(table(plain));
    expect(table(fused)).toMatch(/^relu_1\s+relu\s+c1\s+\[8, 10, 10\]\s+0$/m);
    expect(table(fused)).toMatch(/^r2\s+relu\s+c2\s+\[8, 10, 10\]\s+0$/m);
    expect(fused.plan.arenaBytes(16, false).activations).toBeLessThanOrEqual(plain.plan.arenaBytes(16, false).activations);
    // Training keeps every activation: the fused model keeps one buffer less per pair.
    expect(fused.plan.arenaBytes(16, true).activations).toBeLessThan(plain.plan.arenaBytes(16, true).activations);
    for (const model of [fused, plain]) model.dispose();
  });

  it.each([4, 16])('the evaluation arena (batch %i) keeps the shared buffer live while either value is: lifetimes computed from the graph here', (batch) => {
    for (const make of [net2d, net1d]) {
      const m = make(1);
      const { plan } = m;
      const K = m.layers.length;
      const layout = arenaLayout(plan, batch, false, 'int32');
      // Value v is written at step v − 1 (the input at 0) and read up to its last consumer's step; the output to the end.
      const live = plan.shapes.map((_, v) => {
        const readers = plan.graph.consumersOf[v];
        return [Math.max(0, v - 1), v === K ? K : Math.max(v - 1, ...readers)];
      });
      const floats = (v: number) => batch * plan.shapes[v].reduce((a, b) => a * b, 1);
      for (let a = 0; a <= K; a++) {
        for (let b = a + 1; b <= K; b++) {
          if (plan.aliasOf[a] === plan.aliasOf[b]) {
            expect(layout.act[a]).toBe(layout.act[b]);
            continue;
          }
          // A buffer shared by several values lives from the first write of any to the last read of any.
          const span = (v: number) => {
            const group = plan.aliasOf.map((r, u) => (r === plan.aliasOf[v] ? u : -1)).filter((u) => u >= 0);
            return [Math.min(...group.map((u) => live[u][0])), Math.max(...group.map((u) => live[u][1]))];
          };
          const [sa, sb] = [span(a), span(b)];
          if (sa[0] > sb[1] || sb[0] > sa[1]) continue;
          const disjoint = layout.act[a] + floats(a) <= layout.act[b] || layout.act[b] + floats(b) <= layout.act[a];
          expect(disjoint, `values ${a} and ${b} are live together but overlap in memory`).toBe(true);
        }
      }
      m.dispose();
    }
  });

  it.each(nets)('evaluation of the $name is bit for bit that of the unfused plan', ({ make, input }) => {
    const [fused, plain] = pair(make);
    const x = cnn.tensor(randomF32(9 * input.reduce((a, b) => a * b, 1), 3), [9, ...input]);
    const [a, b] = [fused.predict(x, { batchSize: 4 }), plain.predict(x, { batchSize: 4 })];
    expect(bits(a)).toEqual(bits(b));
    expect(a.data.some((v) => v !== 0)).toBe(true);
    for (const t of [x, a, b]) t.dispose();
    for (const model of [fused, plain]) model.dispose();
  });

  it.each(nets)('training the $name: losses, gradients and parameters bit for bit those of the unfused plan', ({ make, input, loss }) => {
    const [fused, plain] = pair(make);
    const n = 6;
    const x = cnn.tensor(randomF32(n * input.reduce((a, b) => a * b, 1), 7), [n, ...input]);
    const outputs = fused.outputShape.reduce((a, b) => a * b, 1);
    const target = loss === 'mse' ? cnn.tensor(randomF32(n * outputs, 8, 0, 1), [n, ...fused.outputShape]) : cnn.tensor(randomInts(n, 4, 8), [n]);
    const losses = (m: cnn.Model) => {
      m.compile({ optimizer: cnn.optim.sgd({ lr: 0.1, momentum: 0.9 }), loss, batchSize: n });
      return [1, 2, 3, 4].map(() => m.trainBatch(x, target));
    };
    const [la, lb] = [losses(fused), losses(plain)];
    expect(la).toEqual(lb);
    expect(la[3]).toBeLessThan(la[0]); // it trained
    expect(bits(fused.plan.gradArena)).toEqual(bits(plain.plan.gradArena)); // the last step's gradients
    expect(bits(fused.plan.paramArena)).toEqual(bits(plain.plan.paramArena));
    // The δ of a fused ReLU's input (the conv output) is not its own δ.
    const b = fused.plan.bind(n, true);
    fused.layers.forEach((layer, k) => {
      if (layer.kind === 'relu' && fused.plan.fusedRelu[k]) expect(b.ios[k].dx!.ptr).not.toBe(b.ios[k].dy!.ptr);
    });
    for (const t of [x, target]) t.dispose();
    for (const model of [fused, plain]) model.dispose();
  });
});
