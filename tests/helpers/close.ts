// SPDX-License-Identifier: MIT
// expectClose: XNNPACK's mixed tolerance, |got − ref| ≤ max(atol, |ref|·rtol), with a
// message naming the first bad index, both values, the shape and the case.

export interface CloseOptions {
  atol?: number;
  rtol?: number;
  /** Shape of the compared arrays, for the message. */
  shape?: readonly number[];
  /** What is being compared, e.g. 'conv2d dx x=[1,3,13,11] s=2'. */
  label?: string;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, options: CloseOptions = {}): void {
  const { atol = 1e-5, rtol = 1e-4, shape, label = '' } = options;
  const where = `${label}${shape ? ` shape=[${shape.join(',')}]` : ''}`;
  if (actual.length !== expected.length) {
    throw new Error(`${where}: expected ${expected.length} values, got ${actual.length}`);
  }
  let bad = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    const ref = expected[i];
    const got = actual[i];
    const tol = Math.max(atol, Math.abs(ref) * rtol);
    if (!(Math.abs(got - ref) <= tol)) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad > 0) {
    const ref = expected[first];
    const got = actual[first];
    throw new Error(
      `${where}: ${bad}/${expected.length} values off; first at index ${first}: ` +
        `ref ${ref}, got ${got} (|diff| ${Math.abs(got - ref)}, atol ${atol}, rtol ${rtol})`,
    );
  }
}
