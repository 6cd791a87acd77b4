// SPDX-License-Identifier: MIT
// The model file: a versioned binary container.
//
//   bytes 0..7    magic "SIMDCNN\0"
//   bytes 8..11   format version (u32 LE), currently 1
//   bytes 12..15  header length in bytes (u32 LE), a multiple of 4
//   header        UTF-8 JSON: inputShape, layer configs, parameter shapes, loss, optimiser
//   blob          every parameter as f32 LE, packed, in header order
import { FormatError } from '../core/errors.js';
import { sizeOf } from '../core/shape.js';
import type { LayerConfig } from '../layers/layer.js';

export const MAGIC = 'SIMDCNN\0';
export const FORMAT_VERSION = 1;

export interface ModelHeader {
  format: 'simdcnn-model';
  version: number;
  inputShape: number[];
  layers: LayerConfig[];
  params: { layer: number; name: string; shape: number[] }[];
  loss: string | null;
  optimizer: Record<string, number | boolean | string> | null;
  batchSize: number;
}

/** Serialises header + packed parameter values. */
export function encodeModel(header: ModelHeader, values: Float32Array[]): Uint8Array {
  let json = JSON.stringify(header);
  while (new TextEncoder().encode(json).length % 4 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const blobFloats = values.reduce((n, v) => n + v.length, 0);
  const out = new Uint8Array(16 + headerBytes.length + blobFloats * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  let at = 16 + headerBytes.length;
  for (const v of values) {
    for (let i = 0; i < v.length; i++, at += 4) view.setFloat32(at, v[i], true);
  }
  return out;
}

/** Parses and validates a model file; FormatError says what was expected and what came. */
export function decodeModel(bytes: Uint8Array): { header: ModelHeader; values: Float32Array[] } {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (bytes.length < 16 || magic !== MAGIC) {
    throw new FormatError(`not a simdcnn model: expected magic "SIMDCNN\\0", got ${JSON.stringify(magic)} (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) throw new FormatError(`model file: expected format version ${FORMAT_VERSION}, got ${version}`);
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length) {
    throw new FormatError(`model file truncated: expected a ${headerLength}-byte header, got ${bytes.length - 16} bytes`);
  }
  let header: ModelHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
  } catch (e) {
    throw new FormatError(`model file: expected a JSON header, got unparsable text (${(e as Error).message})`);
  }
  if (header?.format !== 'simdcnn-model' || !Array.isArray(header.layers) || !Array.isArray(header.params)) {
    throw new FormatError(`model file: expected a simdcnn-model header with layers and params, got ${JSON.stringify(header).slice(0, 80)}`);
  }
  const floats = header.params.reduce((n, p) => n + sizeOf(p.shape), 0);
  const blob = bytes.length - 16 - headerLength;
  if (blob !== floats * 4) throw new FormatError(`model file: expected ${floats * 4} bytes of parameters, got ${blob}`);
  let at = 16 + headerLength;
  const values = header.params.map((p) => {
    const v = new Float32Array(sizeOf(p.shape));
    for (let i = 0; i < v.length; i++, at += 4) v[i] = view.getFloat32(at, true);
    return v;
  });
  return { header, values };
}
