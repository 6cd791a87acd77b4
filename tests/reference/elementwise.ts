// SPDX-License-Identifier: MIT
// Float64 activations, from their definitions (SEEDS.md "Activations", PyTorch's docs):
// relu(x) = max(0, x), relu′ = [x > 0]; σ(x) = 1/(1 + e^−x), σ′ = y(1 − y);
// tanh, tanh′ = 1 − y²; leaky_relu(x) = x if x > 0 else s·x; elu(x) = x if x > 0 else
// α(e^x − 1); gelu(x) = x·Φ(x) = ½x(1 + erf(x/√2)), gelu′ = Φ(x) + x·φ(x), or the tanh form
// ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³). At x = 0 the derivatives of leaky_relu and
// elu take the negative branch (s, α), as torch's. Backward returns dy · f′ (the wasm form
// adds it into dx).

const map = (x: ArrayLike<number>, f: (v: number, i: number) => number) => Float64Array.from({ length: x.length }, (_, i) => f(x[i], i));

export const reluRef = (x: ArrayLike<number>) => map(x, (v) => (v > 0 ? v : 0));
export const reluBackwardRef = (dy: ArrayLike<number>, x: ArrayLike<number>) => map(x, (v, i) => (v > 0 ? dy[i] : 0));

export const sigmoidRef = (x: ArrayLike<number>) => map(x, (v) => 1 / (1 + Math.exp(-v)));
export const sigmoidBackwardRef = (dy: ArrayLike<number>, y: ArrayLike<number>) => map(y, (v, i) => dy[i] * v * (1 - v));

export const tanhRef = (x: ArrayLike<number>) => map(x, (v) => Math.tanh(v));
export const tanhBackwardRef = (dy: ArrayLike<number>, y: ArrayLike<number>) => map(y, (v, i) => dy[i] * (1 - v * v));

export const leakyReluRef = (x: ArrayLike<number>, s = 0.01) => map(x, (v) => (v > 0 ? v : s * v));
export const leakyReluBackwardRef = (dy: ArrayLike<number>, x: ArrayLike<number>, s = 0.01) => map(x, (v, i) => (v > 0 ? dy[i] : s * dy[i]));

export const eluRef = (x: ArrayLike<number>, alpha = 1) => map(x, (v) => (v > 0 ? v : alpha * Math.expm1(v)));
export const eluBackwardRef = (dy: ArrayLike<number>, x: ArrayLike<number>, alpha = 1) => map(x, (v, i) => (v > 0 ? dy[i] : dy[i] * alpha * Math.exp(v)));

/**
 * erfc in float64 to ~1e-14 relative: 1 − erf by its Maclaurin series
 * erf z = (2/√π) Σ (−1)ⁿ z^(2n+1) / (n!(2n+1)) for |z| < 2.5, Laplace's continued fraction
 * erfc z = e^(−z²)/√π · 1/(z + ½/(z + 1/(z + 3⁄2/(z + …)))) above, erfc(−z) = 2 − erfc z.
 */
export function erfcRef(z: number): number {
  if (z < 0) return 2 - erfcRef(-z);
  if (z < 2.5) {
    let sum = 0;
    let term = z;
    for (let n = 0; Math.abs(term) > 1e-18 * Math.abs(sum) || n < 3; n++) {
      sum += term / (2 * n + 1);
      term *= (-z * z) / (n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = z;
  for (let k = 200; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}

/** Φ(x), the standard normal CDF, = ½·erfc(−x/√2) (accurate in the lower tail). */
export const normalCdf = (x: number) => 0.5 * erfcRef(-x / Math.SQRT2);
const normalPdf = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
const K = Math.sqrt(2 / Math.PI);
const tanhU = (x: number) => Math.tanh(K * (x + 0.044715 * x * x * x));

export const geluRef = (x: ArrayLike<number>, approximate: 'none' | 'tanh' = 'none') =>
  map(x, (v) => (approximate === 'none' ? v * normalCdf(v) : 0.5 * v * (1 + tanhU(v))));
export const geluBackwardRef = (dy: ArrayLike<number>, x: ArrayLike<number>, approximate: 'none' | 'tanh' = 'none') =>
  map(x, (v, i) => {
    if (approximate === 'none') return dy[i] * (normalCdf(v) + v * normalPdf(v));
    const t = tanhU(v);
    return dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * K * (1 + 3 * 0.044715 * v * v));
  });

export const addRef = (a: ArrayLike<number>, b: ArrayLike<number>) => map(a, (v, i) => v + b[i]);

/** (x − mean_c) / std_c over channel c = dim 1 of shape [N, C, ...] (torchvision's Normalize). */
export function normalizeRef(x: ArrayLike<number>, shape: readonly number[], mean: number[], std: number[]): Float64Array {
  const [, c] = shape;
  const plane = shape.slice(2).reduce((a, b) => a * b, 1);
  return map(x, (v, i) => {
    const ch = Math.floor(i / plane) % c;
    return (v - mean[ch]) / std[ch];
  });
}

/** add's backward: δ to both inputs unchanged. */
export const addBackwardRef = (dy: ArrayLike<number>) => ({ da: map(dy, (v) => v), db: map(dy, (v) => v) });
