// SPDX-License-Identifier: MIT
// A grid of test images drawn in the terminal with predicted and true labels (article 003
// shows the same grid with matplotlib). Each character averages a 2-wide, 4-tall block of
// pixels (terminal cells are about twice as tall as wide), ten grey levels, five images
// to a band so the grid fits 80 columns.
import type { Tensor } from '../core/tensor.js';
import { empty } from '../core/tensor.js';
import type { Dataset } from '../data/index.js';

const RAMP = ' .:-=+*#%@';
const PER_BAND = 5;
const BLOCK_W = 2;
const BLOCK_H = 4;

function argmax(scores: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (scores[row * classes + c] > scores[row * classes + best]) best = c;
  return best;
}

export function asciiGrid(data: Dataset, logits: Tensor, names: string[]): string {
  const [, h, w] = data.imageShape;
  const n = data.length;
  const images = empty([n, ...data.imageShape]);
  data.copyBatchInto(images, null, null, 0, n);
  const pixels = images.toArray();
  images.dispose();
  const scores = logits.toArray();
  const classes = scores.length / n;
  const cols = Math.ceil(w / BLOCK_W);
  const cell = (text: string) => text.slice(0, cols + 1).padEnd(cols + 2);
  const lines: string[] = [];
  for (let first = 0; first < n; first += PER_BAND) {
    const band = Array.from({ length: Math.min(PER_BAND, n - first) }, (_, k) => first + k);
    for (let y = 0; y < h; y += BLOCK_H) {
      let line = '';
      for (const i of band) {
        let row = '';
        for (let x = 0; x < w; x += BLOCK_W) {
          let sum = 0;
          let count = 0;
          for (let dy = 0; dy < BLOCK_H && y + dy < h; dy++) {
            for (let dx = 0; dx < BLOCK_W && x + dx < w; dx++, count++) sum += pixels[i * h * w + (y + dy) * w + x + dx];
          }
          row += RAMP[Math.min(RAMP.length - 1, Math.floor((sum / count) * RAMP.length))];
        }
        line += cell(row);
      }
      lines.push(line.trimEnd());
    }
    lines.push(band.map((i) => cell(`${argmax(scores, i, classes) === data.label(i) ? '✓' : '✗'} ${names[argmax(scores, i, classes)]}`)).join('').trimEnd());
    lines.push(band.map((i) => cell(`(${names[data.label(i)]})`)).join('').trimEnd());
    lines.push('');
  }
  return `predicted (true) for the first ${n} test images:\n${lines.join('\n')}`;
}
