// SPDX-License-Identifier: MIT
// Float64 local response normalisation, from torch.nn.functional.local_response_norm's
// definition (and AlexNet §3.3 with α divided by the window size), not from the kernel:
// x is [N, C, ...]; at every position, for channel c
//   s_c = k + (α/size)·Σ x_j² over j ∈ [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋] ∩ [0, C)
//         (torch pads ⌊size/2⌋ zero channels before and ⌊(size−1)/2⌋ after, then averages
//         over `size` channels, so the divisor is size even where the window is clipped)
//   y_c = x_c · s_c^(−β)
// Backward through the Jacobian, summed explicitly:
//   ∂y_c/∂x_i = [c = i]·s_c^(−β) − β·x_c·s_c^(−β−1)·(2α/size)·x_i·[i in the window of c].

export interface LrnRefOptions {
  size: number;
  alpha?: number;
  beta?: number;
  k?: number;
}

function each(shape: readonly number[], fn: (at: (c: number) => number, C: number) => void): void {
  const [n, C] = shape;
  const s = shape.slice(2).reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) for (let q = 0; q < s; q++) fn((c) => (i * C + c) * s + q, C);
}

function window(c: number, C: number, size: number): [number, number] {
  return [Math.max(0, c - Math.floor(size / 2)), Math.min(C - 1, c + Math.floor((size - 1) / 2))];
}

function base(x: ArrayLike<number>, at: (c: number) => number, c: number, C: number, o: Required<LrnRefOptions>): number {
  const [lo, hi] = window(c, C, o.size);
  let sum = 0;
  for (let j = lo; j <= hi; j++) sum += x[at(j)] * x[at(j)];
  return o.k + (o.alpha / o.size) * sum;
}

const withDefaults = (o: LrnRefOptions): Required<LrnRefOptions> => ({ alpha: 1e-4, beta: 0.75, k: 1, ...o });

export function lrnRef(x: ArrayLike<number>, shape: readonly number[], opts: LrnRefOptions): Float64Array {
  const o = withDefaults(opts);
  const y = new Float64Array(x.length);
  each(shape, (at, C) => {
    for (let c = 0; c < C; c++) y[at(c)] = x[at(c)] / Math.pow(base(x, at, c, C, o), o.beta);
  });
  return y;
}

export function lrnBackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>, shape: readonly number[], opts: LrnRefOptions): Float64Array {
  const o = withDefaults(opts);
  const dx = new Float64Array(x.length);
  each(shape, (at, C) => {
    for (let c = 0; c < C; c++) {
      const s = base(x, at, c, C, o);
      dx[at(c)] += dy[at(c)] * Math.pow(s, -o.beta);
      const [lo, hi] = window(c, C, o.size);
      for (let i = lo; i <= hi; i++) {
        dx[at(i)] -= dy[at(c)] * o.beta * x[at(c)] * Math.pow(s, -o.beta - 1) * ((2 * o.alpha) / o.size) * x[at(i)];
      }
    }
  });
  return dx;
}
