// SPDX-License-Identifier: MIT
// Initialisers (SEEDS: "uniform or normal, scaled by the number of neurons"). Each fills a
// parameter from the model's seeded Rng, so a run is reproducible from `compile({ seed })`.
import { ValueError } from '../core/errors.js';
import type { Rng } from '../core/random.js';

/**
 * - 'torch': PyTorch's default for Conv2d/Linear, U(−1/√fanIn, 1/√fanIn) (weights and biases).
 * - 'glorotUniform' / 'glorotNormal' (Xavier): variance 2 / (fanIn + fanOut).
 * - 'heUniform' / 'heNormal' (Kaiming, for ReLU): variance 2 / fanIn.
 * - 'zeros', 'ones'.
 * - { kind: 'uniform', min, max }, { kind: 'normal', mean, std }, { kind: 'constant', value }.
 */
export type InitializerSpec =
  | 'torch'
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heUniform'
  | 'heNormal'
  | 'zeros'
  | 'ones'
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'normal'; mean?: number; std: number }
  | { kind: 'constant'; value: number };

const names = ['torch', 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'zeros', 'ones'];

/** Throws a ValueError unless spec is a known initialiser. */
export function checkInitializer(spec: InitializerSpec, what: string): void {
  const ok =
    typeof spec === 'string'
      ? names.includes(spec)
      : (spec.kind === 'uniform' && spec.min < spec.max) ||
        (spec.kind === 'normal' && spec.std >= 0) ||
        (spec.kind === 'constant' && Number.isFinite(spec.value));
  if (!ok) {
    throw new ValueError(
      `${what}: expected one of ${names.join(', ')}, {kind:'uniform',min,max}, {kind:'normal',std}, {kind:'constant',value}; got ${JSON.stringify(spec)}`,
    );
  }
}

/** Fills out[0..n) according to spec. */
export function initialize(out: Float32Array, spec: InitializerSpec, fanIn: number, fanOut: number, rng: Rng): void {
  const uniform = (bound: number) => {
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-bound, bound);
  };
  const normal = (mean: number, std: number) => {
    for (let i = 0; i < out.length; i++) out[i] = rng.normal(mean, std);
  };
  if (typeof spec === 'object') {
    if (spec.kind === 'uniform') for (let i = 0; i < out.length; i++) out[i] = rng.uniform(spec.min, spec.max);
    else if (spec.kind === 'normal') normal(spec.mean ?? 0, spec.std);
    else out.fill(spec.value);
    return;
  }
  switch (spec) {
    case 'torch':
      return uniform(1 / Math.sqrt(fanIn));
    case 'glorotUniform':
      return uniform(Math.sqrt(6 / (fanIn + fanOut)));
    case 'glorotNormal':
      return normal(0, Math.sqrt(2 / (fanIn + fanOut)));
    case 'heUniform':
      return uniform(Math.sqrt(6 / fanIn));
    case 'heNormal':
      return normal(0, Math.sqrt(2 / fanIn));
    case 'zeros':
      out.fill(0);
      return;
    case 'ones':
      out.fill(1);
      return;
  }
}
