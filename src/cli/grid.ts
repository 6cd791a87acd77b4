// SPDX-License-Identifier: MIT
// A grid of test images drawn in the terminal with predicted and true labels (article 003
// shows the same grid with matplotlib). Two pixel rows per text row, ten grey levels.
import type { Tensor } from '../core/tensor.js';
import type { Dataset } from '../data/index.js';
import { empty } from '../core/tensor.js';

const RAMP = ' .:-=+*#%@';

export function asciiGrid(data: Dataset, logits: Tensor, names: string[]): string {
  const [, h, w] = data.imageShape;
  const n = data.length;
  const images = empty([n, ...data.imageShape]);
  data.copyBatchInto(images, null, null, 0, n);
  const pixels = images.toArray();
  images.dispose();
  const scores = logits.toArray();
  const classes = scores.length / n;
  const lines: string[] = [];
  for (let row = 0; row < h; row += 2) {
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      let s = '';
      for (let col = 0; col < w; col++) {
        const v = (pixels[i * h * w + row * w + col] + pixels[i * h * w + Math.min(row + 1, h - 1) * w + col]) / 2;
        s += RAMP[Math.min(RAMP.length - 1, Math.max(0, Math.floor(v * RAMP.length)))];
      }
      parts.push(s);
    }
    lines.push(parts.join('  '));
  }
  const label = (i: number) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
    const truth = data.label(i);
    const mark = best === truth ? '✓' : '✗';
    return `${mark} ${names[best] ?? best}`.slice(0, w).padEnd(w) + '  ';
  };
  const truth = (i: number) => `(${names[data.label(i)] ?? data.label(i)})`.slice(0, w).padEnd(w) + '  ';
  lines.push(Array.from({ length: n }, (_, i) => label(i)).join('').trimEnd());
  lines.push(Array.from({ length: n }, (_, i) => truth(i)).join('').trimEnd());
  return `predicted (true) for the first ${n} test images:\n${lines.join('\n')}`;
}
