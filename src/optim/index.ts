// SPDX-License-Identifier: MIT
// Optimisers: in-place parameter updates over the flat arenas, the kind table that turns a
// saved config() back into an optimiser, and gradient clipping.
import { ValueError } from '../core/errors.js';
import { adadelta } from './adadelta.js';
import { adagrad } from './adagrad.js';
import { adam, adamw } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

export type { Optimizer } from './optimizer.js';
export type { SgdOptions } from './sgd.js';
export type { AdamOptions } from './adam.js';
export type { RmspropOptions } from './rmsprop.js';
export type { AdagradOptions } from './adagrad.js';
export type { AdadeltaOptions } from './adadelta.js';
export { sgd, adam, adamw, rmsprop, adagrad, adadelta };
export { clipGradNorm, clipGradValue } from './clip.js';

type Config = Record<string, number | boolean | string>;

// Each factory checks its own options (unknown keys and ranges are ValueErrors).
const kinds: Record<string, (options: never) => Optimizer> = { sgd, adam, adamw, rmsprop, adagrad, adadelta };

/**
 * The inverse of `optimizer.config()`: builds the optimiser its `kind` names.
 * @example const opt = cnn.optim.fromConfig({ kind: 'adam', lr: 1e-3 });
 * See: torch.optim.Optimizer.load_state_dict
 */
export function fromConfig(config: Config): Optimizer {
  const kind = config?.kind;
  const make = typeof kind === 'string' && Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
  if (!make) throw new ValueError(`fromConfig: expected an optimizer kind of ${Object.keys(kinds).join(', ')}, got ${JSON.stringify(kind)}`);
  const { kind: _kind, ...opts } = config;
  return make(opts as never);
}
