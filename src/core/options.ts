// SPDX-License-Identifier: MIT
// Option objects are checked against the names a function knows, so a misspelled option
// (`pading: 1`) is a ValueError naming it, the accepted names and the nearest one, never
// silently ignored; a missing required option is a ValueError naming it, never a TypeError.
import { ValueError } from './errors.js';

/**
 * Throws unless `options` is a plain object whose keys are all in `known`. `required`:
 * true when the object itself must be given, or the keys that must be present (not
 * undefined), which implies the object. Allocates nothing when the options are valid (ops
 * call it on every step).
 * @example checkOptions('conv2d', options, ['filters', 'kernelSize', 'stride'], ['filters', 'kernelSize']);
 */
export function checkOptions(what: string, options: unknown, known: readonly string[], required: boolean | readonly string[] = false): void {
  if (options === undefined && required === false) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(`${what}: expected an options object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  // for…in rather than Object.keys: it must not allocate.
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.includes(key)) {
      const near = nearest(key, known);
      const hint = near ? `; did you mean '${near}'?` : '';
      throw new ValueError(`${what}: unknown option '${key}' (expected one of ${known.join(', ')}${hint})`);
    }
  }
  if (typeof required === 'boolean') return;
  for (let i = 0; i < required.length; i++) {
    if ((options as Record<string, unknown>)[required[i]] === undefined) {
      throw new ValueError(`${what}: missing required option '${required[i]}' (required: ${required.join(', ')})`);
    }
  }
}

/** Returns v if it is a boolean; throws a ValueError naming the option otherwise. */
export function checkBoolean(what: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${what}: expected ${name} true or false, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Returns v if it is one of `choices`; throws a ValueError naming the option, the choices
 * and what arrived otherwise (an own-property test, so 'toString' is not a choice).
 */
export function checkChoice<T extends string>(what: string, name: string, v: unknown, choices: readonly T[]): T {
  if (typeof v !== 'string' || !choices.includes(v as T)) {
    const near = typeof v === 'string' ? nearest(v, choices) : undefined;
    throw new ValueError(`${what}: expected ${name} ${choices.map((c) => `'${c}'`).join(' or ')}, got ${JSON.stringify(v) ?? String(v)}${near ? ` (did you mean '${near}'?)` : ''}`);
  }
  return v as T;
}

/** The known name closest to `key` (case, '_' and '-' ignored; edit distance ≤ a third of its length, at least 2), if any. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const k = fold(key);
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.ceil(k.length / 3)) + 1;
  for (const name of known) {
    const n = fold(name);
    const d = n.startsWith(k) || k.startsWith(n) ? Math.min(1, Math.abs(n.length - k.length)) : editDistance(k, n);
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
