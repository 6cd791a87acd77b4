import { defineConfig } from 'vitest/config';

// Two projects: everything on the default (plain SIMD) build, and the kernel tests again
// on the relaxed-SIMD build, which Node 20 only enables behind a flag.
const shared = { testTimeout: 120_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'simd', include: ['tests/**/*.test.ts'], env: { SIMDCNN_EXPECT_ISA: 'simd' } } },
      {
        test: {
          ...shared,
          name: 'relaxed',
          include: ['tests/ops/**/*.test.ts', 'tests/core/isa.test.ts', 'tests/model/gradcheck.test.ts', 'tests/model/graph.test.ts', 'tests/model/blocks.test.ts'],
          execArgv: ['--experimental-wasm-relaxed-simd'],
          env: { SIMDCNN_EXPECT_ISA: 'relaxed' },
        },
      },
    ],
  },
});
