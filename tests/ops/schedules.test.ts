// SPDX-License-Identifier: MIT
// Learning-rate schedules: the lr of 20 epochs vs torch.optim.lr_scheduler
// (tests/fixtures/optim.json), 100 epochs vs torch's recursive rules over many options
// (tests/reference/schedules.ts), both at rtol 1e-6; the Schedule interface (start, lrAt,
// interval, update); and options, misspelled or missing.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { rng } from '../helpers/random.js';
import {
  cosineLrRef, exponentialLrRef, linearLrRef, multiStepLrRef, plateauLrRef, sequentialLrRef, stepLrRef, warmRestartsLrRef,
  type PlateauRefOptions,
} from '../reference/schedules.js';

beforeAll(() => cnn.ready());

type Schedule = cnn.schedules.Schedule;
type Spec = { kind: string; opts: Record<string, unknown> & { then?: Spec } };
const factories = cnn.schedules as unknown as Record<string, (o: unknown) => Schedule>;

/** A schedule from a fixture's kind and options (a nested `then` is itself a { kind, opts }). */
function build({ kind, opts }: Spec): Schedule {
  return factories[kind](opts.then ? { ...opts, then: build(opts.then) } : opts);
}

/** The lr of epochs 0 … n − 1, as a training loop asks for them (update() after each epoch when there is one). */
function lrsOf(s: Schedule, base: number, n: number, metrics?: number[]): number[] {
  s.start(base);
  return Array.from({ length: n }, (_, t) => {
    const lr = s.lrAt(t);
    if (metrics) s.update!(metrics[t]);
    return lr;
  });
}

const TOL = { rtol: 1e-6, atol: 1e-12 };

