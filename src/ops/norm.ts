// SPDX-License-Identifier: MIT
// Batch normalisation over x [N, C, H, W] (or [N, C] as BatchNorm1d, [N, C, L]) with
// torch.nn.functional.batch_norm semantics, forward and backward side by side over
// assembly/norm.ts. Training normalises each channel with the batch's mean and biased
// variance, updates the running statistics in place when given, and can save the batch's
// mean and invstd = 1/sqrt(var + eps) for backward; evaluation uses the running statistics.
// A null weight is 1, a null bias 0. Every Into form validates and makes one kernel call.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { expectShape } from '../core/shape.js';
import { empty, expectDType, scope, zeros, type Tensor } from '../core/tensor.js';
import { forRange } from '../core/parallel.js';

export interface BatchNorm2dOptions {
  /** Normalise with the batch's statistics and update the running ones (default false, as F.batch_norm). */
  training?: boolean;
  /** Weight of the batch in the running statistics: r = (1 − m)·r + m·batch (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/** The batch statistics of a training forward, [C] each, kept for its backward. */
export interface BatchNormSaved {
  mean: Tensor;
  /** 1 / sqrt(biased batch variance + eps). */
  invstd: Tensor;
}

/** Where batchNorm2dBackwardInto accumulates; a null entry is not computed. */
export interface BatchNorm2dGrads {
  dx: Tensor | null;
  dweight: Tensor | null;
  dbias: Tensor | null;
}

interface Geometry {
  n: number;
  c: number;
  hw: number;
  training: boolean;
  momentum: number;
  eps: number;
}

function geometry(what: string, x: Tensor, opts: BatchNorm2dOptions): Geometry {
  checkOptions(what, opts, ['training', 'momentum', 'eps']);
  expectDType(`${what} x`, x, 'float32');
  const s = x.shape;
  if (s.length < 2 || s.length > 4) {
    throw new ShapeError(`${what}: expected x of rank 4 (N, C, H, W), 3 (N, C, L) or 2 (N, C), got shape ${fmtShape(s)}`);
  }
  const { training = false, momentum = 0.1, eps = 1e-5 } = opts;
  if (typeof training !== 'boolean') throw new ValueError(`${what}: expected training true or false, got ${JSON.stringify(training)}`);
  if (!(typeof momentum === 'number' && Number.isFinite(momentum))) throw new ValueError(`${what}: expected a finite momentum, got ${JSON.stringify(momentum)}`);
  if (!(typeof eps === 'number' && eps >= 0 && Number.isFinite(eps))) throw new ValueError(`${what}: expected eps ≥ 0, got ${JSON.stringify(eps)}`);
  const hw = (s[2] ?? 1) * (s[3] ?? 1);
  if (training && s[0] * hw <= 1) {
    throw new ValueError(`${what}: expected more than 1 value per channel when training, got x of shape ${fmtShape(s)} (N·H·W = ${s[0] * hw})`);
  }
  return { n: s[0], c: s[1], hw, training, momentum, eps };
}

/** Throws unless t is null or a float32 [c]. */
function expectChannels(what: string, name: string, t: Tensor | null, c: number): void {
  if (t === null) return;
  expectDType(`${what} ${name}`, t, 'float32');
  expectShape(`${what} ${name}`, t.shape, [c]);
}

/** Checks the running statistics: both or neither, required in evaluation. */
function expectRunning(what: string, g: Geometry, runningMean: Tensor | null, runningVar: Tensor | null): void {
  if ((runningMean === null) !== (runningVar === null) || (!g.training && runningMean === null)) {
    const need = g.training ? 'both or neither' : 'both (evaluation mode normalises with them)';
    throw new ValueError(
      `${what}: expected runningMean and runningVar ${need}, got runningMean ${runningMean ? 'given' : 'null'} and runningVar ${runningVar ? 'given' : 'null'}`,
    );
  }
  expectChannels(what, 'runningMean', runningMean, g.c);
  expectChannels(what, 'runningVar', runningVar, g.c);
}

function expectSaved(what: string, saved: BatchNormSaved | null, c: number): void {
  if (!saved) return;
  expectChannels(what, 'saved.mean', saved.mean, c);
  expectChannels(what, 'saved.invstd', saved.invstd, c);
}

const ptr = (t: Tensor | null | undefined): number => (t ? t.ptr : 0);

/**
 * Batch normalisation of x [N, C, H, W] (or [N, C]): y = (x − mean)/sqrt(var + eps)·weight + bias
 * per channel, with the batch's statistics in training (running statistics updated in place)
 * or the running ones in evaluation.
 * @example const y = cnn.ops.batchNorm2d(x, runningMean, runningVar, gamma, beta, { training: true });
 * See: torch.nn.functional.batch_norm
 */
export function batchNorm2d(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  opts: BatchNorm2dOptions = {},
): Tensor {
  return scope(() => {
    const y = empty(x.shape);
    batchNorm2dInto(y, x, runningMean, runningVar, weight, bias, opts);
    return y;
  });
}

/**
 * batchNorm2d into y (y may be x). In training, writes the batch's mean and invstd into
 * `saved` when given, for batchNorm2dBackwardInto.
 * @example cnn.ops.batchNorm2dInto(y, x, runningMean, runningVar, gamma, beta, { training: true }, { mean, invstd });
 * See: torch.nn.functional.batch_norm
 */
export function batchNorm2dInto(
  y: Tensor, x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  opts: BatchNorm2dOptions = {}, saved: BatchNormSaved | null = null,
): void {
  const what = 'batchNorm2d';
  const g = geometry(what, x, opts);
  expectDType(`${what} y`, y, 'float32');
  expectShape(`${what} y`, y.shape, x.shape);
  expectRunning(what, g, runningMean, runningVar);
  expectChannels(what, 'weight', weight, g.c);
  expectChannels(what, 'bias', bias, g.c);
  expectSaved(what, saved, g.c);
  // Split by channel: each channel's statistics are summed by one thread, as with one.
  if (g.training) {
    const args = [y.ptr, ptr(saved?.mean), ptr(saved?.invstd), ptr(runningMean), ptr(runningVar), x.ptr, ptr(weight), ptr(bias), g.n, g.c, g.hw, g.momentum, g.eps];
    forRange('batchnorm2d_forward_train', args, g.c, 16 * g.n * g.hw);
  } else {
    forRange('batchnorm2d_forward_eval', [y.ptr, x.ptr, runningMean!.ptr, runningVar!.ptr, ptr(weight), ptr(bias), g.n, g.c, g.hw, g.eps], g.c, 8 * g.n * g.hw);
  }
}

/**
 * Gradients of batchNorm2d (new tensors; dweight is null when weight is): in training, through
 * the batch statistics recomputed from x; in evaluation, with the running statistics as constants.
 * @example const { dx, dweight, dbias } = cnn.ops.batchNorm2dBackward(dy, x, runningMean, runningVar, gamma, { training: true });
 * See: torch.nn.functional.batch_norm (autograd)
 */
export function batchNorm2dBackward(
  dy: Tensor, x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null,
  opts: BatchNorm2dOptions = {},
): { dx: Tensor; dweight: Tensor | null; dbias: Tensor } {
  const { c } = geometry('batchNorm2dBackward', x, opts);
  return scope(() => {
    const grads = { dx: zeros(x.shape), dweight: weight ? zeros([c]) : null, dbias: zeros([c]) };
    batchNorm2dBackwardInto(grads, dy, x, runningMean, runningVar, weight, opts);
    return grads;
  });
}

/**
 * Accumulates the gradients of batchNorm2d into `grads` (null entries skipped):
 * with x̂ = (x − mean)·invstd and g = dy·weight, training gives
 * dx += invstd/M·(M·g − Σg − x̂·Σ(g·x̂)) (M = N·H·W), evaluation dx += g·invstd;
 * dweight += Σ dy·x̂, dbias += Σ dy. Training uses `saved` (the forward's statistics)
 * when given, else recomputes them from x. ACCUMULATES.
 * @example cnn.ops.batchNorm2dBackwardInto({ dx, dweight, dbias }, dy, x, runningMean, runningVar, gamma, { training: true }, { mean, invstd });
 * See: torch.nn.functional.batch_norm (autograd)
 */
export function batchNorm2dBackwardInto(
  grads: BatchNorm2dGrads, dy: Tensor, x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null,
  opts: BatchNorm2dOptions = {}, saved: BatchNormSaved | null = null,
): void {
  const what = 'batchNorm2dBackward';
  const g = geometry(what, x, opts);
  if (grads === null || typeof grads !== 'object') throw new ValueError(`${what}: expected grads { dx, dweight, dbias }, got ${grads}`);
  const { dx, dweight, dbias } = grads;
  expectDType(`${what} dy`, dy, 'float32');
  expectShape(`${what} dy`, dy.shape, x.shape);
  if (dx) {
    expectDType(`${what} dx`, dx, 'float32');
    expectShape(`${what} dx`, dx.shape, x.shape);
  }
  expectChannels(what, 'dweight', dweight ?? null, g.c);
  expectChannels(what, 'dbias', dbias ?? null, g.c);
  expectRunning(what, g, runningMean, runningVar);
  expectChannels(what, 'weight', weight, g.c);
  expectSaved(what, saved, g.c);
  const stats = g.training ? [ptr(saved?.mean), ptr(saved?.invstd)] : [runningMean!.ptr, runningVar!.ptr];
  const args = [ptr(dx), ptr(dweight), ptr(dbias), dy.ptr, x.ptr, ...stats, ptr(weight), g.n, g.c, g.hw, g.eps];
  forRange(g.training ? 'batchnorm2d_backward_train' : 'batchnorm2d_backward_eval', args, g.c, 16 * g.n * g.hw);
}
