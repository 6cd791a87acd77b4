// SPDX-License-Identifier: MIT
// Linear warmup composed with another schedule: torch's LinearLR for the first steps or
// epochs, then the other schedule from its own t = 0 (SequentialLR with one milestone).
import { ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { checkRange } from '../optim/optimizer.js';
import { BaseSchedule, checkInteger, type Schedule } from './schedule.js';

/** schedules.warmup options: the warmup's length in epochs or in steps (which sets its interval). */
export interface WarmupOptions {
  epochs?: number;
  steps?: number;
  /** The factor on the base lr at t = 0, rising linearly to 1 at the end of the warmup (default 1/3, as LinearLR). */
  startFactor?: number;
  /** The schedule after the warmup (same interval; default: the base lr). */
  then?: Schedule;
}

class Warmup extends BaseSchedule {
  constructor(
    private readonly length: number,
    private readonly startFactor: number,
    private readonly then: Schedule | null,
    per: 'epoch' | 'step',
  ) {
    super('warmup', per);
  }

  start(baseLr: number): this {
    super.start(baseLr);
    this.then?.start(baseLr);
    return this;
  }

  protected at(t: number): number {
    if (t < this.length) return this.base * (this.startFactor + ((1 - this.startFactor) * t) / this.length);
    return this.then ? this.then.lrAt(t - this.length) : this.base;
  }
}

/**
 * lr = base·(startFactor + (1 − startFactor)·t/length) for t < length, then the `then`
 * schedule's lr at t − length.
 * @example cnn.schedules.warmup({ epochs: 5, startFactor: 0.1, then: cnn.schedules.cosine({ tMax: 45 }) })
 * See: torch.optim.lr_scheduler.LinearLR, torch.optim.lr_scheduler.SequentialLR
 */
export function warmup(opts: WarmupOptions): Schedule {
  checkOptions('warmup', opts, ['epochs', 'steps', 'startFactor', 'then'], true);
  const { epochs, steps, then = null } = opts;
  if ((epochs === undefined) === (steps === undefined)) {
    throw new ValueError(`warmup: expected one of the options 'epochs' or 'steps', got ${epochs === undefined ? 'neither' : 'both'}`);
  }
  const per = epochs === undefined ? 'step' : 'epoch';
  const length = checkInteger('warmup', per === 'epoch' ? 'epochs' : 'steps', epochs ?? steps, 1);
  const startFactor = checkRange('warmup', 'startFactor', opts.startFactor ?? 1 / 3, 0, 1, false, true);
  if (then !== null) {
    if (typeof then.lrAt !== 'function' || typeof then.start !== 'function') throw new ValueError(`warmup: expected then a schedule from cnn.schedules, got ${JSON.stringify(then)}`);
    if (then.update) throw new ValueError(`warmup: expected then a time schedule, got '${then.kind}' (it follows a metric, as torch's SequentialLR cannot either)`);
    if (then.interval !== per) throw new ValueError(`warmup: expected then with interval '${per}' (as the warmup's ${per}s), got '${then.interval}'`);
  }
  return new Warmup(length, startFactor, then, per);
}
