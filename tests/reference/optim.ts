// SPDX-License-Identifier: MIT
// Float64 optimiser updates, transcribed from the update equations of torch.optim.SGD and
// torch.optim.Adam (single-tensor path), one step per call, state kept by the caller.
//   SGD:  d = g + wd·p; buf = (first step) ? d : μ·buf + (1 − dampening)·d, dampening = 0;
//         d = nesterov ? d + μ·buf : buf (when μ ≠ 0); p = p − lr·d
//   Adam: g = g + wd·p; m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²;
//         p = p − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + eps)

export interface SgdRefOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface SgdRefState {
  buf: Float64Array | null;
}

export function sgdStepRef(p: Float64Array, g: ArrayLike<number>, st: SgdRefState, o: SgdRefOptions): void {
  const d = Float64Array.from({ length: p.length }, (_, i) => g[i] + o.weightDecay * p[i]);
  if (o.momentum !== 0) {
    if (st.buf === null) st.buf = d.slice();
    else for (let i = 0; i < p.length; i++) st.buf[i] = o.momentum * st.buf[i] + d[i];
    for (let i = 0; i < p.length; i++) d[i] = o.nesterov ? d[i] + o.momentum * st.buf[i] : st.buf[i];
  }
  for (let i = 0; i < p.length; i++) p[i] -= o.lr * d[i];
}

export interface AdamRefOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface AdamRefState {
  m: Float64Array;
  v: Float64Array;
  t: number;
}

export function adamStepRef(p: Float64Array, g: ArrayLike<number>, st: AdamRefState, o: AdamRefOptions): void {
  st.t += 1;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + o.weightDecay * p[i];
    st.m[i] = o.beta1 * st.m[i] + (1 - o.beta1) * gi;
    st.v[i] = o.beta2 * st.v[i] + (1 - o.beta2) * gi * gi;
    const mHat = st.m[i] / (1 - o.beta1 ** st.t);
    const vHat = st.v[i] / (1 - o.beta2 ** st.t);
    p[i] -= (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
  }
}
