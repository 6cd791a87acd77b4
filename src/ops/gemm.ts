// SPDX-License-Identifier: MIT
// Matrix products over assembly/gemm.ts: matmul (C = op(A)·op(B), optionally C +=) and the
// fully connected layer's pair, linear / linearBackward (torch.nn.functional.linear).
// Every op validates shapes and dtypes, then makes one kernel call; the Into forms allocate
// nothing except a temporary scratch block when the caller passed no workspace.
import { ShapeError, fmtShape } from '../core/errors.js';
import { free } from '../core/memory.js';
import { checkOptions } from '../core/options.js';
import { expectRank, expectShape } from '../core/shape.js';
import { type Tensor, expectDType, zeros, scope } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { scratchPtr } from '../core/workspace.js';
import { parallel, shareStart, threadsForWork } from '../core/parallel.js';

/** sgemm flag bits (assembly/gemm.ts: GEMM_TRANS_A, GEMM_TRANS_B, GEMM_ACC). */
const TRANS_A = 1;
const TRANS_B = 2;
const ACC = 4;

export interface MatmulOptions {
  /** `a` is stored [K, M]: use its transpose. */
  transA?: boolean;
  /** `b` is stored [N, K]: use its transpose. */
  transB?: boolean;
}

const MATMUL_OPTIONS = ['transA', 'transB', 'accumulate'];

function matmulDims(a: Tensor, b: Tensor, opts: MatmulOptions): [number, number, number] {
  checkOptions('matmul', opts, MATMUL_OPTIONS);
  expectRank('matmul a', a.shape, 2);
  expectRank('matmul b', b.shape, 2);
  expectDType('matmul a', a, 'float32');
  expectDType('matmul b', b, 'float32');
  const [m, ka] = opts.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = opts.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (ka !== kb) {
    const want = opts.transB ? `[*, ${ka}]` : `[${ka}, *]`;
    throw new ShapeError(
      `matmul: inner dimensions must match: expected b=${want} for a=${fmtShape(a.shape)}` +
        `${opts.transA ? ' (transA)' : ''}${opts.transB ? ' (transB)' : ''}, got b=${fmtShape(b.shape)}`,
    );
  }
  return [m, n, ka];
}

/**
 * C = op(A)·op(B) for 2-D tensors (op = transpose when transA / transB).
 * @example const c = cnn.ops.matmul(a, b, { transB: true }); // a·bᵀ
 * See: torch.matmul
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const [m, n] = matmulDims(a, b, opts);
  return scope(() => {
    const c = zeros([m, n]);
    matmulInto(c, a, b, opts);
    return c;
  });
}

/**
 * c = op(a)·op(b), or c += op(a)·op(b) with `accumulate`. c must not overlap a or b.
 * `workspace`: at least `matmulWorkspaceSize(n, k)` floats (a temporary is used when omitted).
 * @example cnn.ops.matmulInto(c, a, b, { accumulate: true });
 * See: torch.matmul (out=)
 */
export function matmulInto(
  c: Tensor,
  a: Tensor,
  b: Tensor,
  opts: MatmulOptions & { accumulate?: boolean } = {},
  workspace: Tensor | null = null,
): void {
  const [m, n, k] = matmulDims(a, b, opts);
  expectDType('matmul c', c, 'float32');
  expectShape('matmul c', c.shape, [m, n]);
  const kern = kernels();
  const ws = scratchPtr('matmul', kern.sgemm_workspace(n, k), workspace);
  const flags = (opts.transA ? TRANS_A : 0) | (opts.transB ? TRANS_B : 0) | (opts.accumulate ? ACC : 0);
  try {
    kern.sgemm(c.ptr, a.ptr, b.ptr, ws, m, n, k, n, a.shape[1], b.shape[1], flags);
  } finally {
    if (!workspace) free(ws);
  }
}

/**
 * Floats of workspace matmulInto needs for an [*, k]·[k, n] product.
 * @example const ws = cnn.zeros([cnn.ops.matmulWorkspaceSize(n, k)]);
 * See: torch.matmul
 */
export function matmulWorkspaceSize(n: number, k: number): number {
  return kernels().sgemm_workspace(n, k);
}

function linearDims(x: Tensor, w: Tensor): [number, number, number] {
  expectRank('linear x', x.shape, 2, 'batch, inFeatures');
  expectRank('linear w', w.shape, 2, 'outFeatures, inFeatures');
  expectDType('linear x', x, 'float32');
  expectDType('linear w', w, 'float32');
  if (w.shape[1] !== x.shape[1]) {
    throw new ShapeError(
      `linear: weight in-features must equal input features: expected w=[${w.shape[0]}, ${x.shape[1]}] ` +
        `for x=${fmtShape(x.shape)}, got w=${fmtShape(w.shape)}`,
    );
  }
  return [x.shape[0], x.shape[1], w.shape[0]];
}

function checkBias(what: string, b: Tensor, out: number): void {
  expectDType(what, b, 'float32');
  expectShape(what, b.shape, [out]);
}

/**
 * y = x·wᵀ + b: x [N, in], w [out, in], b [out] or null → y [N, out].
 * @example const y = cnn.ops.linear(x, w, b);
 * See: torch.nn.functional.linear
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const [batch, , nout] = linearDims(x, w);
  return scope(() => {
    const y = zeros([batch, nout]);
    linearInto(y, x, w, b);
    return y;
  });
}

/**
 * linear into a preallocated y [N, out] (overwritten).
 * `workspace`: at least linearWorkspaceSize(N, in, out) floats.
 * @example cnn.ops.linearInto(y, x, w, b, ws);
 * See: torch.nn.functional.linear
 */
