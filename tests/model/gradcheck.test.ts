// SPDX-License-Identifier: MIT
// A whole LeNet-5 against finite differences: perturb single parameters in the parameter
// arena, difference the model's own loss (central, float32 so h = 1e-2), and compare with
// the gradient backward left in the gradient arena. The tanh/avg-pool variant (LeCun's) is
// smooth everywhere; the ReLU/max-pool one skips the rare probes that straddle a kink
// (detected by one-sided differences that disagree).
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { lossAndGradients } from '../../src/model/train.js';
import { randomF32, randomInts, rng } from '../helpers/random.js';

beforeAll(() => cnn.ready());

function check(activation: 'tanh' | 'relu', pool: 'avg' | 'max') {
  const model = cnn.models.lenet5({ activation, pool, seed: 5 });
  model.compile({ optimizer: cnn.optim.sgd({ lr: 0.1 }), batchSize: 4 });
  const data = cnn.data.Dataset.fromArrays(randomF32(4 * 28 * 28, 21, 0, 1), randomInts(4, 10, 22), [1, 28, 28], 10);
  const b = model.plan.bind(4, true);
  data.copyBatchInto(b.input, b.labels, null, 0, 4);
  lossAndGradients(model, b);
  const grads = model.plan.gradArena.toArray();
  const params = model.plan.paramArena;
  const loss = () => lossAndGradients(model, b);
  const h = 1e-2;
  const pick = rng(99);
  let checked = 0;
  for (const slot of model.plan.slots) {
    const size = slot.spec.shape.reduce((a, d) => a * d, 1);
    for (let probe = 0; probe < 3; probe++) {
      const i = slot.offset + Math.floor(pick() * size);
      const p = params.data;
      const old = p[i];
      const f0 = loss();
      p[i] = old + h;
      const fp = loss();
      p[i] = old - h;
      const fm = loss();
      p[i] = old;
      const numeric = (fp - fm) / (2 * h);
      const kink = Math.abs(fp - f0 - (f0 - fm)) > 0.05 * Math.abs(fp - fm) + 1e-5;
      if (activation === 'relu' && kink) continue;
      const tol = 2e-3 + 3e-2 * Math.abs(numeric);
      expect(Math.abs(grads[i] - numeric), `layer ${slot.layer} ${slot.spec.name}[${i - slot.offset}]: backward ${grads[i]}, numeric ${numeric}`).toBeLessThan(tol);
      checked++;
    }
  }
  model.dispose();
  return checked;
}

describe('LeNet-5 gradient check', () => {
  it('tanh + average pooling: every parameter tensor, 3 probes each', () => {
    expect(check('tanh', 'avg')).toBe(30);
  });

  it('relu + max pooling: probes away from kinks', () => {
    expect(check('relu', 'max')).toBeGreaterThanOrEqual(20);
  });
});
