// SPDX-License-Identifier: MIT
// Shape arithmetic shared by ops and layers: sizes, PyTorch's output-size formulas, and
// the checks that turn a wrong shape into a ShapeError naming expected and actual.
import { ShapeError, ValueError, fmtShape } from './errors.js';

/** A per-axis option: one number for both axes, or `[h, w]`. */
export type Pair = number | readonly [number, number];

/** Expands `3` to `[3, 3]`; checks integers and the lower bound. */
export function pair(v: Pair, name: string, min = 0): [number, number] {
  if (typeof v !== 'number' && !(Array.isArray(v) && v.length === 2)) {
    throw new ValueError(`${name}: expected an integer or [h, w], got ${JSON.stringify(v)}`);
  }
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  for (const x of p) {
    if (!Number.isInteger(x) || x < min) {
      throw new ValueError(`${name}: expected integer(s) ≥ ${min}, got ${JSON.stringify(v)}`);
    }
  }
  return p;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Output length of a convolution along one axis, as torch.nn.Conv2d:
 * floor((n + 2p − d·(k − 1) − 1) / s) + 1, i.e. (n + 2p − m) / s + 1 with the dilated
 * kernel m = k + (k − 1)(d − 1).
 */
export function convOutSize(n: number, k: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((n + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

/**
 * Output length of a pooling window along one axis, as torch.nn.MaxPool2d: like convOutSize,
 * but with ceilMode the last partial window counts, provided it starts inside the input or
 * the left padding.
 */
export function poolOutSize(n: number, k: number, stride: number, pad: number, ceilMode: boolean, dilation = 1): number {
  const span = n + 2 * pad - dilation * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= n + pad) out -= 1;
  return out;
}

/** Throws unless `actual` equals `expected`; `-1` in expected matches any size. */
export function expectShape(what: string, actual: readonly number[], expected: readonly number[]): void {
  const ok = actual.length === expected.length && expected.every((d, i) => d === -1 || d === actual[i]);
  if (!ok) {
    const exp = expected.map((d) => (d === -1 ? '*' : String(d))).join(', ');
    throw new ShapeError(`${what}: expected shape [${exp}], got ${fmtShape(actual)}`);
  }
}

/** Throws unless the shape has the given rank. */
export function expectRank(what: string, shape: readonly number[], rank: number, layout = ''): void {
  if (shape.length !== rank) {
    const hint = layout ? ` (${layout})` : '';
    throw new ShapeError(`${what}: expected a rank-${rank} tensor${hint}, got shape ${fmtShape(shape)}`);
  }
}
