// SPDX-License-Identifier: MIT
// The built package (dist/, made by `npm test`'s pretest build) in the runtimes it ships for:
// the CLI under Node (the README's main command, shortened) and the Deno example.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DENO_VERSION = '2.9.6';

describe('the built package', () => {
  it('node dist/cli.js train: progress, per-epoch test accuracy, saved and reloaded weights', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'simdcnn-cli-')), 'lenet.simdcnn');
    const { stdout } = await run(process.execPath, ['dist/cli.js', 'train', '--epochs', '2', '--limit', '1000', '--out', out]);
    expect(stdout).toMatch(/train 1000 images, test 2000 images/);
    expect(stdout).toMatch(/epoch 1\/2 batch 16\/16 {2}avg loss \d\.\d{4} {2}acc \d+\.\d% {2}[\d,]+ img\/s/);
    expect(stdout).toMatch(/epoch 2\/2: train loss \d\.\d{4} .* test accuracy \d+\.\d\d%/);
    const accuracy = stdout.match(/epoch 2\/2: .* test accuracy (\d+\.\d\d)%/)![1];
    expect(stdout).toContain(`saved weights to ${out}`);
    expect(stdout).toContain(`reloaded ${out}: test accuracy ${accuracy}%`);
    expect(stdout).toMatch(/predicted \(true\) for the first 10 test images/);
  });

  it('node dist/cli.js train --arch resnet: a small ResNet (batch norm, residual adds) learns, saves and reloads', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'simdcnn-cli-')), 'resnet.simdcnn');
    const { stdout } = await run(process.execPath, ['dist/cli.js', 'train', '--arch', 'resnet', '--epochs', '2', '--limit', '2000', '--out', out]);
    expect(stdout).toMatch(/ResNet-8, 19,810 parameters, adam lr 0.001, batch 64/);
    expect(stdout).toMatch(/^add_3\s+add\s+batchNorm2d_8, batchNorm2d_9\s+\[32, 7, 7\]\s+0$/m);
    const epochs = [...stdout.matchAll(/epoch (\d)\/2: train loss (\d\.\d{4}) .* test accuracy (\d+\.\d\d)%/g)];
    expect(epochs).toHaveLength(2);
    expect(Number(epochs[1][2])).toBeLessThan(Number(epochs[0][2]));
    expect(Number(epochs[1][3])).toBeGreaterThan(30); // 10 classes: chance is 10%
    expect(stdout).toContain(`reloaded ${out}: test accuracy ${epochs[1][3]}%`);
  });

  it('a bad --data directory is a clear error and exit code 1', async () => {
    const error = await run(process.execPath, ['dist/cli.js', 'train', '--data', '/nonexistent']).catch((e) => e);
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/ValueError: loadFashionMnist: expected train-images-idx3-ubyte.gz or train-images-idx3-ubyte in \/nonexistent/);
  });

  it('Deno runs the example on the same bundle (and picks relaxed SIMD, which Deno has)', async () => {
    // Deno comes from npm's `deno` package through npx (a devDependency would break `npm ci`:
    // the registry here lacks its other platforms' optional packages, which the lock file wants).
    const { stdout } = await run('npx', ['--yes', `deno@${DENO_VERSION}`, 'run', '--allow-read', 'examples/deno/train.ts', '--limit', '1000'], {
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    expect(stdout).toMatch(/deno: wasm relaxed, training on 1000 images/);
    const accuracy = stdout.match(/epoch 1: loss \d\.\d{4}, test accuracy (\d+\.\d\d)%/)![1];
    expect(stdout).toContain(`reloaded: test accuracy ${accuracy}%`);
  });
});
