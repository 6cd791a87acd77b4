// SPDX-License-Identifier: MIT
// Central finite differences on a float64 function, as convnetjs checks its layers:
// ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h. Used to validate the float64 reference
// backward (tight h), which then validates the wasm backward.

/** Numerical gradient of scalar f at x (x is restored afterwards). */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6, indices?: number[]): Float64Array {
  const g = new Float64Array(x.length);
  for (const i of indices ?? x.keys()) {
    const old = x[i];
    x[i] = old + h;
    const fp = f(x);
    x[i] = old - h;
    const fm = f(x);
    x[i] = old;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** Σ a_i·b_i: turns a tensor-valued function into a scalar via a fixed random projection. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
