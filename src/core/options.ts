// SPDX-License-Identifier: MIT
// Option objects are checked against the names a function knows, so a misspelled option
// (`pading: 1`) is a ValueError naming it and the accepted names, never silently ignored.
import { ValueError } from './errors.js';

/**
 * Throws unless `options` is a plain object whose keys are all in `known` (or undefined,
 * unless `required`).
 * @example checkOptions('conv2d', options, ['filters', 'kernelSize', 'stride'], true);
 */
export function checkOptions(what: string, options: unknown, known: readonly string[], required = false): void {
  if (options === undefined && !required) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(`${what}: expected an options object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  // for…in rather than Object.keys: ops call this on every step, and it must not allocate.
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.includes(key)) {
      throw new ValueError(`${what}: unknown option '${key}' (expected one of ${known.join(', ')})`);
    }
  }
}

/** Returns v if it is a boolean; throws a ValueError naming the option otherwise. */
export function checkBoolean(what: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${what}: expected ${name} true or false, got ${JSON.stringify(v)}`);
  return v;
}
