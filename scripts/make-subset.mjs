// SPDX-License-Identifier: MIT
// Writes data/fashion-mnist/: the first 10,000 training and first 2,000 test images and
// labels of Fashion-MNIST, as gzipped IDX files with the full set's names, so the README's
// main command works on a machine that has nothing but Node. Prints the class balance as
// a Markdown table (pasted into data/README.md).
//
//   node scripts/make-subset.mjs [sourceDir] [outDir]
//   sourceDir defaults to /usr/share/datasets/fashion-mnist (Debian: apt-get install dataset-fashion-mnist)
//
// The output is byte-for-byte reproducible: zlib writes gzip headers with mtime 0.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const out = process.argv[3] ?? 'data/fashion-mnist';
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** First `count` items of a gzipped ubyte IDX file, with the count in the header changed. */
function head(name, count) {
  const bytes = gunzipSync(readFileSync(join(source, `${name}.gz`)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== 0x801 && magic !== 0x803) throw new Error(`${name}: expected magic 0x00000801 or 0x00000803, got 0x${magic.toString(16)}`);
  const ndims = magic & 0xff;
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  if (dims[0] < count) throw new Error(`${name}: expected at least ${count} items, got ${dims[0]}`);
  const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1);
  const headerBytes = 4 + 4 * ndims;
  const outBytes = Buffer.from(bytes.subarray(0, headerBytes + count * itemBytes));
  outBytes.writeUInt32BE(count, 4);
  writeFileSync(join(out, `${name}.gz`), gzipSync(outBytes, { level: 9 }));
  return outBytes.subarray(headerBytes);
}

mkdirSync(out, { recursive: true });
const sets = [
  ['train', 10000],
  ['t10k', 2000],
];
const balance = {};
for (const [prefix, count] of sets) {
  head(`${prefix}-images-idx3-ubyte`, count);
  const labels = head(`${prefix}-labels-idx1-ubyte`, count);
  const counts = new Array(10).fill(0);
  for (const l of labels) counts[l]++;
  balance[prefix] = counts;
}
console.log('| label | class | train (10,000) | test (2,000) |');
console.log('|---:|---|---:|---:|');
for (let c = 0; c < 10; c++) console.log(`| ${c} | ${CLASSES[c]} | ${balance.train[c]} | ${balance.t10k[c]} |`);