interface ScheduleCase extends Spec {
  group: string;
  name: string;
  torch: string;
  baseLr: number;
  lrs: number[];
  metrics?: number[];
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as { cases: ScheduleCase[] };
const torchCases = fixtures.cases.filter((c) => c.group === 'schedule');

describe('schedules vs torch.optim.lr_scheduler: 20 epochs', () => {
  it('the fixtures cover every schedule, warm restarts with tMult 2, warmup then another, plateaus with patience and cooldown', () => {
    expect(new Set(torchCases.map((c) => c.kind))).toEqual(new Set(['step', 'multiStep', 'exponential', 'cosine', 'warmup', 'reduceOnPlateau']));
    expect(torchCases.some((c) => (c.opts.warmRestarts as { tMult?: number } | undefined)?.tMult === 2)).toBe(true);
    expect(torchCases.some((c) => c.opts.then?.kind === 'cosine')).toBe(true);
    expect(torchCases.some((c) => c.kind === 'reduceOnPlateau' && (c.opts.cooldown as number) > 0 && c.metrics)).toBe(true);
  });

  it.each(torchCases)('$torch', (c) => {
    expectClose(lrsOf(build(c), c.baseLr, c.lrs.length, c.metrics), c.lrs, { ...TOL, label: c.torch });
  });
});

const BASE = 0.1;
const N = 100;
const refCases: [string, Spec, number[]][] = [];
for (const stepSize of [1, 3, 7]) for (const gamma of [0.5, 0.9]) refCases.push(['StepLR', { kind: 'step', opts: { stepSize, gamma } }, stepLrRef(BASE, N, stepSize, gamma)]);
refCases.push(['MultiStepLR', { kind: 'multiStep', opts: { milestones: [50, 3, 10, 10], gamma: 0.2 } }, multiStepLrRef(BASE, N, [50, 3, 10, 10], 0.2)]);
refCases.push(['MultiStepLR', { kind: 'multiStep', opts: { milestones: [0, 99] } }, multiStepLrRef(BASE, N, [0, 99], 0.1)]);
for (const gamma of [0.97, 0.5]) refCases.push(['ExponentialLR', { kind: 'exponential', opts: { gamma } }, exponentialLrRef(BASE, N, gamma)]);
for (const tMax of [1, 5, 10, 33]) {
  for (const etaMin of [0, 1e-3]) refCases.push(['CosineAnnealingLR', { kind: 'cosine', opts: { tMax, etaMin } }, cosineLrRef(BASE, N, tMax, etaMin)]);
}
for (const t0 of [1, 3, 5]) {
  for (const tMult of [1, 2, 3]) {
    const opts = { warmRestarts: { t0, tMult }, etaMin: 1e-3 };
    refCases.push(['CosineAnnealingWarmRestarts', { kind: 'cosine', opts }, warmRestartsLrRef(BASE, N, t0, tMult, 1e-3)]);
  }
}
for (const epochs of [1, 4, 10]) {
  for (const startFactor of [0.1, 1 / 3, 1]) {
    refCases.push(['LinearLR', { kind: 'warmup', opts: { epochs, startFactor } }, linearLrRef(BASE, N, startFactor, epochs)]);
  }
  const cosine = { kind: 'cosine', opts: { tMax: 20, etaMin: 1e-4 } };
  refCases.push(['SequentialLR(LinearLR, CosineAnnealingLR)', { kind: 'warmup', opts: { epochs, startFactor: 0.25, then: cosine } },
    sequentialLrRef(linearLrRef(BASE, N, 0.25, epochs), epochs, cosineLrRef(BASE, N, 20, 1e-4))]);
  const restarts = { kind: 'cosine', opts: { warmRestarts: { t0: 2, tMult: 2 } } };
  refCases.push(['SequentialLR(LinearLR, CosineAnnealingWarmRestarts)', { kind: 'warmup', opts: { epochs, then: restarts } },
    sequentialLrRef(linearLrRef(BASE, N, 1 / 3, epochs), epochs, warmRestartsLrRef(BASE, N, 2, 2, 0))]);
  const exp = { kind: 'exponential', opts: { gamma: 0.9 } };
  refCases.push(['SequentialLR(LinearLR, ExponentialLR)', { kind: 'warmup', opts: { epochs, startFactor: 0.5, then: exp } },
    sequentialLrRef(linearLrRef(BASE, N, 0.5, epochs), epochs, exponentialLrRef(BASE, N, 0.9))]);
}

describe('schedules vs torch’s recursive rules: 100 epochs', () => {
  it.each(refCases)('%s %j', (_, spec, want) => {
    expectClose(lrsOf(build(spec), BASE, N), want, { ...TOL, label: JSON.stringify(spec) });
  });

  const plateauCases: PlateauRefOptions[] = [];
  for (const mode of ['min', 'max'] as const) {
    for (const thresholdMode of ['rel', 'abs'] as const) {
      plateauCases.push({ mode, thresholdMode, factor: 0.5, patience: 2, threshold: 0.01, cooldown: 1, minLr: 0.003, eps: 1e-8 });
      plateauCases.push({ mode, thresholdMode, factor: 0.1, patience: 0, threshold: 0, cooldown: 3, minLr: 0, eps: 1e-8 });
      plateauCases.push({ mode, thresholdMode, factor: 0.7, patience: 5, threshold: 0.05, cooldown: 0, minLr: 0.05, eps: 0.01 });
    }
  }
  it.each(plateauCases)('ReduceLROnPlateau %j on a noisy metric, positive and negative', (o) => {
    for (const sign of [1, -1]) {
      const r = rng(31 + plateauCases.indexOf(o));
      const metrics = Array.from({ length: N }, (_, t) => sign * (1 / (1 + t / 10) + 0.1 * r()) * (o.mode === 'min' ? 1 : -1));
      const s = cnn.schedules.reduceOnPlateau(o);
      expectClose(lrsOf(s, BASE, N, metrics), plateauLrRef(BASE, metrics, o), { ...TOL, label: `${JSON.stringify(o)} sign ${sign}` });
    }
  });
});

describe('the Schedule interface', () => {
  it('interval comes from `per` (default epoch) or, for warmup, from epochs | steps', () => {
    expect(cnn.schedules.step({ stepSize: 2 }).interval).toBe('epoch');
    expect(cnn.schedules.cosine({ tMax: 1000, per: 'step' }).interval).toBe('step');
    expect(cnn.schedules.reduceOnPlateau({ per: 'step' }).interval).toBe('step');
    expect(cnn.schedules.warmup({ steps: 100 }).interval).toBe('step');
    expect(cnn.schedules.warmup({ epochs: 2 }).interval).toBe('epoch');
    const s = cnn.schedules.warmup({ steps: 500, startFactor: 0.01, then: cnn.schedules.cosine({ tMax: 10_000, per: 'step' }) }).start(0.4);
    expect(s.lrAt(0)).toBeCloseTo(0.004, 12);
    expect(s.lrAt(500)).toBe(0.4);
    expect(s.lrAt(10_500)).toBe(0);
    expect(cnn.schedules.cosine({ warmRestarts: { t0: 10 } }).start(1).lrAt(1e9 + 5)).toBeCloseTo(0.5, 12);
  });

  it('start(baseLr) returns the schedule; lrAt before start, or at a bad t, is a ValueError', () => {
    const s = cnn.schedules.exponential({ gamma: 0.5 });
    expect(() => s.lrAt(0)).toThrow(/exponential.lrAt: expected start\(baseLr\) first/);
    expect(s.start(0.8)).toBe(s);
    expect(s.lrAt(2)).toBe(0.2);
    expect(() => s.lrAt(-1)).toThrow(/exponential.lrAt: expected t in \[0, ∞\), got -1/);
    expect(() => s.lrAt(Number.NaN)).toThrow(cnn.ValueError);
    expect(() => s.start(-0.1)).toThrow(/exponential.start: expected baseLr in \[0, ∞\), got -0.1/);
    expect(() => cnn.schedules.reduceOnPlateau().update!(1)).toThrow(/reduceOnPlateau.update: expected start\(baseLr\) first/);
  });

  it('reduceOnPlateau: lrAt is the current lr; update() returns it; start() clears best, counters and lr', () => {
    const s = cnn.schedules.reduceOnPlateau({ patience: 0, factor: 0.5 }).start(1);
    expect(s.update!(1)).toBe(1);
    expect(s.update!(2)).toBe(0.5);
    expect(s.lrAt(123)).toBe(0.5);
    expect(s.update!(3)).toBe(0.25);
    s.start(1);
    expect(s.lrAt(0)).toBe(1);
    expect(s.update!(5)).toBe(1);
    expect(() => s.update!('0.5' as never)).toThrow(/reduceOnPlateau.update: expected a number, got "0.5"/);
    expect(cnn.schedules.step({ stepSize: 1 }).update).toBeUndefined();
  });

  it('warmup starts its `then` with the same base; a restart restarts both', () => {
    const then = cnn.schedules.step({ stepSize: 1, gamma: 0.5 });
    const s = cnn.schedules.warmup({ epochs: 2, startFactor: 0.5, then });
    expectClose(lrsOf(s, 0.2, 4), [0.1, 0.15, 0.2, 0.1], TOL);
    expectClose(lrsOf(s, 0.4, 4), [0.2, 0.3, 0.4, 0.2], TOL);
    expect(then.lrAt(0)).toBe(0.4);
  });
});

describe('schedule options', () => {
  it.each([
    ['step', { stepsize: 3 }, /step: unknown option 'stepsize' .*did you mean 'stepSize'\?/],
    ['multiStep', { milestone: [3] }, /multiStep: unknown option 'milestone' .*did you mean 'milestones'\?/],
    ['exponential', { gama: 0.9 }, /exponential: unknown option 'gama' .*did you mean 'gamma'\?/],
    ['cosine', { tmax: 10 }, /cosine: unknown option 'tmax' .*did you mean 'tMax'\?/],
    ['cosine', { warmRestarts: { t0: 2, tmult: 2 } }, /cosine warmRestarts: unknown option 'tmult' .*did you mean 'tMult'\?/],
    ['warmup', { epoch: 5 }, /warmup: unknown option 'epoch' .*did you mean 'epochs'\?/],
    ['reduceOnPlateau', { patiense: 3 }, /reduceOnPlateau: unknown option 'patiense' .*did you mean 'patience'\?/],
    ['reduceOnPlateau', { min_lr: 0.1 }, /reduceOnPlateau: unknown option 'min_lr' .*did you mean 'minLr'\?/],
  ])('%s(%j): misspelled → ValueError naming it and the nearest key', (kind, o, message) => {
    expect(() => factories[kind](o)).toThrow(cnn.ValueError);
    expect(() => factories[kind](o)).toThrow(message);
  });

  it.each([
    ['step', { gamma: 0.5 }, /step: missing required option 'stepSize'/],
    ['multiStep', { gamma: 0.5 }, /multiStep: missing required option 'milestones'/],
    ['exponential', {}, /exponential: missing required option 'gamma'/],
    ['cosine', { etaMin: 0.1 }, /cosine: missing required option 'tMax' \(or 'warmRestarts'\)/],
    ['cosine', { warmRestarts: { tMult: 2 } }, /cosine warmRestarts: missing required option 't0'/],
    ['warmup', { startFactor: 0.1 }, /warmup: expected one of the options 'epochs' or 'steps', got neither/],
    ['step', undefined, /step: expected an options object, got undefined/],
    ['warmup', undefined, /warmup: expected an options object, got undefined/],
  ])('%s(%j): missing → ValueError naming it', (kind, o, message) => {
    expect(() => factories[kind](o)).toThrow(cnn.ValueError);
    expect(() => factories[kind](o)).toThrow(message);
  });

  it('values out of range → ValueError naming expected and actual', () => {
    const S = cnn.schedules;
    expect(() => S.step({ stepSize: 0 })).toThrow(/step: expected stepSize an integer ≥ 1, got 0/);
    expect(() => S.step({ stepSize: 2.5 })).toThrow(/got 2.5/);
    expect(() => S.step({ stepSize: 2, gamma: -1 })).toThrow(/step: expected gamma in \[0, ∞\), got -1/);
    expect(() => S.step({ stepSize: 2, per: 'batch' as never })).toThrow(/step: expected per 'epoch' or 'step', got "batch"/);
    expect(() => S.multiStep({ milestones: 3 as never })).toThrow(/multiStep: expected milestones an array of integers, got 3/);
    expect(() => S.multiStep({ milestones: [2, -1] })).toThrow(/multiStep: expected every milestone an integer ≥ 0, got -1/);
    expect(() => S.exponential({ gamma: Number.NaN })).toThrow(cnn.ValueError);
    expect(() => S.cosine({ tMax: 0 })).toThrow(/cosine: expected tMax in \(0, ∞\), got 0/);
    expect(() => S.cosine({ tMax: 5, etaMin: -1 })).toThrow(/cosine: expected etaMin/);
    expect(() => S.cosine({ tMax: 5, warmRestarts: { t0: 5 } })).toThrow(/cosine: expected tMax or warmRestarts, got both/);
    expect(() => S.cosine({ warmRestarts: { t0: 5, tMult: 1.5 } })).toThrow(/cosine warmRestarts: expected tMult an integer ≥ 1, got 1.5/);
    expect(() => S.warmup({ epochs: 2, steps: 100 })).toThrow(/warmup: expected one of the options 'epochs' or 'steps', got both/);
    expect(() => S.warmup({ epochs: 0 })).toThrow(/warmup: expected epochs an integer ≥ 1, got 0/);
    expect(() => S.warmup({ steps: 10, startFactor: 1.5 })).toThrow(/warmup: expected startFactor in \[0, 1\], got 1.5/);
    expect(() => S.warmup({ epochs: 2, then: (() => 0.1) as never })).toThrow(/warmup: expected then a schedule from cnn.schedules/);
    expect(() => S.warmup({ epochs: 2, then: S.reduceOnPlateau() })).toThrow(/warmup: expected then a time schedule, got 'reduceOnPlateau'/);
    expect(() => S.warmup({ steps: 100, then: S.cosine({ tMax: 10 }) })).toThrow(/warmup: expected then with interval 'step' .*got 'epoch'/);
    expect(() => S.reduceOnPlateau({ factor: 1 })).toThrow(/reduceOnPlateau: expected factor in \[0, 1\), got 1/);
    expect(() => S.reduceOnPlateau({ mode: 'minimum' as never })).toThrow(/reduceOnPlateau: expected mode 'min' or 'max', got "minimum"/);
    expect(() => S.reduceOnPlateau({ thresholdMode: 'relative' as never })).toThrow(/expected thresholdMode 'rel' or 'abs'/);
    expect(() => S.reduceOnPlateau({ patience: -1 })).toThrow(/reduceOnPlateau: expected patience an integer ≥ 0, got -1/);
    expect(() => S.reduceOnPlateau({ cooldown: 1.5 })).toThrow(/expected cooldown an integer ≥ 0, got 1.5/);
  });

  it('warmup with startFactor 0 starts from lr 0 (torch’s recursion cannot: it divides by 0)', () => {
    expectClose(lrsOf(cnn.schedules.warmup({ epochs: 4, startFactor: 0 }), 0.2, 6), [0, 0.05, 0.1, 0.15, 0.2, 0.2], TOL);
  });
});
