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

export function softmaxRef(x: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const [n, c] = shape;
  const s = shape.slice(2).reduce((a, b) => a * b, 1);
  const y = new Float64Array(x.length);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < s; q++) {
      const at = (k: number) => (i * c + k) * s + q;
      let m = -Infinity;
      for (let k = 0; k < c; k++) m = Math.max(m, x[at(k)]);
      let z = 0;
      for (let k = 0; k < c; k++) z += Math.exp(x[at(k)] - m);
      for (let k = 0; k < c; k++) y[at(k)] = Math.exp(x[at(k)] - m) / z;
    }
  }
  return y;
}

/** Through the Jacobian ∂p_k/∂x_c = p_k([k = c] − p_c), summed explicitly. */
export function softmaxBackwardRef(dy: ArrayLike<number>, y: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const [n, c] = shape;
  const s = shape.slice(2).reduce((a, b) => a * b, 1);
  const dx = new Float64Array(y.length);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < s; q++) {
      const at = (k: number) => (i * c + k) * s + q;
      for (let j = 0; j < c; j++) {
        let g = 0;
        for (let k = 0; k < c; k++) g += dy[at(k)] * y[at(k)] * ((k === j ? 1 : 0) - y[at(j)]);
        dx[at(j)] = g;
      }
    }
  }
  return dx;
}

export function logSoftmaxRef(x: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const [n, c] = shape;
  const s = shape.slice(2).reduce((a, b) => a * b, 1);
  const y = new Float64Array(x.length);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < s; q++) {
      const at = (k: number) => (i * c + k) * s + q;
      let m = -Infinity;
      for (let k = 0; k < c; k++) m = Math.max(m, x[at(k)]);
      let z = 0;
      for (let k = 0; k < c; k++) z += Math.exp(x[at(k)] - m);
      for (let k = 0; k < c; k++) y[at(k)] = x[at(k)] - m - Math.log(z);
    }
  }
  return y;
}

/** Through the Jacobian ∂y_k/∂x_c = [k = c] − p_c (p = e^y, the softmax), summed explicitly; y is the forward output. */
export function logSoftmaxBackwardRef(dy: ArrayLike<number>, y: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const [n, c] = shape;
  const s = shape.slice(2).reduce((a, b) => a * b, 1);
  const dx = new Float64Array(y.length);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < s; q++) {
      const at = (k: number) => (i * c + k) * s + q;
      for (let j = 0; j < c; j++) {
        let g = 0;
        for (let k = 0; k < c; k++) g += dy[at(k)] * ((k === j ? 1 : 0) - Math.exp(y[at(j)]));
        dx[at(j)] = g;
      }
    }
  }
  return dx;
}

export function crossEntropyRef(logits: ArrayLike<number>, labels: ArrayLike<number>, n: number, c: number): { loss: number; dlogits: Float64Array } {
  const p = softmaxRef(logits, [n, c]);
  let loss = 0;
  const dlogits = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    // log p computed stably: x_l − max − log Σ e^(x − max).
    let m = -Infinity;
    for (let k = 0; k < c; k++) m = Math.max(m, logits[i * c + k]);
    let z = 0;
    for (let k = 0; k < c; k++) z += Math.exp(logits[i * c + k] - m);
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
