// SPDX-License-Identifier: MIT
// Float64 concatenation oracle, from torch.cat's definition: y[..., o_i + j, ...] = x_i[..., j, ...]
// along the axis, o_i = Σ_{k<i} size_k; backward hands each input its slice of dy.
// Written with per-element multi-indices, not with the kernels' (rows, len, stride) view.

const strides = (shape: readonly number[]) => shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

/** Calls fn(flatIndexInX, flatIndexInY) for every element of input x placed at `offset` along `axis` in y. */
function eachPlaced(xShape: readonly number[], yShape: readonly number[], axis: number, offset: number, fn: (xi: number, yi: number) => void): void {
  const xs = strides(xShape), ys = strides(yShape);
  const n = xShape.reduce((a, b) => a * b, 1);
  for (let xi = 0; xi < n; xi++) {
    let yi = 0;
    for (let d = 0; d < xShape.length; d++) {
      const coord = Math.floor(xi / xs[d]) % xShape[d];
      yi += (d === axis ? coord + offset : coord) * ys[d];
    }
    fn(xi, yi);
  }
}

export function concatShapeRef(shapes: number[][], axis: number): number[] {
  const a = axis < 0 ? axis + shapes[0].length : axis;
  const out = [...shapes[0]];
  out[a] = shapes.reduce((s, sh) => s + sh[a], 0);
  return out;
}

export function concatRef(xs: ArrayLike<number>[], shapes: number[][], axis: number): Float64Array {
  const a = axis < 0 ? axis + shapes[0].length : axis;
  const yShape = concatShapeRef(shapes, a);
  const y = new Float64Array(yShape.reduce((p, q) => p * q, 1));
  let offset = 0;
  xs.forEach((x, i) => {
    eachPlaced(shapes[i], yShape, a, offset, (xi, yi) => (y[yi] = x[xi]));
    offset += shapes[i][a];
  });
  return y;
}

export function concatBackwardRef(dy: ArrayLike<number>, shapes: number[][], axis: number): Float64Array[] {
  const a = axis < 0 ? axis + shapes[0].length : axis;
  const yShape = concatShapeRef(shapes, a);
  let offset = 0;
  return shapes.map((shape) => {
    const dx = new Float64Array(shape.reduce((p, q) => p * q, 1));
    eachPlaced(shape, yShape, a, offset, (xi, yi) => (dx[xi] = dy[yi]));
    offset += shape[a];
    return dx;
  });
}
