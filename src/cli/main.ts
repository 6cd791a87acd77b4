// SPDX-License-Identifier: MIT
// The README's main command: `simdcnn train` trains LeNet-5 (or a small ResNet) on Fashion-MNIST (the bundled
// subset unless --data names a directory with the full set), shows progress, tests after
// every epoch, saves the weights, loads them back and shows predictions.
import { parseArgs } from 'node:util';
import * as cnn from '../index.js';
import { bundledDataDir, loadFashionMnist } from '../data/node.js';
import { asciiGrid } from './grid.js';
import { ProgressBar } from './progress.js';

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const usage = `usage: simdcnn <command> [options]

commands:
  train      train LeNet-5 (or --arch resnet) on Fashion-MNIST, test after every epoch,
             save the weights
  evaluate   load a saved model and report test loss and accuracy
  help       this text

options:
  --arch NAME         lenet5 (default) or resnet (ResNet-8: three stages of one basic
                      block, 8/16/32 filters, batch norm, global average pooling)
  --data DIR          directory with (train|t10k)-(images-idx3|labels-idx1)-ubyte[.gz]
                      (default: the bundled 10,000/2,000-image subset)
  --epochs N          training epochs (default 5)
  --batch-size N      mini-batch size (default 64)
  --optimizer NAME    adam (default), adamw, sgd, rmsprop, adagrad or adadelta
  --lr X              learning rate (default: the optimiser's PyTorch default)
  --momentum X        sgd and rmsprop momentum (default 0.9 for sgd, 0 for rmsprop)
  --clip-norm X       clip the gradients' global L2 norm to X before every step
  --seed N            seed for initialisation and shuffling (default 1)
  --limit N           use only the first N training images
  --no-normalize      feed raw [0, 1] pixels (default: a first layer normalises them
                      with the training set's mean and std, saved with the model)
  --out FILE          where to save the model (default models/<arch>-fashion.simdcnn)
  --model FILE        model to evaluate (evaluate command)
  --isa NAME          auto (default), simd or relaxed
  --threads N         threads to run the kernels on (default: every core, at most 8)`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      arch: { type: 'string', default: 'lenet5' },
      data: { type: 'string' },
      epochs: { type: 'string', default: '5' },
      'batch-size': { type: 'string', default: '64' },
      optimizer: { type: 'string', default: 'adam' },
      lr: { type: 'string' },
      momentum: { type: 'string' },
      'clip-norm': { type: 'string' },
      seed: { type: 'string', default: '1' },
      limit: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      isa: { type: 'string', default: 'auto' },
      threads: { type: 'string' },
      'no-normalize': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'help';
  if (values.help || command === 'help') {
    console.log(usage);
    return 0;
  }
  const threadCount = values.threads === undefined ? undefined : Number(values.threads);
  if (threadCount !== undefined && !(Number.isInteger(threadCount) && threadCount >= 1)) {
    throw new cnn.ValueError(`--threads: expected an integer ≥ 1, got ${values.threads}`);
  }
  await cnn.ready({ isa: values.isa as 'auto' | cnn.Isa, threads: threadCount });
  const dir = values.data ?? bundledDataDir();
  const { train: fullTrain, test } = await loadFashionMnist(dir);
  const train = values.limit ? fullTrain.slice(0, Math.min(Number(values.limit), fullTrain.length)) : fullTrain;
  const { count, reason } = cnn.threads();
  const threads = `${count} thread${count === 1 ? '' : 's'}${reason ? ` (${reason})` : ''}`;
  console.log(`simdcnn · wasm ${cnn.activeIsa() === 'relaxed' ? 'relaxed SIMD' : 'SIMD128'} · ${threads} · data ${dir}`);
  console.log(`train ${train.length} images, test ${test.length} images, ${train.imageShape.join('×')}, ${train.numClasses} classes`);

  if (command === 'evaluate') {
    if (!values.model) throw new cnn.ValueError('evaluate: expected --model FILE');
    const model = await cnn.loadModel(values.model);
    if (!model.lossName) model.compile();
    const { loss, accuracy } = model.evaluate(test);
    console.log(`test loss ${loss.toFixed(4)}, accuracy ${(accuracy * 100).toFixed(2)}%`);
    return 0;
  }
  if (command !== 'train') {
    console.error(`unknown command '${command}'\n\n${usage}`);
    return 2;
  }

  const epochs = Number(values.epochs);
  const batchSize = Number(values['batch-size']);
  const seed = Number(values.seed);
  const lr = values.lr === undefined ? {} : { lr: Number(values.lr) };
  const momentum = values.momentum === undefined ? undefined : Number(values.momentum);
  const optimizers: Record<string, () => cnn.optim.Optimizer> = {
    adam: () => cnn.optim.adam(lr),
    adamw: () => cnn.optim.adamw(lr),
    sgd: () => cnn.optim.sgd({ ...lr, momentum: momentum ?? 0.9 }),
    rmsprop: () => cnn.optim.rmsprop({ ...lr, momentum: momentum ?? 0 }),
    adagrad: () => cnn.optim.adagrad(lr),
    adadelta: () => cnn.optim.adadelta(lr),
  };
  if (!Object.hasOwn(optimizers, values.optimizer!)) {
    throw new cnn.ValueError(`--optimizer: expected ${Object.keys(optimizers).join(', ')}, got ${values.optimizer}`);
  }
  const optimizer = optimizers[values.optimizer!]();
  const clipNorm = values['clip-norm'] === undefined ? null : Number(values['clip-norm']);
  const normalize = values['no-normalize'] ? undefined : train.stats();
  if (normalize) console.log(`normalising inputs with the training set's mean ${normalize.mean[0].toFixed(4)} and std ${normalize.std[0].toFixed(4)}`);
  const inputShape = train.imageShape as [number, number, number];
  const architectures: Record<string, () => cnn.Model> = {
    lenet5: () => cnn.models.lenet5({ seed, normalize, inputShape }),
    resnet: () => cnn.models.resnet({ depth: 8, width: 8, seed, normalize, inputShape }),
  };
  const build = Object.hasOwn(architectures, values.arch!) ? architectures[values.arch!] : null;
  if (!build) throw new cnn.ValueError(`--arch: expected ${Object.keys(architectures).join(' or ')}, got ${values.arch}`);
  const model = build();
  model.compile({ optimizer, loss: 'softmaxCrossEntropy', batchSize, clipNorm });
  const name = values.arch === 'resnet' ? 'ResNet-8' : 'LeNet-5';
  console.log(`\n${name}, ${model.paramCount.toLocaleString('en')} parameters, ${values.optimizer} lr ${optimizer.lr}, batch ${batchSize}\n${model.summary()}\n`);

  const started = performance.now();
  const bar = new ProgressBar();
  await model.fit(train, {
    epochs,
    seed,
    validation: test,
    onBatchEnd: (info) => bar.batch(info, epochs),
    onEpochEnd: (info) => bar.epoch(info, epochs),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`trained ${epochs} epochs in ${seconds.toFixed(1)} s`);

  const path = await model.save(values.out ?? `models/${values.arch}-fashion.simdcnn`);
  console.log(`saved weights to ${path}`);
  const reloaded = await cnn.loadModel(path);
  const check = reloaded.evaluate(test);
  console.log(`reloaded ${path}: test accuracy ${(check.accuracy * 100).toFixed(2)}%`);

  const shown = test.slice(0, 10);
  const logits = reloaded.predict(shown);
  console.log(`\n${asciiGrid(shown, logits, CLASS_NAMES)}`);
  logits.dispose();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof cnn.SimdCnnError ? `simdcnn: ${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
