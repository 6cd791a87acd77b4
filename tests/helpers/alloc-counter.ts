// SPDX-License-Identifier: MIT
// Counts typed-array and ArrayBuffer creations while installed: constructors on globalThis
// are swapped for counting Proxies (a Proxy keeps `instanceof` working), and the methods of
// the shared %TypedArray%.prototype that return new arrays (subarray, slice, map, filter)
// are wrapped.
const typedNames = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer', 'DataView',
] as const;
const methods = ['subarray', 'slice', 'map', 'filter'] as const;

export function countAllocations(): { count(): number; uninstall(): void } {
  let n = 0;
  const g = globalThis as unknown as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  // Taken before the constructors are swapped.
  const proto = Object.getPrototypeOf(Int8Array.prototype) as Record<string, (...a: unknown[]) => unknown>;
  for (const name of typedNames) {
    const Orig = g[name] as new (...args: unknown[]) => object;
    originals.set(name, Orig);
    g[name] = new Proxy(Orig, {
      construct(target, args, newTarget) {
        n++;
        return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget);
      },
    });
  }
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
