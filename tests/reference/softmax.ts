// SPDX-License-Identifier: MIT
// Float64 softmax and losses, from the definitions (SEEDS.md "Losses"):
//   softmax over dim 1 of (N, C, S): p_c = e^(x_c − max) / Σ_k e^(x_k − max)
//   softmax backward: dx_c = Σ_k dy_k ∂p_k/∂x_c = Σ_k dy_k p_k ([k = c] − p_c)
//   cross-entropy (mean over N): L = −(1/N) Σ_n log p[n, label_n]; ∂L/∂x = (p − onehot)/N
//   log-softmax over dim 1: y_c = (x_c − max) − log Σ_k e^(x_k − max);
//   its backward: dx_c = Σ_k dy_k ∂y_k/∂x_c = Σ_k dy_k ([k = c] − p_c)
//   mse (mean over all elements): L = (1/M) Σ (pred − target)²; ∂L/∂pred = 2(pred − target)/M
//   Euclidean (summed, the articles'): L = ½ Σ (pred − target)²; ∂L/∂pred = pred − target
//   count correct: #{n : first argmax_c x[n, c] = label_n}

/** Visits every softmax row of shape (N, C, S...): the C values at one n and position; at(k) indexes class k. */
function forEachRow(shape: readonly number[], visit: (at: (k: number) => number, c: number) => void): void {
  const [n, c] = shape;
  const s = shape.slice(2).reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < s; q++) visit((k) => (i * c + k) * s + q, c);
  }
}

/** max_k x_k and z = Σ_k e^(x_k − max) of one row. */
function maxAndZ(x: ArrayLike<number>, at: (k: number) => number, c: number): { m: number; z: number } {
  let m = -Infinity;
  for (let k = 0; k < c; k++) m = Math.max(m, x[at(k)]);
  let z = 0;
  for (let k = 0; k < c; k++) z += Math.exp(x[at(k)] - m);
  return { m, z };
}

/** dx_j = Σ_k term(dy_k, y_k, y_j, [k = j]) over every row: the Jacobian summed explicitly. */
function throughJacobian(dy: ArrayLike<number>, y: ArrayLike<number>, shape: readonly number[], term: (dyk: number, yk: number, yj: number, kj: number) => number): Float64Array {
  const dx = new Float64Array(y.length);
  forEachRow(shape, (at, c) => {
    for (let j = 0; j < c; j++) {
      let g = 0;
      for (let k = 0; k < c; k++) g += term(dy[at(k)], y[at(k)], y[at(j)], k === j ? 1 : 0);
      dx[at(j)] = g;
    }
  });
  return dx;
}

export function softmaxRef(x: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const y = new Float64Array(x.length);
  forEachRow(shape, (at, c) => {
    const { m, z } = maxAndZ(x, at, c);
    for (let k = 0; k < c; k++) y[at(k)] = Math.exp(x[at(k)] - m) / z;
  });
  return y;
}

/** Through the Jacobian ∂p_k/∂x_c = p_k([k = c] − p_c), summed explicitly. */
export function softmaxBackwardRef(dy: ArrayLike<number>, y: ArrayLike<number>, shape: readonly number[]): Float64Array {
  return throughJacobian(dy, y, shape, (dyk, yk, yj, kj) => dyk * yk * (kj - yj));
}

export function logSoftmaxRef(x: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const y = new Float64Array(x.length);
  forEachRow(shape, (at, c) => {
    const { m, z } = maxAndZ(x, at, c);
    for (let k = 0; k < c; k++) y[at(k)] = x[at(k)] - m - Math.log(z);
  });
  return y;
}

/** Through the Jacobian ∂y_k/∂x_c = [k = c] − p_c (p = e^y, the softmax), summed explicitly; y is the forward output. */
export function logSoftmaxBackwardRef(dy: ArrayLike<number>, y: ArrayLike<number>, shape: readonly number[]): Float64Array {
  return throughJacobian(dy, y, shape, (dyk, _yk, yj, kj) => dyk * (kj - Math.exp(yj)));
}

export function crossEntropyRef(logits: ArrayLike<number>, labels: ArrayLike<number>, n: number, c: number): { loss: number; dlogits: Float64Array } {
  const p = softmaxRef(logits, [n, c]);
  let loss = 0;
  const dlogits = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    // log p computed stably: x_l − max − log Σ e^(x − max).
    const { m, z } = maxAndZ(logits, (k) => i * c + k, c);
    loss -= logits[i * c + labels[i]] - m - Math.log(z);
    for (let k = 0; k < c; k++) dlogits[i * c + k] = (p[i * c + k] - (k === labels[i] ? 1 : 0)) / n;
  }
  return { loss: loss / n, dlogits };
}

export function mseRef(pred: ArrayLike<number>, target: ArrayLike<number>): { loss: number; dpred: Float64Array } {
  const m = pred.length;
  let loss = 0;
  const dpred = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const d = pred[i] - target[i];
    loss += d * d;
    dpred[i] = (2 * d) / m;
  }
  return { loss: loss / m, dpred };
}

export function euclideanRef(pred: ArrayLike<number>, target: ArrayLike<number>): { loss: number; dpred: Float64Array } {
  let loss = 0;
  const dpred = new Float64Array(pred.length);
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i] - target[i];
    loss += d * d;
    dpred[i] = d;
  }
  return { loss: loss / 2, dpred };
}

export function countCorrectRef(logits: ArrayLike<number>, labels: ArrayLike<number>, n: number, c: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let k = 1; k < c; k++) if (logits[i * c + k] > logits[i * c + arg]) arg = k;
    if (arg === labels[i]) hits++;
  }
  return hits;
}
