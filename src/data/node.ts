// SPDX-License-Identifier: MIT
// Node-only helpers: read Fashion-MNIST from a directory, and find the subset bundled in
// the package's data/ folder. Kept out of src/data/index.ts so the main entry stays
// platform-neutral (no node: imports).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Through the public entry, so the `simdcnn/node` bundle shares the main bundle's memory
// and classes instead of carrying a second copy of them.
import { ValueError, data } from '../index.js';
import type { Dataset } from './dataset.js';

const { loadIdx } = data;

async function readEither(dir: string, name: string): Promise<Uint8Array> {
  for (const file of [`${name}.gz`, name]) {
    try {
      return new Uint8Array(await readFile(join(dir, file)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new ValueError(`loadFashionMnist: expected ${name}.gz or ${name} in ${dir}, found neither`);
}

/**
 * Reads train-/t10k- images and labels (gzipped or not) from `dir`.
 * @example const { train, test } = await loadFashionMnist('/usr/share/datasets/fashion-mnist');
 * See: torchvision.datasets.FashionMNIST
 */
export async function loadFashionMnist(dir: string): Promise<{ train: Dataset; test: Dataset }> {
  // Read concurrently, but report the first missing file in this fixed order, so the same
  // directory always gives the same error (Promise.all reports whichever read fails first).
  const reads = await Promise.allSettled(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((n) =>
      readEither(dir, n),
    ),
  );
  const failed = reads.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const [trainX, trainY, testX, testY] = reads.map((r) => (r as PromiseFulfilledResult<Uint8Array>).value);
  const [train, test] = await Promise.all([loadIdx(trainX, trainY), loadIdx(testX, testY)]);
  return { train, test };
}

/**
 * The package's bundled subset, `<package root>/data/fashion-mnist`, found by walking up from
 * this module (works from src/ and from the dist/ bundle) to the package.json named simdcnn.
 * @example const { train, test } = await loadFashionMnist(bundledDataDir());
 * See: torchvision.datasets.FashionMNIST (root argument)
 */
export function bundledDataDir(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; ) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'simdcnn') return join(dir, 'data', 'fashion-mnist');
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) throw new ValueError(`bundledDataDir: expected a package.json named simdcnn above ${start}, found none`);
    dir = up;
  }
}
