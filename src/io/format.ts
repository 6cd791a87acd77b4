// SPDX-License-Identifier: MIT
// The model file: a versioned binary container.
//
//   bytes 0..7    magic "SIMDCNN\0"
//   bytes 8..11   format version (u32 LE): 2 (1 still loads)
//   bytes 12..15  header length in bytes (u32 LE), a multiple of 4, at most 64 MiB
//   header        UTF-8 JSON (ModelHeader)
//   blob          every parameter, then every saved-state tensor, as f32 LE, packed, in header order
//
// Format 2 stores a graph: node k reads the values `inputs` (0 = the model input, j + 1 =
// node j's output; only earlier values, so the list is in topological order) and the last
// node's output is the model's output. Format 1 stored a chain (`layers`, no state).
// decodeModel() checks the container, the header's types and every length against the
// file size; loadModel() then checks the graph itself before allocating anything.
import { FormatError } from '../core/errors.js';
import type { LayerConfig } from '../layers/layer.js';

export const MAGIC = 'SIMDCNN\0';
export const FORMAT_VERSION = 2;
/** Header bytes accepted at most: bounded before the JSON is parsed. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/** A stored tensor: which node owns it, its name there and its shape. */
export interface StoredTensor {
  node: number;
  name: string;
  shape: number[];
}

export interface ModelHeader {
  format: 'simdcnn-model';
  version: number;
  inputShape: number[];
  nodes: { name: string; layer: LayerConfig; inputs: number[] }[];
  params: StoredTensor[];
  state: StoredTensor[];
  loss: string | null;
  optimizer: Record<string, number | boolean | string> | null;
  batchSize: number;
  /** compile({ clipNorm, clipValue }); absent in files written before it existed. */
  clip?: { norm: number | null; value: number | null };
  seed: number;
}

/** Serialises header + packed values (parameters, then saved state). */
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

const fail = (what: string): never => {
  throw new FormatError(`model file: ${what}`);
};

const isShape = (s: unknown): s is number[] => Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0 && d <= 0x7fffffff);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function checkTensors(list: unknown, what: string, nodes: number): StoredTensor[] {
  if (!Array.isArray(list)) return fail(`expected ${what} as an array, got ${typeof list}`);
  list.forEach((t, i) => {
    if (!isObject(t) || !Number.isInteger(t.node) || (t.node as number) < 0 || (t.node as number) >= nodes || typeof t.name !== 'string' || !isShape(t.shape)) {
      fail(`expected ${what}[${i}] as { node < ${nodes}, name, shape }, got ${JSON.stringify(t).slice(0, 120)}`);
    }
  });
  return list as StoredTensor[];
}

/** Format 1's chain, as a format 2 header (node k reads value k). */
function upgrade(h: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(h.layers)) return fail(`expected a format 1 header with layers, got ${JSON.stringify(h).slice(0, 120)}`);
  const params = Array.isArray(h.params) ? h.params.map((p) => (isObject(p) ? { node: p.layer, name: p.name, shape: p.shape } : p)) : h.params;
  return { ...h, nodes: h.layers.map((layer, k) => ({ name: undefined, layer, inputs: [k] })), params, state: [], seed: 42 };
}

/**
 * Parses and checks a model file: magic, version, a bounded header, its field types, and
 * the blob's length against the tensors it declares. Allocates no wasm memory; the values
 * stay in `bytes` until the caller copies them (valuesOf).
 */
export function decodeModel(bytes: Uint8Array): { header: ModelHeader; blobOffset: number } {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (bytes.length < 16 || magic !== MAGIC) {
    throw new FormatError(`not a simdcnn model: expected magic "SIMDCNN\\0", got ${JSON.stringify(magic)} (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== 1 && version !== 2) fail(`expected format version 1 or 2, got ${version}`);
  const headerLength = view.getUint32(12, true);
  if (headerLength > MAX_HEADER_BYTES) fail(`expected a header of at most ${MAX_HEADER_BYTES} bytes, got ${headerLength}`);
  if (16 + headerLength > bytes.length) fail(`truncated: expected a ${headerLength}-byte header, got ${bytes.length - 16} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)));
  } catch (e) {
    return fail(`expected a JSON header, got unparsable text (${(e as Error).message})`);
  }
  if (!isObject(raw) || raw.format !== 'simdcnn-model') return fail(`expected a simdcnn-model header, got ${JSON.stringify(raw).slice(0, 120)}`);
  const h = version === 1 ? upgrade(raw) : raw;
  if (!isShape(h.inputShape)) fail(`expected inputShape as a shape, got ${JSON.stringify(h.inputShape)}`);
  if (!Array.isArray(h.nodes) || h.nodes.length === 0) return fail(`expected a non-empty nodes array, got ${JSON.stringify(h.nodes)?.slice(0, 120)}`);
  h.nodes.forEach((node: unknown, k: number) => {
    const ok =
      isObject(node) &&
      isObject(node.layer) &&
      typeof node.layer.kind === 'string' &&
      (node.name === undefined || typeof node.name === 'string') &&
      Array.isArray(node.inputs) &&
      node.inputs.length > 0 &&
      node.inputs.every((v) => Number.isInteger(v) && v >= 0 && v <= k);
    if (!ok) fail(`expected node ${k} as { name, layer: { kind, … }, inputs: [values ≤ ${k}] }, got ${JSON.stringify(node).slice(0, 120)}`);
  });
  const nodes = h.nodes.length;
  const params = checkTensors(h.params, 'params', nodes);
  const state = checkTensors(h.state, 'state', nodes);
  if (!(h.loss === null || typeof h.loss === 'string')) fail(`expected loss as a string or null, got ${JSON.stringify(h.loss)}`);
  if (!(h.optimizer === null || isObject(h.optimizer))) fail(`expected optimizer as an object or null, got ${JSON.stringify(h.optimizer)}`);
  if (!Number.isInteger(h.batchSize) || (h.batchSize as number) < 1) fail(`expected batchSize an integer ≥ 1, got ${JSON.stringify(h.batchSize)}`);
  const clipOk = (v: unknown) => v === null || (typeof v === 'number' && v > 0 && Number.isFinite(v));
  if (h.clip !== undefined && !(isObject(h.clip) && clipOk(h.clip.norm) && clipOk(h.clip.value))) {
    fail(`expected clip as { norm, value } of positive numbers or null, got ${JSON.stringify(h.clip)}`);
  }
  if (!Number.isInteger(h.seed) || (h.seed as number) < 0 || (h.seed as number) > 0xffffffff) fail(`expected seed a u32, got ${JSON.stringify(h.seed)}`);
  let floats = 0;
  for (const t of [...params, ...state]) floats += t.shape.reduce((a, d) => a * d, 1);
  const blob = bytes.length - 16 - headerLength;
  if (blob !== floats * 4) fail(`expected ${floats * 4} bytes of parameters and state, got ${blob}`);
  return { header: { ...h, version } as unknown as ModelHeader, blobOffset: 16 + headerLength };
}

/** Copies `count` f32 LE values at byte `at` of bytes into out (no intermediate arrays). */
export function readF32(bytes: Uint8Array, at: number, out: Float32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++, at += 4) out[i] = view.getFloat32(at, true);
}
