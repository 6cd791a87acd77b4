// SPDX-License-Identifier: MIT
// The Schedule contract: a learning-rate schedule is made from options, started with the
// optimiser's base lr, and then answers the lr for epoch or step t. Time schedules are pure
// functions of t (closed forms of torch.optim.lr_scheduler's); reduceOnPlateau is the one
// stateful schedule and also takes update(metric).
import { ValueError } from '../core/errors.js';
import { checkChoice } from '../core/options.js';
import { checkRange } from '../optim/optimizer.js';

/** When a schedule is asked: at the start of every epoch, or before every optimiser step. */
export type Interval = 'epoch' | 'step';

/**
 * A learning-rate schedule. The training loop calls start(optimizer.lr) once, then sets
 * optimizer.lr = lrAt(t) before every epoch (interval 'epoch', t = 0, 1, … epochs) or every
 * step (interval 'step', t counting steps from 0 across epochs); a schedule with update()
 * (reduceOnPlateau) is also told the monitored metric after every interval.
 */
export interface Schedule {
  /** 'step' | 'multiStep' | 'exponential' | 'cosine' | 'warmup' | 'reduceOnPlateau'. */
  readonly kind: string;
  /** Option `per`, default 'epoch'. */
  readonly interval: Interval;
  /** (Re)starts from a base lr — the lr at t = 0 — clearing any state; returns the schedule. */
  start(baseLr: number): this;
  /** The lr for epoch or step t ≥ 0 (reduceOnPlateau: the current lr, whatever t). */
  lrAt(t: number): number;
  /** reduceOnPlateau only: the metric at the end of an interval → the lr from now on. */
  update?(metric: number): number;
}

export const INTERVALS: Interval[] = ['epoch', 'step'];

/** start(), lrAt() with their checks, and the `per` option; subclasses give the closed form at(t). */
export abstract class BaseSchedule implements Schedule {
  readonly interval: Interval;
  /** The base lr, NaN until start(). */
  protected base = NaN;

  constructor(
    readonly kind: string,
    per: unknown,
  ) {
    this.interval = checkChoice(kind, 'per', per ?? 'epoch', INTERVALS);
  }

  start(baseLr: number): this {
    this.base = checkRange(`${this.kind}.start`, 'baseLr', baseLr, 0, Infinity);
    return this;
  }

  lrAt(t: number): number {
    if (Number.isNaN(this.base)) throw new ValueError(`${this.kind}.lrAt: expected start(baseLr) first, got a schedule not started`);
    checkRange(`${this.kind}.lrAt`, 't', t, 0, Infinity);
    return this.at(t);
  }

  protected abstract at(t: number): number;
}

/** Throws a ValueError unless v is an integer ≥ lo; returns it. */
export function checkInteger(what: string, name: string, v: unknown, lo: number): number {
  if (!Number.isInteger(v) || (v as number) < lo) throw new ValueError(`${what}: expected ${name} an integer ≥ ${lo}, got ${JSON.stringify(v) ?? String(v)}`);
  return v as number;
}
