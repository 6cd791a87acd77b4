// SPDX-License-Identifier: MIT
// The time schedules, each the closed form of its torch.optim.lr_scheduler class: step,
// multiStep, exponential decay and cosine annealing (with or without warm restarts).
import { ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { checkRange } from '../optim/optimizer.js';
import { BaseSchedule, checkInteger, type Interval, type Schedule } from './schedule.js';

/** schedules.step options. */
export interface StepOptions {
  stepSize: number;
  /** Default 0.1. */
  gamma?: number;
  per?: Interval;
}

/** schedules.multiStep options. */
export interface MultiStepOptions {
  milestones: readonly number[];
  /** Default 0.1. */
  gamma?: number;
  per?: Interval;
}

/** schedules.exponential options. */
export interface ExponentialOptions {
  gamma: number;
  per?: Interval;
}

/** schedules.cosine options: tMax for one annealing, or warmRestarts. */
export interface CosineOptions {
  tMax?: number;
  /** Default 0. */
  etaMin?: number;
  /** SGDR: restart every t0, t0·tMult, t0·tMult², … (tMult default 1); replaces tMax. */
  warmRestarts?: { t0: number; tMult?: number };
  per?: Interval;
}

class Decay extends BaseSchedule {
  constructor(
    kind: string,
    per: unknown,
    private readonly factor: (t: number) => number,
  ) {
    super(kind, per);
  }

  protected at(t: number): number {
    return this.base * this.factor(t);
  }
}

/**
 * lr = base·γ^⌊t/stepSize⌋.
 * @example cnn.schedules.step({ stepSize: 30, gamma: 0.1 })
 * See: torch.optim.lr_scheduler.StepLR
 */
export function step(opts: StepOptions): Schedule {
  checkOptions('step', opts, ['stepSize', 'gamma', 'per'], ['stepSize']);
  const stepSize = checkInteger('step', 'stepSize', opts.stepSize, 1);
  const gamma = checkRange('step', 'gamma', opts.gamma ?? 0.1, 0, Infinity);
  return new Decay('step', opts.per, (t) => gamma ** Math.floor(t / stepSize));
}

/**
 * lr = base·γ^(number of milestones ≤ t).
 * @example cnn.schedules.multiStep({ milestones: [30, 80], gamma: 0.1 })
 * See: torch.optim.lr_scheduler.MultiStepLR
 */
export function multiStep(opts: MultiStepOptions): Schedule {
  checkOptions('multiStep', opts, ['milestones', 'gamma', 'per'], ['milestones']);
  if (!Array.isArray(opts.milestones)) throw new ValueError(`multiStep: expected milestones an array of integers, got ${JSON.stringify(opts.milestones)}`);
  const milestones = opts.milestones.map((m) => checkInteger('multiStep', 'every milestone', m, 0));
  const gamma = checkRange('multiStep', 'gamma', opts.gamma ?? 0.1, 0, Infinity);
  return new Decay('multiStep', opts.per, (t) => {
    let passed = 0;
    for (let i = 0; i < milestones.length; i++) if (milestones[i] <= t) passed++;
    return gamma ** passed;
  });
}

/**
 * lr = base·γ^t.
 * @example cnn.schedules.exponential({ gamma: 0.95 })
 * See: torch.optim.lr_scheduler.ExponentialLR
 */
export function exponential(opts: ExponentialOptions): Schedule {
  checkOptions('exponential', opts, ['gamma', 'per'], ['gamma']);
  const gamma = checkRange('exponential', 'gamma', opts.gamma, 0, Infinity);
  return new Decay('exponential', opts.per, (t) => gamma ** t);
}

class Cosine extends BaseSchedule {
  constructor(
    per: unknown,
    private readonly tMax: number,
    private readonly etaMin: number,
    private readonly tMult: number,
    private readonly restarts: boolean,
  ) {
    super('cosine', per);
  }

  protected at(t: number): number {
    let cur = t;
    let period = this.tMax;
    // SGDR: find the cycle t falls in (cycle i lasts t0·tMult^i: O(log t) rounds for tMult ≥ 2).
    if (this.restarts && this.tMult === 1) cur = t % period;
    while (this.restarts && cur >= period) {
      cur -= period;
      period *= this.tMult;
    }
    return this.etaMin + ((this.base - this.etaMin) * (1 + Math.cos((Math.PI * cur) / period))) / 2;
  }
}

/**
 * Cosine annealing from base to etaMin: lr = etaMin + (base − etaMin)·(1 + cos(π·t/tMax))/2
 * (past tMax it rises again, as PyTorch's); with warmRestarts, t restarts at 0 after t0,
 * then after t0·tMult more, and so on.
 * @example cnn.schedules.cosine({ tMax: 50 }); cnn.schedules.cosine({ warmRestarts: { t0: 10, tMult: 2 }, etaMin: 1e-5 })
 * See: torch.optim.lr_scheduler.CosineAnnealingLR, torch.optim.lr_scheduler.CosineAnnealingWarmRestarts
 */
export function cosine(opts: CosineOptions): Schedule {
  checkOptions('cosine', opts, ['tMax', 'etaMin', 'warmRestarts', 'per'], true);
  const etaMin = checkRange('cosine', 'etaMin', opts.etaMin ?? 0, 0, Infinity);
  const { warmRestarts } = opts;
  if (warmRestarts === undefined) {
    if (opts.tMax === undefined) throw new ValueError(`cosine: missing required option 'tMax' (or 'warmRestarts')`);
    return new Cosine(opts.per, checkRange('cosine', 'tMax', opts.tMax, 0, Infinity, true), etaMin, 1, false);
  }
  if (opts.tMax !== undefined) throw new ValueError(`cosine: expected tMax or warmRestarts, got both (warm restarts take t0 instead of tMax)`);
  checkOptions('cosine warmRestarts', warmRestarts, ['t0', 'tMult'], ['t0']);
  const t0 = checkInteger('cosine warmRestarts', 't0', warmRestarts.t0, 1);
  const tMult = checkInteger('cosine warmRestarts', 'tMult', warmRestarts.tMult ?? 1, 1);
  return new Cosine(opts.per, t0, etaMin, tMult, true);
}
