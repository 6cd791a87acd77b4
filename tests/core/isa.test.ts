// SPDX-License-Identifier: MIT
// ready() picks the binary by probing the engine: relaxed SIMD where it validates, plain
// SIMD128 otherwise. Each vitest project says which one it expects (vitest.config.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';

beforeAll(() => cnn.ready());

describe('instruction set', () => {
  it('runs the binary this project expects, chosen by the WebAssembly.validate probe', () => {
    const expected = process.env.SIMDCNN_EXPECT_ISA;
    expect(expected === 'simd' || expected === 'relaxed').toBe(true);
    expect(cnn.relaxedSimdSupported()).toBe(expected === 'relaxed');
    expect(cnn.activeIsa()).toBe(expected);
  });

  it('ready() is idempotent', async () => {
    await cnn.ready();
    await cnn.ready();
    expect(cnn.activeIsa()).toBe(process.env.SIMDCNN_EXPECT_ISA);
  });
});
