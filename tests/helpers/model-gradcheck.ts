// SPDX-License-Identifier: MIT
// The tight whole-model gradient check. The wasm model computes its loss and every
// parameter gradient on one batch (training mode, one seeded stream); the float64 model of
// tests/reference/model.ts recomputes the loss, and central differences of it (h = 1e-6, in
// float64, so accurate to ~1e-9) give each probed gradient independently. The two must
// agree to float32 accuracy: |wasm − numeric| ≤ 2e-4·|numeric| + 2e-5·rms + 1e-8, where rms
// is the larger of that tensor's and the whole model's rms gradient (a gradient that is
// exactly 0 in float64, such as a bias before batch norm, is float32 noise of that size). A probe whose one-sided differences disagree (a ReLU or max-pool kink
// within h) is skipped and counted.
import * as cnn from '../../src/index.js';
import { heapF32, heapI32, index32 } from '../../src/core/memory.js';
import { lossAndGradients } from '../../src/model/train.js';
import { forwardRef, lossRef, refModel } from '../reference/model.js';
import { rng } from './random.js';

export interface GradcheckResult {
  checked: number;
  skipped: number;
  /** The worst |wasm − numeric| / tolerance seen (≤ 1 when the check passes). */
  worst: number;
  /** Failures: 'node/param[index]: wasm g, numeric g'. */
  failures: string[];
  loss: number;
  lossRef: number;
}

export interface GradcheckOptions {
  /** Distinct elements probed per parameter tensor (default 12; all of them when the tensor is smaller). */
  probes?: number;
  seed?: number;
  /** The step's random stream (dropout masks). */
  streamSeed?: number;
}

/**
 * Runs the check on inputs x (float32 [n, ...inputShape]) and a target (int32 labels for
 * cross-entropy, float32 values for mse). The model must be compiled.
 */
export function gradcheckModel(model: cnn.Model, x: Float32Array, target: Int32Array | Float32Array, n: number, options: GradcheckOptions = {}): GradcheckResult {
  const { probes = 12, seed = 7, streamSeed = 1234 } = options;
  const b = model.plan.bind(n, true);
  heapF32().set(x, index32(b.input.ptr));
  if (target instanceof Int32Array) heapI32().set(target, index32(b.labels.ptr));
  else heapF32().set(target, index32(b.target.ptr));
  b.stream.seed = streamSeed;
  const before = model.plan.stateTensors.map((t) => t.toArray());
  const loss = lossAndGradients(model, b);
  const grads = model.plan.gradArena.toArray();
  // Batch norm updated its running statistics in that forward: put them back, so the float64
  // model starts from the same state (in training mode it does not read them anyway).
  model.plan.stateTensors.forEach((t, i) => t.data.set(before[i]));
  const masks = new Map<number, Float64Array>();
  model.layers.forEach((layer, k) => {
    if (layer.kind === 'dropout') masks.set(k, Float64Array.from(b.ios[k].buffers[0].data));
  });
  const r = refModel(model, true, masks);
  const x64 = Float64Array.from(x);
  const base = forwardRef(r, x64, n);
  const lossAt = (values: Float64Array[]) => lossRef(r, values[values.length - 1], n, target);
  const l0 = lossAt(base);
  const pick = rng(seed);
  const result: GradcheckResult = { checked: 0, skipped: 0, worst: 0, failures: [], loss, lossRef: l0 };
  const h = 1e-6;
  const slotsOf = model.layers.map((_, k) => model.plan.slots.filter((s) => s.node === k));
  const rmsAll = Math.sqrt(grads.reduce((s, v) => s + v * v, 0) / model.paramCount);
  r.params.forEach((list, k) =>
    list.forEach((p, j) => {
      const slot = slotsOf[k][j];
      const g = grads.subarray(slot.offset, slot.offset + p.length);
      const rms = Math.sqrt(g.reduce((s, v) => s + v * v, 0) / g.length);
      const chosen = new Set<number>(p.length <= probes ? p.keys() : []);
      while (chosen.size < Math.min(probes, p.length)) chosen.add(Math.floor(pick() * p.length));
      const indices = [...chosen];
      for (const i of indices) {
        const old = p[i];
        p[i] = old + h;
        const lp = lossAt(forwardRef(r, x64, n, k, base));
        p[i] = old - h;
        const lm = lossAt(forwardRef(r, x64, n, k, base));
        p[i] = old;
        const numeric = (lp - lm) / (2 * h);
        const right = (lp - l0) / h;
        const left = (l0 - lm) / h;
        if (Math.abs(right - left) > 1e-2 * (Math.abs(numeric) + rms) + 1e-5) {
          result.skipped++;
          continue;
        }
        const tol = 2e-4 * Math.abs(numeric) + 2e-5 * Math.max(rms, rmsAll) + 1e-8;
        const err = Math.abs(g[i] - numeric);
        result.worst = Math.max(result.worst, err / tol);
        if (!(err <= tol)) result.failures.push(`${model.layers[k].name}/${slot.spec.name}[${i}]: wasm ${g[i]}, numeric ${numeric}`);
        result.checked++;
      }
    }),
  );
  return result;
}
