// SPDX-License-Identifier: MIT
// Optimisers: in-place parameter updates over the flat arenas, and the kind table that
// turns a saved config() back into an optimiser.
import { ValueError } from '../core/errors.js';
import { adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { sgd } from './sgd.js';

export type { Optimizer } from './optimizer.js';
export type { SgdOptions } from './sgd.js';
export type { AdamOptions } from './adam.js';
export { sgd, adam };

const kinds: Record<string, (config: Record<string, number | boolean | string>) => Optimizer> = {
  sgd: (c) => sgd(c as Parameters<typeof sgd>[0]),
  adam: (c) => adam(c as Parameters<typeof adam>[0]),
};

/**
 * The inverse of `optimizer.config()`: builds the optimiser its `kind` names.
 * @example const opt = cnn.optim.fromConfig({ kind: 'adam', lr: 1e-3 });
 * See: torch.optim.Optimizer.load_state_dict
 */
export function fromConfig(config: Record<string, number | boolean | string>): Optimizer {
  const kind = config?.kind;
  const make = typeof kind === 'string' && Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
  if (!make) throw new ValueError(`fromConfig: expected an optimizer kind of ${Object.keys(kinds).join(' or ')}, got ${JSON.stringify(kind)}`);
  const { kind: _kind, ...opts } = config;
  return make(opts);
}
