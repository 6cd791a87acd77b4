// SPDX-License-Identifier: MIT
// reduceOnPlateau: multiply the lr by `factor` when a monitored metric has not improved for
// `patience` updates, as torch.optim.lr_scheduler.ReduceLROnPlateau (the one stateful schedule).
import { ValueError } from '../core/errors.js';
import { checkChoice, checkOptions } from '../core/options.js';
import { checkRange } from '../optim/optimizer.js';
import { BaseSchedule, checkInteger, type Interval, type Schedule } from './schedule.js';

/** schedules.reduceOnPlateau options (PyTorch's, camelCase, and their defaults). */
export interface ReduceOnPlateauOptions {
  /** 'min' (default: a loss) or 'max' (an accuracy). */
  mode?: 'min' | 'max';
  /** lr ← max(lr·factor, minLr); default 0.1. */
  factor?: number;
  /** Updates without improvement tolerated before reducing; default 10. */
  patience?: number;
  /** What counts as an improvement; default 1e-4. */
  threshold?: number;
  /** 'rel' (default): better than best·(1 ∓ threshold); 'abs': than best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Updates to wait after a reduction before counting again; default 0. */
  cooldown?: number;
  /** Default 0. */
  minLr?: number;
  /** A reduction smaller than eps is skipped; default 1e-8. */
  eps?: number;
  per?: Interval;
}

const PLATEAU_OPTIONS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps', 'per'];

class ReduceOnPlateau extends BaseSchedule {
  private readonly max: boolean;
  private readonly relative: boolean;
  private readonly factor: number;
  private readonly patience: number;
  private readonly threshold: number;
  private readonly cooldown: number;
  private readonly minLr: number;
  private readonly eps: number;
  private lr = NaN;
  private best = Infinity;
  private bad = 0;
  private cooling = 0;

  constructor(opts: ReduceOnPlateauOptions) {
    super('reduceOnPlateau', opts.per);
    const what = 'reduceOnPlateau';
    this.max = checkChoice(what, 'mode', opts.mode ?? 'min', ['min', 'max']) === 'max';
    this.relative = checkChoice(what, 'thresholdMode', opts.thresholdMode ?? 'rel', ['rel', 'abs']) === 'rel';
    this.factor = checkRange(what, 'factor', opts.factor ?? 0.1, 0, 1);
    this.patience = checkInteger(what, 'patience', opts.patience ?? 10, 0);
    this.threshold = checkRange(what, 'threshold', opts.threshold ?? 1e-4, 0, Infinity);
    this.cooldown = checkInteger(what, 'cooldown', opts.cooldown ?? 0, 0);
    this.minLr = checkRange(what, 'minLr', opts.minLr ?? 0, 0, Infinity);
    this.eps = checkRange(what, 'eps', opts.eps ?? 1e-8, 0, Infinity);
  }

  start(baseLr: number): this {
    super.start(baseLr);
    this.lr = baseLr;
    this.best = this.max ? -Infinity : Infinity;
    this.bad = 0;
    this.cooling = 0;
    return this;
  }

  protected at(): number {
    return this.lr;
  }

  /** As torch's is_better: min mode wants metric < best·(1 − threshold) (rel) or best − threshold (abs), max mode the mirror. */
  private isBetter(metric: number): boolean {
    const { best, threshold } = this;
    if (this.max) return this.relative ? metric > best * (1 + threshold) : metric > best + threshold;
    return this.relative ? metric < best * (1 - threshold) : metric < best - threshold;
  }

  update(metric: number): number {
    if (Number.isNaN(this.lr)) throw new ValueError(`reduceOnPlateau.update: expected start(baseLr) first, got a schedule not started`);
    if (typeof metric !== 'number') throw new ValueError(`reduceOnPlateau.update: expected a number, got ${JSON.stringify(metric)}`);
    if (this.isBetter(metric)) {
      this.best = metric;
      this.bad = 0;
    } else this.bad++;
    if (this.cooling > 0) {
      this.cooling--;
      this.bad = 0;
    }
    if (this.bad > this.patience) {
      const next = Math.max(this.lr * this.factor, this.minLr);
      if (this.lr - next > this.eps) this.lr = next;
      this.cooling = this.cooldown;
      this.bad = 0;
    }
    return this.lr;
  }
}

/** A schedule that follows a metric: update() is always there. */
export interface PlateauSchedule extends Schedule {
  update(metric: number): number;
}

/**
 * Multiplies the lr by `factor` (down to minLr) when the metric given to update() stops
 * improving: after more than `patience` updates without a new best (by `threshold`); then
 * waits `cooldown` updates before counting again. lrAt(t) is the current lr.
 * @example const s = cnn.schedules.reduceOnPlateau({ factor: 0.5, patience: 3 }).start(0.1); opt.lr = s.update(valLoss);
 * See: torch.optim.lr_scheduler.ReduceLROnPlateau
 */
export function reduceOnPlateau(opts: ReduceOnPlateauOptions = {}): PlateauSchedule {
  checkOptions('reduceOnPlateau', opts, PLATEAU_OPTIONS);
  return new ReduceOnPlateau(opts);
}
