// SPDX-License-Identifier: MIT
// The convolution family against PyTorch, number for number: tests/fixtures/conv.json (written
// by tests/fixtures/make_conv_fixtures.py) holds float32 inputs, torch's float64 outputs and
// every gradient for a fixed upstream dy: grouped and depthwise conv2d, conv1d,
// conv_transpose2d, ZeroPad2d. Compared at rtol 1e-4 / atol 1e-5; elements of sums whose terms
// cancel also get 1e-6·Σ|terms| (the fixture's "scale"), as in tests/ops/pytorch.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { type Arr, type ConvBackward, type ConvForward, type FixtureCase, T, check, checkConvFixture, expectHeader, loadFixtures, run } from '../helpers/torch-fixtures.js';

beforeAll(() => cnn.ready());

interface Case extends FixtureCase {
  op: 'conv2d' | 'conv1d' | 'convTranspose2d' | 'zeroPad2d';
  opts: Record<string, number | number[]>;
  inputs: Record<string, Arr>;
  outputs: Record<string, Arr>;
}

const fixtures = loadFixtures<Case>('conv.json');
const byOp = (op: Case['op']) => fixtures.cases.filter((c) => c.op === op);

describe('conv.json', () => {
  it('has a header with generator, torch version, date and format 1, and cases for every op', () => {
    expectHeader(fixtures.header, 'tests/fixtures/make_conv_fixtures.py');
    expect(new Set(fixtures.cases.map((c) => c.op))).toEqual(new Set(['conv2d', 'conv1d', 'convTranspose2d', 'zeroPad2d']));
    const depthwise = byOp('conv2d').filter((c) => c.opts.groups === c.inputs.x.shape[1]);
    expect(depthwise.map((c) => c.inputs.w.shape[0] / c.inputs.x.shape[1])).toEqual(expect.arrayContaining([1, 2]));
  });
});

describe('vs PyTorch: y, dx, dw, db', () => {
  it.each(byOp('conv2d'))('F.conv2d $name', (c) => checkConvFixture(c, cnn.ops.conv2d as ConvForward, cnn.ops.conv2dBackward as ConvBackward));
  it.each(byOp('conv1d'))('F.conv1d $name', (c) => checkConvFixture(c, cnn.ops.conv1d as ConvForward, cnn.ops.conv1dBackward as ConvBackward));
  it.each(byOp('convTranspose2d'))('F.conv_transpose2d $name', (c) =>
    checkConvFixture(c, cnn.ops.convTranspose2d as ConvForward, cnn.ops.convTranspose2dBackward as ConvBackward),
  );
  it.each(byOp('zeroPad2d'))('nn.ZeroPad2d $name', (c) =>
    run(() => {
      const x = T(c.inputs.x);
      const opts = c.opts as { padding: number[] };
      check(cnn.ops.zeroPad2d(x, opts), c.outputs.y, c, 'y');
      check(cnn.ops.zeroPad2dBackward(T(c.inputs.dy), x, opts), c.outputs.dx, c, 'dx');
    }),
  );
});
