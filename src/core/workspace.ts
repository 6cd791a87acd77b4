// SPDX-License-Identifier: MIT
// Scratch for the Into forms: the caller's planned workspace (checked), or — for
// free-standing use without one — a temporary block the op frees when it is done.
import { ValueError } from './errors.js';
import { alloc } from './memory.js';
import { expectDType, type Tensor } from './tensor.js';

/** Byte pointer to at least `floats` floats of scratch; free() it afterwards iff `workspace` was null. */
export function scratchPtr(what: string, floats: number, workspace: Tensor | null | undefined): number {
  if (!workspace) return alloc(floats * 4);
  expectDType(`${what} workspace`, workspace, 'float32');
  if (workspace.size < floats) {
    throw new ValueError(`${what}: workspace too small: expected at least ${floats} floats, got ${workspace.size}`);
  }
  return workspace.ptr;
}
