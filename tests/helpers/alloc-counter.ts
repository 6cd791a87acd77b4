// SPDX-License-Identifier: MIT
// Counts typed-array and ArrayBuffer creations while installed: constructors are swapped
// for counting subclasses on globalThis, and the prototype methods that return new arrays
// (subarray, slice, map, filter) are wrapped.
const typedNames = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer', 'DataView',
] as const;
const methods = ['subarray', 'slice', 'map', 'filter'] as const;

export function countAllocations(): { count(): number; uninstall(): void } {
  let n = 0;
  const g = globalThis as unknown as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  for (const name of typedNames) {
    const Orig = g[name] as new (...args: unknown[]) => object;
    originals.set(name, Orig);
    g[name] = class extends Orig {
      constructor(...args: unknown[]) {
        super(...args);
        n++;
      }
    };
  }
  const proto = Object.getPrototypeOf(Int8Array.prototype) as Record<string, (...a: unknown[]) => unknown>;
  const saved = new Map<string, (...a: unknown[]) => unknown>();
  for (const m of methods) {
    const orig = proto[m];
    saved.set(m, orig);
    proto[m] = function (this: unknown, ...args: unknown[]) {
      n++;
      return orig.apply(this, args);
    };
  }
  return {
    count: () => n,
    uninstall() {
      for (const [name, orig] of originals) g[name] = orig;
      for (const [m, orig] of saved) proto[m] = orig;
    },
  };
}
