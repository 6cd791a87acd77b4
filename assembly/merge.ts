// SPDX-License-Identifier: MIT
// Where graph branches meet: concatenation along an axis (torch.cat), forward and backward
// side by side (add and its backward live in elementwise.ts). A tensor concatenated along
// an axis is seen as (rows, ·): rows = the product of the dims before the axis; input i
// contributes a contiguous run of len = C_i·inner floats to every row, at element `offset`
// = (C_0 + … + C_{i−1})·inner of a row of ystride = C_total·inner floats. One call per input.
// Reference: tests/reference/merge.ts.
import { addTo } from './simd';

/**
 * y[r, offset + j] = x[r, j] for j < len: one input's block of the concatenation.
 * x is (rows, len), y is (rows, ystride) with offset + len ≤ ystride. A row is one memory.copy.
 */
export function concat_forward(y: usize, x: usize, rows: i32, len: i32, ystride: i32, offset: i32): void {
  const bytes = <usize>len << 2;
  for (let r = 0; r < rows; r++) memory.copy(y + ((<usize>r * <usize>ystride + <usize>offset) << 2), x + <usize>r * bytes, bytes);
}

/** dx[r, j] += dy[r, offset + j] for j < len. dx is (rows, len), dy is (rows, ystride). Accumulates. */
export function concat_backward(dx: usize, dy: usize, rows: i32, len: i32, ystride: i32, offset: i32): void {
  const bytes = <usize>len << 2;
  for (let r = 0; r < rows; r++) addTo(dx + <usize>r * bytes, dy + ((<usize>r * <usize>ystride + <usize>offset) << 2), len);
}
