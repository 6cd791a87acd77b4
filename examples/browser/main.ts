// SPDX-License-Identifier: MIT
// The browser demo: fetch the bundled IDX files, train LeNet-5 in the page, then draw ten
// test images with their predicted and true classes (article 003's grid). Query options:
// ?epochs=N&limit=N&autostart=1 (the browser test uses them).
import * as cnn from '../../src/index.js';

const NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const log = (line: string) => ($('log').textContent += `${line}\n`);

async function fetchBytes(name: string): Promise<Uint8Array> {
  const response = await fetch(`/data/fashion-mnist/${name}`);
  if (!response.ok) throw new Error(`fetch ${name}: expected HTTP 200, got ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function drawGrid(test: cnn.data.Dataset, model: cnn.Model): void {
  const shown = test.slice(0, 10);
  const logits = model.predict(shown);
  const scores = logits.toArray();
  logits.dispose();
  const pixels = cnn.empty([shown.length, 1, 28, 28]);
  shown.copyBatchInto(pixels, null, null, 0, shown.length);
  const values = pixels.toArray();
  pixels.dispose();
  const grid = $('grid');
  grid.textContent = '';
  for (let i = 0; i < shown.length; i++) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 28;
    const ctx = canvas.getContext('2d')!;
    const image = ctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = 255 - Math.round(values[i * 784 + p] * 255);
      image.data.set([v, v, v, 255], p * 4);
    }
    ctx.putImageData(image, 0, 0);
    let best = 0;
    for (let c = 1; c < 10; c++) if (scores[i * 10 + c] > scores[i * 10 + best]) best = c;
    const truth = shown.label(i);
    const figure = document.createElement('figure');
    figure.innerHTML = `<figcaption class="${best === truth ? 'right' : 'wrong'}">${NAMES[best]}</figcaption><small>(${NAMES[truth]})</small>`;
    figure.prepend(canvas);
    grid.append(figure);
  }
}

async function main(): Promise<void> {
  await cnn.ready();
  const [trainX, trainY, testX, testY] = await Promise.all(
    ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map(fetchBytes),
  );
  const full = await cnn.data.loadIdx(trainX, trainY);
  const train = full.slice(0, Math.min(Number(params.get('limit') ?? full.length), full.length));
  const test = await cnn.data.loadIdx(testX, testY);
  const { count, reason } = cnn.threads();
  const threads = `${count} thread${count === 1 ? '' : 's'}`;
  $('status').textContent = `ready: wasm ${cnn.activeIsa()}, ${threads}, ${train.length} training and ${test.length} test images`;
  if (reason) log(`one thread: ${reason}`);
  const button = $<HTMLButtonElement>('train');
  if (params.has('epochs')) $<HTMLInputElement>('epochs').value = params.get('epochs')!;
  button.onclick = async () => {
    button.disabled = true;
    const epochs = Number($<HTMLInputElement>('epochs').value);
    const model = cnn.models.lenet5({ seed: 1 });
    model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }), batchSize: 64 });
    const progress = $<HTMLProgressElement>('progress');
    await model.fit(train, {
      epochs,
      validation: test,
      onBatchEnd: (b) => {
        progress.value = (b.epoch + (b.batch + 1) / b.batches) / epochs;
        $('status').textContent = `epoch ${b.epoch + 1}/${epochs}: loss ${b.loss.toFixed(4)}, ${Math.round(b.imagesPerSecond)} img/s`;
      },
      onEpochEnd: (e) =>
        log(`epoch ${e.epoch + 1}: train loss ${e.loss.toFixed(4)}, test accuracy ${(e.valAccuracy! * 100).toFixed(2)}% (${e.seconds.toFixed(1)} s)`),
    });
    const { accuracy } = model.evaluate(test);
    $('status').textContent = `done: test accuracy ${(accuracy * 100).toFixed(2)}%`;
    drawGrid(test, model);
    model.dispose();
    button.disabled = false;
  };
  if (params.get('autostart') === '1') button.click();
}

main().catch((error) => {
  $('status').textContent = `error: ${error instanceof Error ? `${error.name}: ${error.message}` : error}`;
});
