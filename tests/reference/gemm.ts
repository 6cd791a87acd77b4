// SPDX-License-Identifier: MIT
// Float64 oracle for the GEMM family, written from the definitions (plain loops, no blocking):
//   C[i, j] = Σ_p op(A)[i, p] · op(B)[p, j]
//   linear: y[i, o] = Σ_f x[i, f] · w[o, f] + b[o]   (torch.nn.functional.linear)
//   ∂L/∂x[i, f] = Σ_o dy[i, o] · w[o, f];  ∂L/∂w[o, f] = Σ_i dy[i, o] · x[i, f];  ∂L/∂b[o] = Σ_i dy[i, o]

export interface MatmulRefOptions {
  /** a is stored [k, m]. */
  transA?: boolean;
  /** b is stored [n, k]. */
  transB?: boolean;
}

/** op(a)·op(b) as an m×n row-major Float64Array. */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number, opts: MatmulRefOptions = {}): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = opts.transA ? a[p * m + i] : a[i * k + p];
        const bv = opts.transB ? b[j * k + p] : b[p * n + j];
        s += av * bv;
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

/** y = x·wᵀ + b for x [batch, nin], w [nout, nin], b [nout] or null. */
export function linearRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, batch: number, nin: number, nout: number): Float64Array {
  const y = new Float64Array(batch * nout);
  for (let i = 0; i < batch; i++) {
    for (let o = 0; o < nout; o++) {
      let s = b ? b[o] : 0;
      for (let f = 0; f < nin; f++) s += x[i * nin + f] * w[o * nin + f];
      y[i * nout + o] = s;
    }
  }
  return y;
}

/** The three gradients of linear for an upstream gradient dy [batch, nout]. */
export function linearBackwardRef(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  batch: number,
  nin: number,
  nout: number,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(batch * nin);
  const dw = new Float64Array(nout * nin);
  const db = new Float64Array(nout);
  for (let i = 0; i < batch; i++) {
    for (let o = 0; o < nout; o++) {
      const g = dy[i * nout + o];
      db[o] += g;
      for (let f = 0; f < nin; f++) {
        dx[i * nin + f] += g * w[o * nin + f];
        dw[o * nin + f] += g * x[i * nin + f];
      }
    }
  }
  return { dx, dw, db };
}
