// SPDX-License-Identifier: MIT
// Training progress for the CLI: on a terminal, a live bar with the epoch's running loss,
// accuracy and images/s; on a pipe or in CI, the averages every 100 batches (article 003's
// loop). Then one line per epoch with the test accuracy.
import type { BatchInfo, EpochInfo } from '../model/train.js';

const WIDTH = 24;

export class ProgressBar {
  private readonly tty = Boolean(process.stdout.isTTY);
  private lossSum = 0;
  private accuracySum = 0;
  private count = 0;

  batch(info: BatchInfo, epochs: number): void {
    this.lossSum += info.loss;
    this.accuracySum += info.accuracy;
    this.count += 1;
    const head = `epoch ${info.epoch + 1}/${epochs}`;
    const rate = `${Math.round(info.imagesPerSecond).toLocaleString('en')} img/s`;
    if (this.tty) {
      const done = (info.batch + 1) / info.batches;
      const filled = Math.round(done * WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
      const loss = (this.lossSum / this.count).toFixed(4);
      const accuracy = ((this.accuracySum / this.count) * 100).toFixed(1);
      const line = `${head} ${bar} ${String(Math.round(done * 100)).padStart(3)}%  loss ${loss}  acc ${accuracy}%  ${rate}`;
      process.stdout.write(`\r${line}`);
    } else if ((info.batch + 1) % 100 === 0 || info.batch + 1 === info.batches) {
      const loss = (this.lossSum / this.count).toFixed(4);
      const accuracy = ((this.accuracySum / this.count) * 100).toFixed(1);
      console.log(`${head} batch ${info.batch + 1}/${info.batches}  avg loss ${loss}  acc ${accuracy}%  ${rate}`);
      this.reset();
    }
  }

  private reset(): void {
    this.lossSum = 0;
    this.accuracySum = 0;
    this.count = 0;
  }

  epoch(info: EpochInfo, epochs: number): void {
    if (this.tty) process.stdout.write('\n');
    this.reset();
    const val = info.valAccuracy === undefined ? '' : `  test loss ${info.valLoss!.toFixed(4)}  test accuracy ${(info.valAccuracy * 100).toFixed(2)}%`;
    console.log(`epoch ${info.epoch + 1}/${epochs}: train loss ${info.loss.toFixed(4)}  train acc ${(info.accuracy * 100).toFixed(2)}%${val}  (${info.seconds.toFixed(1)} s)`);
  }
}
