// SPDX-License-Identifier: MIT
// Training progress for the CLI: a live bar on a terminal; on a pipe or in CI, the average
// loss every 100 batches (article 003's loop) and one line per epoch.
import type { BatchInfo, EpochInfo } from '../model/train.js';

const WIDTH = 24;

export class ProgressBar {
  private readonly tty = Boolean(process.stdout.isTTY);
  private lossSum = 0;
  private count = 0;

  batch(info: BatchInfo, epochs: number): void {
    this.lossSum += info.loss;
    this.count += 1;
    const head = `epoch ${info.epoch + 1}/${epochs}`;
    const rate = `${Math.round(info.imagesPerSecond).toLocaleString('en')} img/s`;
    if (this.tty) {
      const done = (info.batch + 1) / info.batches;
      const filled = Math.round(done * WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
      const line = `${head} ${bar} ${String(Math.round(done * 100)).padStart(3)}%  loss ${info.loss.toFixed(4)}  acc ${(info.accuracy * 100).toFixed(1)}%  ${rate}`;
      process.stdout.write(`\r${line}`);
    } else if ((info.batch + 1) % 100 === 0 || info.batch + 1 === info.batches) {
      const avg = this.lossSum / this.count;
      console.log(`${head} batch ${info.batch + 1}/${info.batches}  avg loss ${avg.toFixed(4)}  ${rate}`);
      this.lossSum = 0;
      this.count = 0;
    }
  }

  epoch(info: EpochInfo, epochs: number): void {
    if (this.tty) process.stdout.write('\n');
    this.lossSum = 0;
    this.count = 0;
    const val = info.valAccuracy === undefined ? '' : `  test loss ${info.valLoss!.toFixed(4)}  test accuracy ${(info.valAccuracy * 100).toFixed(2)}%`;
    console.log(`epoch ${info.epoch + 1}/${epochs}: train loss ${info.loss.toFixed(4)}  train acc ${(info.accuracy * 100).toFixed(2)}%${val}  (${info.seconds.toFixed(1)} s)`);
  }
}
