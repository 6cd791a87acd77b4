// SPDX-License-Identifier: MIT
// Learning-rate schedules as torch.optim.lr_scheduler computes them (torch 1.13): by their
// recursive, chainable get_lr() rules, stepped one epoch at a time from the lr of the epoch
// before — not by the closed forms simdcnn uses, so the two check each other. Each returns
// the lr of epochs 0 … epochs − 1.

/** Runs a recursive rule: lr(0) = first, lr(t) = next(t, lr(t − 1)). */
function unroll(epochs: number, first: number, next: (t: number, lr: number) => number): number[] {
  const lrs = [first];
  for (let t = 1; t < epochs; t++) lrs.push(next(t, lrs[t - 1]));
  return lrs.slice(0, epochs);
}

/** StepLR: lr ← lr·γ when t is a multiple of stepSize. */
export function stepLrRef(base: number, epochs: number, stepSize: number, gamma: number): number[] {
  return unroll(epochs, base, (t, lr) => (t % stepSize === 0 ? lr * gamma : lr));
}

/** MultiStepLR: lr ← lr·γ^(times t appears among the milestones), from t = 0 (its initial step). */
export function multiStepLrRef(base: number, epochs: number, milestones: number[], gamma: number): number[] {
  const rule = (t: number, lr: number) => lr * gamma ** milestones.filter((m) => m === t).length;
  return unroll(epochs, rule(0, base), rule);
}

/** ExponentialLR: lr ← lr·γ. */
export function exponentialLrRef(base: number, epochs: number, gamma: number): number[] {
  return unroll(epochs, base, (_, lr) => lr * gamma);
}

/** CosineAnnealingLR's recursive form (with its special case one step past each minimum). */
export function cosineLrRef(base: number, epochs: number, tMax: number, etaMin: number): number[] {
  return unroll(epochs, base, (t, lr) => {
    if ((t - 1 - tMax) % (2 * tMax) === 0) return lr + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    return ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin) + etaMin;
  });
}

/** CosineAnnealingWarmRestarts stepped without an epoch: T_cur += 1; at T_i, T_cur −= T_i and T_i ·= tMult. */
export function warmRestartsLrRef(base: number, epochs: number, t0: number, tMult: number, etaMin: number): number[] {
  let cur = 0;
  let period = t0;
  const lrs: number[] = [];
  for (let t = 0; t < epochs; t++) {
    lrs.push(etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * cur) / period))) / 2);
    cur += 1;
    if (cur >= period) {
      cur -= period;
      period *= tMult;
    }
  }
  return lrs;
}

/** LinearLR (end factor 1): lr(0) = base·startFactor, then its recursive ratio until totalIters. */
export function linearLrRef(base: number, epochs: number, startFactor: number, totalIters: number): number[] {
  return unroll(epochs, base * startFactor, (t, lr) =>
    t > totalIters ? lr : lr * (1 + (1 - startFactor) / (totalIters * startFactor + (t - 1) * (1 - startFactor))),
  );
}

/** SequentialLR with one milestone: the first schedule's lrs before it, then the second's from its own start. */
export function sequentialLrRef(first: number[], milestone: number, then: number[]): number[] {
  return [...first.slice(0, milestone), ...then].slice(0, first.length);
}

export interface PlateauRefOptions {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLr: number;
  eps: number;
}

/** ReduceLROnPlateau.step(metric) after each epoch; the lr of each epoch is read before its step. */
export function plateauLrRef(base: number, metrics: number[], o: PlateauRefOptions): number[] {
  let lr = base;
  let best = o.mode === 'min' ? Infinity : -Infinity;
  let bad = 0;
  let cooldown = 0;
  const isBetter = (a: number) => {
    if (o.mode === 'min' && o.thresholdMode === 'rel') return a < best * (1 - o.threshold);
    if (o.mode === 'min') return a < best - o.threshold;
    if (o.thresholdMode === 'rel') return a > best * (o.threshold + 1);
    return a > best + o.threshold;
  };
  const lrs: number[] = [];
  for (const m of metrics) {
    lrs.push(lr);
    if (isBetter(m)) {
      best = m;
      bad = 0;
    } else bad += 1;
    if (cooldown > 0) {
      cooldown -= 1;
      bad = 0;
    }
    if (bad > o.patience) {
      const next = Math.max(lr * o.factor, o.minLr);
      if (lr - next > o.eps) lr = next;
      cooldown = o.cooldown;
      bad = 0;
    }
  }
  return lrs;
}
