// SPDX-License-Identifier: MIT
// Float64 optimiser updates and gradient clipping, transcribed from the update equations of
// torch.optim (single-tensor path, torch 1.13) and torch.nn.utils.clip_grad_*; one step per
// call, state kept by the caller in simdcnn's state order, t the 1-based step number.
//   SGD:      d = g + wd·p; buf = (t = 1) ? d : μ·buf + (1 − dampening)·d;
//             d = nesterov ? d + μ·buf : buf (when μ ≠ 0); p = p − lr·d
//   Adam:     g = g + wd·p (AdamW: p = p·(1 − lr·wd) instead); m = β1·m + (1 − β1)·g;
//             v = β2·v + (1 − β2)·g²; v̂ = amsgrad ? (vmax = max(vmax, v)) : v;
//             p = p − lr/(1 − β1^t) · m / (sqrt(v̂)/sqrt(1 − β2^t) + eps)
//   RMSprop:  g = g + wd·p; s = α·s + (1 − α)·g²; centered: c = α·c + (1 − α)·g, r = sqrt(s − c²) + eps,
//             else r = sqrt(s) + eps; μ > 0: u = μ·u + g/r, p = p − lr·u; else p = p − lr·g/r
//   Adagrad:  g = g + wd·p; clr = lr/(1 + (t − 1)·lrDecay); s = s + g²; p = p − clr·g/(sqrt(s) + eps)
//   Adadelta: g = g + wd·p; s = ρ·s + (1 − ρ)·g²; δ = sqrt(a + eps)/sqrt(s + eps)·g;
//             a = ρ·a + (1 − ρ)·δ²; p = p − lr·δ

/** An optimiser's options with every default filled in (simdcnn's names). */
export type RefOptions = Record<string, number | boolean>;

/** PyTorch's defaults, per kind (simdcnn's names). */
export const DEFAULTS: Record<string, RefOptions> = {
  sgd: { lr: 0.01, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false },
  adamw: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, amsgrad: false },
  rmsprop: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
  adagrad: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 },
  adadelta: { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0 },
};

const num = (o: RefOptions, k: string) => o[k] as number;

/** The state arrays of `kind` for n parameters, at their starting values. */
export function initialStateRef(kind: string, n: number, opts: RefOptions): Float64Array[] {
  const o = { ...DEFAULTS[kind], ...opts };
  const count: Record<string, number> = {
    sgd: num(o, 'momentum') > 0 ? 1 : 0,
    adam: o.amsgrad ? 3 : 2,
    adamw: o.amsgrad ? 3 : 2,
    rmsprop: 1 + (o.centered ? 1 : 0) + (num(o, 'momentum') > 0 ? 1 : 0),
    adagrad: 1,
    adadelta: 2,
  };
  const fill = kind === 'adagrad' ? num(o, 'initialAccumulatorValue') : 0;
  return Array.from({ length: count[kind] }, () => new Float64Array(n).fill(fill));
}

/** One step of `kind` at step t ≥ 1, in place on p and state. */
export function stepRef(kind: string, p: Float64Array, g: ArrayLike<number>, state: Float64Array[], t: number, opts: RefOptions): void {
  const o = { ...DEFAULTS[kind], ...opts };
  const lr = num(o, 'lr');
  const wd = num(o, 'weightDecay');
  const decoupled = kind === 'adamw';
  for (let i = 0; i < p.length; i++) {
    let gi = g[i] + (decoupled ? 0 : wd * p[i]);
    if (kind === 'sgd') {
      const mu = num(o, 'momentum');
      if (mu !== 0) {
        const buf = state[0];
        buf[i] = t === 1 ? gi : mu * buf[i] + (1 - num(o, 'dampening')) * gi;
        gi = o.nesterov ? gi + mu * buf[i] : buf[i];
      }
      p[i] -= lr * gi;
    } else if (kind === 'adam' || kind === 'adamw') {
      const [b1, b2] = [num(o, 'beta1'), num(o, 'beta2')];
      const [m, v] = state;
      if (decoupled) p[i] *= 1 - lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      let vHat = v[i];
      if (o.amsgrad) vHat = state[2][i] = Math.max(state[2][i], v[i]);
      p[i] -= ((lr / (1 - b1 ** t)) * m[i]) / (Math.sqrt(vHat) / Math.sqrt(1 - b2 ** t) + num(o, 'eps'));
    } else if (kind === 'rmsprop') {
      const a = num(o, 'alpha');
      const mu = num(o, 'momentum');
      const s = state[0];
      s[i] = a * s[i] + (1 - a) * gi * gi;
      let r = s[i];
      if (o.centered) {
        const c = state[1];
        c[i] = a * c[i] + (1 - a) * gi;
        r = s[i] - c[i] * c[i];
      }
      const d = gi / (Math.sqrt(r) + num(o, 'eps'));
      if (mu > 0) {
        const u = state[state.length - 1];
        u[i] = mu * u[i] + d;
        p[i] -= lr * u[i];
      } else p[i] -= lr * d;
    } else if (kind === 'adagrad') {
      const clr = lr / (1 + (t - 1) * num(o, 'lrDecay'));
      state[0][i] += gi * gi;
      p[i] -= (clr * gi) / (Math.sqrt(state[0][i]) + num(o, 'eps'));
    } else if (kind === 'adadelta') {
      const rho = num(o, 'rho');
      const eps = num(o, 'eps');
      const [s, acc] = state;
      s[i] = rho * s[i] + (1 - rho) * gi * gi;
      const delta = (Math.sqrt(acc[i] + eps) / Math.sqrt(s[i] + eps)) * gi;
      acc[i] = rho * acc[i] + (1 - rho) * delta * delta;
      p[i] -= lr * delta;
    } else throw new Error(`stepRef: unknown kind ${kind}`);
  }
}

/** clip_grad_norm_: returns the norm; g *= maxNorm/(norm + 1e-6) when that is below 1. */
export function clipGradNormRef(g: Float64Array, maxNorm: number): number {
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  const norm = Math.sqrt(sum);
  const coef = Math.min(maxNorm / (norm + 1e-6), 1);
  for (let i = 0; i < g.length; i++) g[i] *= coef;
  return norm;
}

/** clip_grad_value_: g = clamp(g, −v, v). */
export function clipGradValueRef(g: Float64Array, v: number): void {
  for (let i = 0; i < g.length; i++) g[i] = Math.min(Math.max(g[i], -v), v);
}
