// SPDX-License-Identifier: MIT
// The convolution family against PyTorch, number for number: tests/fixtures/conv.json (written
// by tests/fixtures/make_conv_fixtures.py) holds float32 inputs, torch's float64 outputs and
// every gradient for a fixed upstream dy: grouped and depthwise conv2d, conv1d,
// conv_transpose2d, ZeroPad2d. Compared at rtol 1e-4 / atol 1e-5; elements of sums whose terms
// cancel also get 1e-6·Σ|terms| (the fixture's "scale"), as in tests/ops/pytorch.test.ts.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';

beforeAll(() => cnn.ready());

interface Arr {
  shape: number[];
  data: number[];
}
interface Case {
  op: 'conv2d' | 'conv1d' | 'convTranspose2d' | 'zeroPad2d';
  name: string;
  torch: string;
  opts: Record<string, number | number[]>;
  inputs: Record<string, Arr>;
  outputs: Record<string, Arr>;
  scale?: Record<string, number[]>;
}
interface Fixtures {
  header: { generator: string; torch: string; date: string; format: number };
  cases: Case[];
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/conv.json', import.meta.url), 'utf8')) as Fixtures;
const byOp = (op: Case['op']) => fixtures.cases.filter((c) => c.op === op);
const tol = { rtol: 1e-4, atol: 1e-5 };
const SUM_TOL = 1e-6;
const T = (a: Arr) => cnn.tensor(Float32Array.from(a.data), a.shape);

function check(got: cnn.Tensor, c: Case, what: string): void {
  const want = c.outputs[what];
  const label = `${c.op} ${what} ${c.name} (${c.torch})`;
  expect(got.shape, label).toEqual(want.shape);
  const scale = c.scale?.[what];
  if (!scale) {
    expectClose(got.data, want.data, { ...tol, shape: want.shape, label });
    return;
  }
  const data = got.data;
  const bad: string[] = [];
  for (let i = 0; i < want.data.length; i++) {
    const allowed = Math.max(tol.atol, tol.rtol * Math.abs(want.data[i])) + SUM_TOL * scale[i];
    if (!(Math.abs(data[i] - want.data[i]) <= allowed)) bad.push(`index ${i}: ref ${want.data[i]}, got ${data[i]} (allowed ${allowed})`);
  }
  expect(bad, `${label} shape=[${want.shape}]: ${bad.length}/${want.data.length} values off`).toEqual([]);
}

type Opts = Record<string, number | number[]>;
type Forward = (x: cnn.Tensor, w: cnn.Tensor, b: cnn.Tensor | null, opts: Opts) => cnn.Tensor;
type Backward = (dy: cnn.Tensor, x: cnn.Tensor, w: cnn.Tensor, opts: Opts) => Record<'dx' | 'dw' | 'db', cnn.Tensor>;

/** y and every gradient of one case, through the op's allocating forms. */
function runConv(c: Case, forward: Forward, backward: Backward): void {
  run(() => {
    const x = T(c.inputs.x);
    const w = T(c.inputs.w);
    const b = c.inputs.b ? T(c.inputs.b) : null;
    check(forward(x, w, b, c.opts), c, 'y');
    const { dx, dw, db } = backward(T(c.inputs.dy), x, w, c.opts);
    check(dx, c, 'dx');
    check(dw, c, 'dw');
    if (c.outputs.db) check(db, c, 'db');
  });
}

/** Runs a case inside a scope so every tensor it makes is freed. */
function run(fn: () => void): void {
  cnn.scope(() => {
    fn();
  });
}

describe('conv.json', () => {
  it('has a header with generator, torch version, date and format 1, and cases for every op', () => {
    const h = fixtures.header;
    expect(h.generator).toBe('tests/fixtures/make_conv_fixtures.py');
    expect(h.format).toBe(1);
    expect(h.torch).toMatch(/^\d+\.\d+/);
    expect(h.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Set(fixtures.cases.map((c) => c.op))).toEqual(new Set(['conv2d', 'conv1d', 'convTranspose2d', 'zeroPad2d']));
    const depthwise = byOp('conv2d').filter((c) => c.opts.groups === c.inputs.x.shape[1]);
    expect(depthwise.map((c) => c.inputs.w.shape[0] / c.inputs.x.shape[1])).toEqual(expect.arrayContaining([1, 2]));
  });
});

describe('vs PyTorch: y, dx, dw, db', () => {
  it.each(byOp('conv2d'))('F.conv2d $name', (c) => runConv(c, cnn.ops.conv2d as Forward, cnn.ops.conv2dBackward as Backward));
  it.each(byOp('conv1d'))('F.conv1d $name', (c) => runConv(c, cnn.ops.conv1d as Forward, cnn.ops.conv1dBackward as Backward));
  it.each(byOp('convTranspose2d'))('F.conv_transpose2d $name', (c) =>
    runConv(c, cnn.ops.convTranspose2d as Forward, cnn.ops.convTranspose2dBackward as Backward),
  );
  it.each(byOp('zeroPad2d'))('nn.ZeroPad2d $name', (c) =>
    run(() => {
      const x = T(c.inputs.x);
      const opts = c.opts as { padding: number[] };
      check(cnn.ops.zeroPad2d(x, opts), c, 'y');
      check(cnn.ops.zeroPad2dBackward(T(c.inputs.dy), x, opts), c, 'dx');
    }),
  );
});
