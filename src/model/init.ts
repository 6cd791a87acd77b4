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

function isInitializer(spec: unknown): boolean {
  if (typeof spec === 'string') return names.includes(spec);
  if (spec === null || typeof spec !== 'object') return false;
  const { kind, min, max, mean = 0, std, value } = spec as Record<string, unknown>;
  const finite = (...v: unknown[]) => v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (kind === 'uniform') return finite(min, max) && (min as number) < (max as number);
  if (kind === 'normal') return finite(mean, std) && (std as number) >= 0;
  return kind === 'constant' && finite(value);
}

/** Throws a ValueError unless spec is a known initialiser. */
export function checkInitializer(spec: InitializerSpec, what: string): void {
  if (!isInitializer(spec)) {
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
