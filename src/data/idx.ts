// SPDX-License-Identifier: MIT
// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte
// big-endian magic 0x0000TTNN (TT = element type, NN = number of dimensions), NN big-endian
// uint32 dimensions, then the elements row-major. Images are 0x00000803 ([N, H, W] bytes),
// labels 0x00000801 ([N] bytes). Platform-neutral: gzip goes through DecompressionStream,
// which Node ≥ 18, browsers and Deno all have.
import { FormatError, fmtShape } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { Dataset } from './dataset.js';

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Parses an uncompressed IDX file of unsigned bytes. `data` is a view into `bytes` (no copy).
 * @example const { dims, data } = cnn.data.parseIdx(bytes); // dims [60000, 28, 28]
 * See: torchvision.datasets.mnist.read_sn3_pascalvincent_tensor
 */
export function parseIdx(bytes: Uint8Array): { dims: number[]; data: Uint8Array } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    const got = bytes.length < 4 ? `${bytes.length} bytes` : hex32(new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0));
    throw new FormatError(`not an IDX file: expected magic 0x00000803 (images) or 0x00000801 (labels), got ${got}`);
  }
  const type = bytes[2];
  const ndims = bytes[3];
  if (type !== 0x08) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    throw new FormatError(`IDX: expected type code 0x08 (unsigned byte), got 0x${type.toString(16).padStart(2, '0')} (${name})`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (ndims === 0 || bytes.length < headerBytes) {
    throw new FormatError(`IDX: expected a header of ${headerBytes} bytes for ${ndims} dimensions (≥ 1), got ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i);
    dims.push(d);
    count *= d;
  }
  if (bytes.length !== headerBytes + count) {
    throw new FormatError(`IDX: expected ${headerBytes + count} bytes for dims ${fmtShape(dims)}, got ${bytes.length}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/**
 * Decompresses gzip data (detected by its 1f 8b signature); anything else is returned as is.
 * @example const raw = await cnn.data.gunzipIfNeeded(await (await fetch(url)).bytes());
 * See: torchvision.datasets.utils.extract_archive
 */
export async function gunzipIfNeeded(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  // Write and close without awaiting: the readable side must drain concurrently.
  const written = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close());
  written.catch(() => {}); // a corrupt stream surfaces through the reader below
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
    await written;
  } catch (e) {
    throw new FormatError(`gzip: expected a valid gzip stream, got ${bytes.length} bytes that fail to decompress (${(e as Error).message})`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function asBytes(b: Uint8Array | ArrayBuffer): Uint8Array {
  return b instanceof Uint8Array ? b : new Uint8Array(b);
}

/**
 * Builds a Dataset from an IDX image file ([N, H, W] bytes → images [N, 1, H, W], scaled to
 * [0, 1] on copy) and an IDX label file ([N] bytes); either may be gzipped.
 * @example const train = await cnn.data.loadIdx(imageBytes, labelBytes);
 * See: torchvision.datasets.FashionMNIST
 */
export async function loadIdx(
  imageBytes: Uint8Array | ArrayBuffer,
  labelBytes: Uint8Array | ArrayBuffer,
  options: { numClasses?: number } = {},
): Promise<Dataset> {
  checkOptions('loadIdx', options, ['numClasses']);
  const images = parseIdx(await gunzipIfNeeded(asBytes(imageBytes)));
  const labels = parseIdx(await gunzipIfNeeded(asBytes(labelBytes)));
  if (images.dims.length !== 3) {
    throw new FormatError(`IDX images: expected magic 0x00000803 (3 dims [N, H, W]), got ${hex32(0x800 + images.dims.length)} (dims ${fmtShape(images.dims)})`);
  }
  if (labels.dims.length !== 1) {
    throw new FormatError(`IDX labels: expected magic 0x00000801 (1 dim [N]), got ${hex32(0x800 + labels.dims.length)} (dims ${fmtShape(labels.dims)})`);
  }
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) {
    throw new FormatError(`IDX: images/labels count mismatch: expected ${n} labels for ${n} images, got ${labels.dims[0]}`);
  }
  return Dataset.fromArrays(images.data, labels.data, [1, h, w], options.numClasses);
}
