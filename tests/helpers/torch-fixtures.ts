// SPDX-License-Identifier: MIT
// Reading PyTorch fixtures (tests/fixtures/*.json, each written by a committed script) and
// comparing against them at rtol 1e-4 / atol 1e-5. Convolution and linear outputs are sums of
// many terms; where the terms cancel, the float32 rounding of the sum (≈ √n·2⁻²⁴·Σ|terms|, in
// PyTorch's own float32 kernels too) can exceed rtol·|result|, so those elements also get
// 1e-6·Σ|terms| (the fixture's "scale").
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from './close.js';

export interface Arr {
  shape: number[];
  data: number[];
  dtype?: 'int32';
}

/** What every fixture case carries for the checks' messages, and the sums' Σ|terms| per output element. */
export interface FixtureCase {
  op: string;
  name: string;
  torch: string;
  scale?: Record<string, number[]>;
}

export interface Fixtures<C> {
  header: { generator: string; torch: string; date: string; format: number };
  cases: C[];
}

export const tol = { rtol: 1e-4, atol: 1e-5 };
const SUM_TOL = 1e-6;

/** tests/fixtures/<file>, parsed. */
export function loadFixtures<C>(file: string): Fixtures<C> {
  return JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as Fixtures<C>;
}

/** The header every fixture file starts with: its generator, torch's version, the date, format 1. */
export function expectHeader(header: Fixtures<unknown>['header'], generator: string): void {
  expect(header.generator).toBe(generator);
  expect(header.format).toBe(1);
  expect(header.torch).toMatch(/^\d+\.\d+/);
  expect(header.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
}

/** A float32 tensor of a fixture array. */
export function T(a: Arr): cnn.Tensor {
  return cnn.tensor(Float32Array.from(a.data), a.shape);
}

/** got against torch's `want` (output `what` of case c): shape, then values at tol (plus 1e-6·Σ|terms| where c has a scale). */
export function check(got: cnn.Tensor, want: Arr, c: FixtureCase, what: string): void {
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
    const ref = want.data[i];
    const allowed = Math.max(tol.atol, tol.rtol * Math.abs(ref)) + SUM_TOL * scale[i];
    if (!(Math.abs(data[i] - ref) <= allowed)) bad.push(`index ${i}: ref ${ref}, got ${data[i]} (allowed ${allowed}, Σ|terms| ${scale[i]})`);
  }
  expect(bad, `${label} shape=[${want.shape}]: ${bad.length}/${want.data.length} values off`).toEqual([]);
}

/** A convolution case: inputs x, w, b (or none), dy; outputs y, dx, dw, db (or none). */
export interface ConvFixtureCase extends FixtureCase {
  opts: Record<string, unknown>;
  inputs: Record<string, Arr>;
  outputs: Record<string, Arr>;
}
export type ConvForward = (x: cnn.Tensor, w: cnn.Tensor, b: cnn.Tensor | null, opts: Record<string, unknown>) => cnn.Tensor;
export type ConvBackward = (dy: cnn.Tensor, x: cnn.Tensor, w: cnn.Tensor, opts: Record<string, unknown>) => Record<'dx' | 'dw' | 'db', cnn.Tensor>;

/** y and every gradient of one convolution case, through the op's allocating forms. */
export function checkConvFixture(c: ConvFixtureCase, forward: ConvForward, backward: ConvBackward): void {
  run(() => {
    const x = T(c.inputs.x);
    const w = T(c.inputs.w);
    const b = c.inputs.b ? T(c.inputs.b) : null;
    check(forward(x, w, b, c.opts), c.outputs.y, c, 'y');
    const { dx, dw, db } = backward(T(c.inputs.dy), x, w, c.opts);
    check(dx, c.outputs.dx, c, 'dx');
    check(dw, c.outputs.dw, c, 'dw');
    if (c.outputs.db) check(db, c.outputs.db, c, 'db');
  });
}

/** Runs a case inside a scope so every tensor it makes is freed. */
export function run(fn: () => void): void {
  cnn.scope(() => {
    fn();
  });
}
