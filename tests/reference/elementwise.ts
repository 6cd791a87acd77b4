// SPDX-License-Identifier: MIT
// Float64 activations, from their definitions (SEEDS.md "Activations"):
// relu(x) = max(0, x), relu′ = [x > 0]; σ(x) = 1/(1 + e^−x), σ′ = y(1 − y);
// tanh, tanh′ = 1 − y². Backward returns dy · f′ (the wasm form adds it into dx).

const map = (x: ArrayLike<number>, f: (v: number, i: number) => number) => Float64Array.from({ length: x.length }, (_, i) => f(x[i], i));

export const reluRef = (x: ArrayLike<number>) => map(x, (v) => (v > 0 ? v : 0));
export const reluBackwardRef = (dy: ArrayLike<number>, x: ArrayLike<number>) => map(x, (v, i) => (v > 0 ? dy[i] : 0));

export const sigmoidRef = (x: ArrayLike<number>) => map(x, (v) => 1 / (1 + Math.exp(-v)));
export const sigmoidBackwardRef = (dy: ArrayLike<number>, y: ArrayLike<number>) => map(y, (v, i) => dy[i] * v * (1 - v));

export const tanhRef = (x: ArrayLike<number>) => map(x, (v) => Math.tanh(v));
export const tanhBackwardRef = (dy: ArrayLike<number>, y: ArrayLike<number>) => map(y, (v, i) => dy[i] * (1 - v * v));

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
