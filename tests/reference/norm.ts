// SPDX-License-Identifier: MIT
// Float64 batch normalisation oracle, written from the definitions (torch.nn.BatchNorm2d's
// docs and the backward derived by hand), not from the kernels. Channel c of x [N, C, ...]
// holds M = N·H·W values (H·W = 1 for [N, C]).
//   training:   μ = Σx/M, σ² = Σ(x − μ)²/M (biased), invstd = 1/√(σ² + eps),
//               y = (x − μ)·invstd·w + b,
//               running: rμ ← (1 − m)·rμ + m·μ,  rσ² ← (1 − m)·rσ² + m·σ²·M/(M − 1)
//   evaluation: y = (x − rμ)/√(rσ² + eps)·w + b
//   backward:   x̂ = (x − μ)·invstd, g = dy·w;  dw = Σ dy·x̂, db = Σ dy,
//               training dx = invstd/M·(M·g − Σg − x̂·Σ(g·x̂)), evaluation dx = g·invstd.
// weight null ⇒ 1, bias null ⇒ 0.

export interface BatchNormRefOptions {
  training: boolean;
  momentum?: number;
  eps?: number;
  weight?: ArrayLike<number> | null;
  bias?: ArrayLike<number> | null;
  runningMean?: ArrayLike<number> | null;
  runningVar?: ArrayLike<number> | null;
}

export interface BatchNormRef {
  y: Float64Array;
  /** The statistics the forward normalised with (batch or running), per channel. */
  mean: Float64Array;
  invstd: Float64Array;
  /** Updated running statistics (training with running statistics given), else the given ones. */
  runningMean: Float64Array | null;
  runningVar: Float64Array | null;
}

/** Flat indices of channel ch's values, for x of `shape` [N, C, ...]. */
function channel(shape: readonly number[], ch: number): number[] {
  const [n, c] = shape;
  const hw = shape.slice(2).reduce((a, b) => a * b, 1);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) idx.push((i * c + ch) * hw + j);
  return idx;
}

export function batchNormRef(x: ArrayLike<number>, shape: readonly number[], o: BatchNormRefOptions): BatchNormRef {
  const c = shape[1];
  const { momentum = 0.1, eps = 1e-5 } = o;
  const y = new Float64Array(x.length);
  const mean = new Float64Array(c);
  const invstd = new Float64Array(c);
  const rm = o.runningMean ? Float64Array.from(o.runningMean) : null;
  const rv = o.runningVar ? Float64Array.from(o.runningVar) : null;
  for (let ch = 0; ch < c; ch++) {
    const idx = channel(shape, ch);
    const M = idx.length;
    let mu: number, v: number;
    if (o.training) {
      mu = idx.reduce((s, i) => s + x[i], 0) / M;
      v = idx.reduce((s, i) => s + (x[i] - mu) ** 2, 0) / M;
      if (rm && rv) {
        rm[ch] = (1 - momentum) * rm[ch] + momentum * mu;
        rv[ch] = (1 - momentum) * rv[ch] + (momentum * v * M) / (M - 1);
      }
    } else {
      mu = rm![ch];
      v = rv![ch];
    }
    mean[ch] = mu;
    invstd[ch] = 1 / Math.sqrt(v + eps);
    const w = o.weight ? o.weight[ch] : 1;
    const b = o.bias ? o.bias[ch] : 0;
    for (const i of idx) y[i] = (x[i] - mu) * invstd[ch] * w + b;
  }
  return { y, mean, invstd, runningMean: rm, runningVar: rv };
}

export function batchNormBackwardRef(
  dy: ArrayLike<number>, x: ArrayLike<number>, shape: readonly number[], o: BatchNormRefOptions,
): { dx: Float64Array; dweight: Float64Array; dbias: Float64Array } {
  const c = shape[1];
  const { mean, invstd } = batchNormRef(x, shape, o);
  const dx = new Float64Array(x.length);
  const dweight = new Float64Array(c);
  const dbias = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const idx = channel(shape, ch);
    const M = idx.length;
    const w = o.weight ? o.weight[ch] : 1;
    const xhat = (i: number) => (x[i] - mean[ch]) * invstd[ch];
    let sg = 0, sgx = 0;
    for (const i of idx) {
      dbias[ch] += dy[i];
      dweight[ch] += dy[i] * xhat(i);
      sg += dy[i] * w;
      sgx += dy[i] * w * xhat(i);
    }
    for (const i of idx) {
      const g = dy[i] * w;
      dx[i] = o.training ? (invstd[ch] / M) * (M * g - sg - xhat(i) * sgx) : g * invstd[ch];
    }
  }
  return { dx, dweight, dbias };
}