export function linearInto(y: Tensor, x: Tensor, w: Tensor, b: Tensor | null, workspace: Tensor | null = null): void {
  const [batch, nin, nout] = linearDims(x, w);
  expectDType('linear y', y, 'float32');
  expectShape('linear y', y.shape, [batch, nout]);
  if (b) checkBias('linear b', b, nout);
  const per = kernels().sgemm_workspace(nout, nin);
  const ws = scratchPtr('linear', per, workspace);
  // Split by rows of the batch, each thread with its own sgemm scratch.
  const T = Math.min(threadsForWork(batch, linearWork(batch, nin, nout)), Math.floor((workspace ? workspace.size : per) / per));
  try {
    parallel(T, (t, call) => {
      const r0 = shareStart(t, T, batch);
      const r1 = shareStart(t + 1, T, batch);
      call('linear_forward', y.ptr + r0 * nout * 4, x.ptr + r0 * nin * 4, w.ptr, b ? b.ptr : 0, ws + t * per * 4, r1 - r0, nin, nout);
    });
  } finally {
    if (!workspace) free(ws);
  }
}

/**
 * Gradients of linear: dx = dy·w, dw = dyᵀ·x, db = Σ_rows dy (fresh tensors).
 * @example const { dx, dw, db } = cnn.ops.linearBackward(dy, x, w);
 * See: torch.nn.functional.linear (autograd)
 */
export function linearBackward(dy: Tensor, x: Tensor, w: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
  return scope(() => {
    const grads = { dx: zeros(x.shape), dw: zeros(w.shape), db: zeros([w.shape[0]]) };
    linearBackwardInto(grads, dy, x, w);
    return grads;
  });
}

/**
 * ACCUMULATES the gradients of linear: dx += dy·w (skipped when null), dw += dyᵀ·x,
 * db += Σ_rows dy (skipped when null). `workspace`: linearWorkspaceSize(N, in, out) floats.
 * @example cnn.ops.linearBackwardInto({ dx, dw, db }, dy, x, w, ws);
 * See: torch.nn.functional.linear (autograd)
 */
export function linearBackwardInto(
  grads: { dx: Tensor | null; dw: Tensor; db: Tensor | null },
  dy: Tensor,
  x: Tensor,
  w: Tensor,
  workspace: Tensor | null = null,
): void {
  const [batch, nin, nout] = linearDims(x, w);
  expectDType('linearBackward dy', dy, 'float32');
  expectShape('linearBackward dy', dy.shape, [batch, nout]);
  const { dx, dw, db } = grads;
  if (dx) {
    expectDType('linearBackward dx', dx, 'float32');
    expectShape('linearBackward dx', dx.shape, x.shape);
  }
  expectDType('linearBackward dw', dw, 'float32');
  expectShape('linearBackward dw', dw.shape, w.shape);
  if (db) checkBias('linearBackward db', db, nout);
  const per = oneThreadFloats(batch, nin, nout);
  const ws = scratchPtr('linearBackward', per, workspace);
  // dx by rows of the batch, dw by its rows (output features: each thread reduces over the
  // whole batch, so no partial sums), db on the first thread.
  const T = Math.min(threadsForWork(Math.max(batch, nout), 2 * linearWork(batch, nin, nout)), Math.floor((workspace ? workspace.size : per) / per));
  try {
    parallel(T, (t, call) => {
      const scratch = ws + t * per * 4;
      const r0 = shareStart(t, T, batch);
      const r1 = shareStart(t + 1, T, batch);
      if (dx && r1 > r0) call('sgemm', dx.ptr + r0 * nin * 4, dy.ptr + r0 * nout * 4, w.ptr, scratch, r1 - r0, nin, nout, nin, nout, nin, ACC);
      const o0 = shareStart(t, T, nout);
      const o1 = shareStart(t + 1, T, nout);
      if (o1 > o0) call('sgemm', dw.ptr + o0 * nin * 4, dy.ptr + o0 * 4, x.ptr, scratch, o1 - o0, nin, batch, nin, nout, nin, TRANS_A | ACC);
      if (db && t === 0) call('column_sums', db.ptr, dy.ptr, batch, nout);
    });
  } finally {
    if (!workspace) free(ws);
  }
}

/**
 * Floats of workspace linearInto and linearBackwardInto need (forward and backward).
 * @example const ws = cnn.zeros([cnn.ops.linearWorkspaceSize(64, 400, 120)]);
 * See: torch.nn.functional.linear
 */
export function linearWorkspaceSize(batch: number, inFeatures: number, outFeatures: number): number {
  return oneThreadFloats(batch, inFeatures, outFeatures) * threadsForWork(Math.max(batch, outFeatures), linearWork(batch, inFeatures, outFeatures));
}

/**
 * linear's work in parallel.ts's units: its multiply-adds at a quarter weight, since each
 * thread packs all of w again (a 120→84 layer at batch 64 ran slower on two threads).
 */
function linearWork(batch: number, nin: number, nout: number): number {
  return (batch * nin * nout) / 4;
}

/** One thread's sgemm scratch for linear's forward and backward. */
function oneThreadFloats(batch: number, inFeatures: number, outFeatures: number): number {
  const k = kernels();
  return Math.max(
    k.sgemm_workspace(outFeatures, inFeatures),
    k.sgemm_workspace(inFeatures, outFeatures),
    k.sgemm_workspace(inFeatures, batch),
  );
}
