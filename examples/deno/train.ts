// SPDX-License-Identifier: MIT
// Train LeNet-5 on the bundled Fashion-MNIST subset from Deno, with the same package:
//   deno run --allow-read examples/deno/train.ts [--epochs N] [--limit N]
// (from npm: import * as cnn from 'npm:simdcnn'; import { … } from 'npm:simdcnn/node').
import * as cnn from '../../dist/index.js';
import { bundledDataDir, loadFashionMnist } from '../../dist/node.js';

declare const Deno: { args: string[] };

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};

await cnn.ready();
const { train, test } = await loadFashionMnist(bundledDataDir());
const subset = train.slice(0, Math.min(arg('limit', train.length), train.length));
const model = cnn.models.lenet5({ seed: 1 });
model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }), batchSize: 64 });
console.log(`deno: wasm ${cnn.activeIsa()}, training on ${subset.length} images`);
await model.fit(subset, {
  epochs: arg('epochs', 1),
  validation: test,
  onEpochEnd: (e) => console.log(`epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)}, test accuracy ${(e.valAccuracy! * 100).toFixed(2)}%`),
});
const reloaded = await cnn.loadModel(model.toBytes());
console.log(`reloaded: test accuracy ${(reloaded.evaluate(test).accuracy * 100).toFixed(2)}%`);
