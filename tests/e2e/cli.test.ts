// SPDX-License-Identifier: MIT
// The CLI (the built dist/cli.js) when training goes wrong: a diverging run exits non-zero
// with the DivergenceError and leaves the model file of an earlier run untouched. --threads:
// the count it runs is printed, a bad count is a clear error.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('simdcnn train, diverging', () => {
  it('sgd --lr 1000: exit code 1, a DivergenceError naming epoch, batch and layer, the earlier model file unchanged', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'simdcnn-cli-')), 'lenet.simdcnn');
    await run(process.execPath, ['dist/cli.js', 'train', '--epochs', '1', '--limit', '256', '--out', out]);
    const before = await readFile(out);
    const error = await run(process.execPath, ['dist/cli.js', 'train', '--optimizer', 'sgd', '--lr', '1000', '--epochs', '2', '--limit', '1280', '--out', out]).catch((e) => e);
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/simdcnn: DivergenceError: fit at epoch 1, batch \d+: the loss is (NaN|Infinity); the .* of layer '\w+'/);
    expect(error.stdout).not.toContain('saved weights');
    expect(Buffer.compare(await readFile(out), before)).toBe(0);
  });
});

describe('simdcnn train --threads', () => {
  it('prints the threads it runs on, and refuses a count that is not an integer ≥ 1', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'simdcnn-cli-')), 'lenet.simdcnn');
    for (const [n, shown] of [['1', '1 thread'], ['2', '2 threads']]) {
      const { stdout } = await run(process.execPath, ['dist/cli.js', 'train', '--threads', n, '--epochs', '1', '--limit', '256', '--out', out]);
      expect(stdout).toMatch(new RegExp(`^simdcnn · wasm (SIMD128|relaxed SIMD) · ${shown} · data `));
      expect(stdout).toMatch(/epoch 1\/1: train loss \d\.\d{4}/);
    }
    for (const bad of ['0', 'two', '1.5']) {
      const error = await run(process.execPath, ['dist/cli.js', 'train', '--threads', bad]).catch((e) => e);
      expect(error.code).toBe(1);
      expect(error.stderr).toContain(`simdcnn: ValueError: --threads: expected an integer ≥ 1, got ${bad}`);
    }
  });
});
