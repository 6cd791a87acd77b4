// SPDX-License-Identifier: MIT
// ready(): pick the kernel binary (relaxed SIMD if the engine validates it, plain SIMD
// otherwise), instantiate it once over an imported memory, and expose its exports as the
// typed `Kernels` table. The type comes from the .d.ts asc writes next to the binary, so
// there is no hand-kept list of signatures to drift.
import { relaxedWasmBase64, simdWasmBase64 } from '../../build/wasm-inline.js';
import type { instantiate } from '../../build/simdcnn.js';
import { NotReadyError, ValueError } from './errors.js';
import { checkOptions } from './options.js';
import { MAX_PAGES, initMemory } from './memory.js';

/** Every function exported by assembly/index.ts. */
export type Kernels = Omit<Awaited<ReturnType<typeof instantiate>>, 'memory'>;

/** Which binary runs: 'relaxed' uses f32x4.relaxed_madd, 'simd' plain SIMD128 mul+add. */
export type Isa = 'simd' | 'relaxed';

let table: Kernels | null = null;
let isa: Isa | null = null;
let pending: Promise<void> | null = null;

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const relaxedProbe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** True when this engine accepts relaxed SIMD (Node ≥ 22, Chrome ≥ 114, Deno; Node 20 only with a flag). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(relaxedProbe);
}

function decodeBase64(s: string): Uint8Array {
  const text = atob(s);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export interface ReadyOptions {
  /** 'auto' (default) picks relaxed when supported; 'simd' forces the plain build. */
  isa?: 'auto' | Isa;
}

/**
 * Instantiates the wasm kernels once; later calls return the same promise.
 * @example await cnn.ready();
 */
export function ready(options: ReadyOptions = {}): Promise<void> {
  checkOptions('ready', options, ['isa']);
  pending ??= load(options.isa ?? 'auto');
  return pending;
}

async function load(want: 'auto' | Isa): Promise<void> {
  if (want !== 'auto' && want !== 'simd' && want !== 'relaxed') {
    throw new ValueError(`ready: expected isa 'auto', 'simd' or 'relaxed', got '${want}'`);
  }
  const relaxed = want === 'relaxed' || (want === 'auto' && relaxedSimdSupported());
  if (want === 'relaxed' && !relaxedSimdSupported()) {
    throw new ValueError(`ready: isa 'relaxed' requested, but this engine does not validate relaxed SIMD`);
  }
  const memory = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES });
  const bytes = decodeBase64(relaxed ? relaxedWasmBase64 : simdWasmBase64);
  const { instance } = await WebAssembly.instantiate(bytes as BufferSource, { env: { memory } });
  initMemory(memory);
  table = instance.exports as unknown as Kernels;
  isa = relaxed ? 'relaxed' : 'simd';
}

/** The kernel table; throws NotReadyError before ready() has resolved. */
export function kernels(): Kernels {
  if (table === null) throw new NotReadyError('simdcnn is not ready: expected `await ready()` before calling ops');
  return table;
}

/** Which binary is running, or null before ready(). */
export function activeIsa(): Isa | null {
  return isa;
}
