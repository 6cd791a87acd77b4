// SPDX-License-Identifier: MIT
// A labelled image set kept compact in JS memory (bytes stay bytes: 47 MB for Fashion-MNIST
// instead of 188 MB as f32) and copied batch by batch into the planned input tensor in wasm
// memory. copyBatchInto runs every training step, so it allocates nothing: plain index loops
// over the cached heap views of src/core/memory.ts.
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { heapF32, heapI32, index32 } from '../core/memory.js';
import type { DType, Tensor } from '../core/tensor.js';
import { sizeOf } from '../core/shape.js';

/** Byte value v → v / 255 as f32, exactly as torchvision's ToTensor (x.float().div(255)). */
const BYTE_TO_UNIT = new Float32Array(256);
for (let v = 0; v < 256; v++) BYTE_TO_UNIT[v] = v / 255;

function checkIndex(what: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new ValueError(`${what}: expected an integer in [${lo}, ${hi}], got ${v}`);
}

/**
 * Images [N, C, H, W] with integer class labels. Uint8 pixels are scaled by 1/255 when
 * copied into wasm memory; Float32 pixels are copied as they are.
 * @example const d = cnn.data.Dataset.fromArrays(pixels, labels, [1, 28, 28]);
 * See: torch.utils.data.TensorDataset
 */
export class Dataset {
  /** Number of items. */
  readonly length: number;
  /** Shape of one image, [C, H, W]. */
  readonly imageShape: readonly number[];
  /** Number of classes: the largest label + 1, or the count given. */
  readonly numClasses: number;
  private readonly imageSize: number;
  /** Pixels are bytes (scaled by 1/255 on copy); decided once, not by instanceof per call. */
  private readonly bytes: boolean;

  private constructor(
    private readonly images: Float32Array | Uint8Array,
    private readonly labels: Int32Array,
    /** Index of this view's first item in `images` / `labels`. */
    private readonly first: number,
    length: number,
    imageShape: readonly number[],
    numClasses: number,
  ) {
    this.length = length;
    this.imageShape = imageShape;
    this.numClasses = numClasses;
    this.imageSize = sizeOf(imageShape);
    this.bytes = images instanceof Uint8Array;
  }

  /**
   * Wraps images ([N·C·H·W] values, kept without copying; float pixels must be finite) and labels (copied to int32).
   * @example const d = cnn.data.Dataset.fromArrays(new Float32Array(2 * 784), [3, 7], [1, 28, 28], 10);
   * See: torch.utils.data.TensorDataset
   */
  static fromArrays(
    images: Float32Array | Uint8Array,
    labels: ArrayLike<number>,
    imageShape: readonly number[],
    numClasses?: number,
  ): Dataset {
    if (!(images instanceof Float32Array) && !(images instanceof Uint8Array)) {
      throw new DTypeError(`Dataset.fromArrays: expected images as Float32Array or Uint8Array, got ${Object.prototype.toString.call(images)}`);
    }
    if (imageShape.length !== 3 || !imageShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ShapeError(`Dataset.fromArrays: expected imageShape [C, H, W] of positive integers, got ${fmtShape(imageShape)}`);
    }
    const n = labels.length;
    const want = n * sizeOf(imageShape);
    if (images.length !== want) {
      throw new ShapeError(`Dataset.fromArrays: expected ${want} image values for ${n} labels × ${fmtShape(imageShape)}, got ${images.length}`);
    }
    const copy = new Int32Array(n);
    let max = -1;
    for (let i = 0; i < n; i++) {
      const l = labels[i];
      if (!Number.isInteger(l) || l < 0) throw new ValueError(`Dataset.fromArrays: expected labels to be integers ≥ 0, got ${l} at index ${i}`);
      copy[i] = l;
      if (l > max) max = l;
    }
    if (images instanceof Float32Array) {
      for (let i = 0; i < images.length; i++) {
        if (!Number.isFinite(images[i])) {
          const sample = Math.floor(i / sizeOf(imageShape));
          throw new ValueError(`Dataset.fromArrays: expected finite pixel values, got ${images[i]} at index ${i} (sample ${sample})`);
        }
      }
    }
    const classes = numClasses ?? max + 1;
    if (!Number.isInteger(classes) || classes < max + 1 || classes < 1) {
      throw new ValueError(`Dataset.fromArrays: expected numClasses ≥ ${Math.max(1, max + 1)} (largest label + 1), got ${numClasses}`);
    }
    return new Dataset(images, copy, 0, n, Object.freeze([...imageShape]), classes);
  }

  /**
   * Per-channel mean and (population) standard deviation of the pixels as they are copied
   * into the model (bytes already scaled to [0, 1]), in float64: what layers.normalize() takes.
   * @example const { mean, std } = train.stats(); // Fashion-MNIST: mean ≈ [0.286], std ≈ [0.353]
   * See: torchvision.transforms.Normalize (the statistics it is given)
   */
  stats(): { mean: number[]; std: number[] } {
    const [c] = this.imageShape;
    const plane = this.imageSize / c;
    const scale = this.bytes ? 1 / 255 : 1;
    const mean: number[] = [];
    const std: number[] = [];
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < this.length; i++) {
        const from = (this.first + i) * this.imageSize + ch * plane;
        for (let j = from; j < from + plane; j++) {
          const v = this.images[j] * scale;
          sum += v;
          squares += v * v;
        }
      }
      const count = this.length * plane;
      mean.push(sum / count);
      std.push(Math.sqrt(Math.max(0, squares / count - (sum / count) ** 2)));
    }
    return { mean, std };
  }

  /**
   * Items [start, end) as a view over the same storage (no copy).
   * @example const val = train.slice(9000, 10000);
   * See: torch.utils.data.Subset
   */
  slice(start: number, end: number): Dataset {
    checkIndex('Dataset.slice start', start, 0, this.length);
    checkIndex('Dataset.slice end', end, start, this.length);
    return new Dataset(this.images, this.labels, this.first + start, end - start, this.imageShape, this.numClasses);
  }

  /**
   * The label of item i.
   * @example const y = test.label(0);
   * See: torchvision.datasets.MNIST.__getitem__
   */
  label(i: number): number {
    checkIndex('Dataset.label index', i, 0, this.length - 1);
    return this.labels[this.first + i];
  }

  /**
   * Copies items order[start..start+count) (or start..start+count when order is null) into
   * rows 0..count-1 of `x` (float32 [≥count, C, H, W], or [≥count, C·H·W] for a flat input)
   * and their labels into `labels` (int32, ≥ count elements) if given. Allocates nothing.
   * @example train.copyBatchInto(xBatch, yBatch, perm, step * 64, 64);
   * See: torch.utils.data.DataLoader
   */
  copyBatchInto(x: Tensor, labels: Tensor<'int32'> | null, order: Uint32Array | null, start: number, count: number): void {
    this.checkBatch(x, labels, order, start, count);
    const f32 = heapF32();
    const size = this.imageSize;
    const images = this.images;
    const dst = index32(x.ptr);
    if (this.bytes) {
      for (let r = 0; r < count; r++) {
        const src = (this.first + (order === null ? start + r : order[start + r])) * size;
        const to = dst + r * size;
        for (let j = 0; j < size; j++) f32[to + j] = BYTE_TO_UNIT[images[src + j]];
      }
    } else {
      for (let r = 0; r < count; r++) {
        const src = (this.first + (order === null ? start + r : order[start + r])) * size;
        const to = dst + r * size;
        for (let j = 0; j < size; j++) f32[to + j] = images[src + j];
      }
    }
    if (labels !== null) {
      const i32 = heapI32();
      const out = index32(labels.ptr);
      for (let r = 0; r < count; r++) {
        const item = order === null ? start + r : order[start + r];
        i32[out + r] = this.labels[this.first + item];
      }
    }
  }

  /** Validation for copyBatchInto; builds strings only on the error path. */
  private checkBatch(x: Tensor, labels: Tensor<'int32'> | null, order: Uint32Array | null, start: number, count: number): void {
    const s = x.shape;
    const c = this.imageShape[0];
    const h = this.imageShape[1];
    const w = this.imageShape[2];
    if (!Number.isInteger(count) || count < 0) throw new ValueError(`Dataset.copyBatchInto: expected count to be an integer ≥ 0, got ${count}`);
    const limit = order === null ? this.length : order.length;
    if (!Number.isInteger(start) || start < 0 || start + count > limit) {
      const what = order === null ? `dataset length ${this.length}` : `order.length ${order.length}`;
      throw new ValueError(`Dataset.copyBatchInto: expected start ≥ 0 and start + count ≤ ${what}, got start ${start}, count ${count}`);
    }
    if (order !== null) {
      for (let r = start; r < start + count; r++) {
        if (order[r] >= this.length) {
          throw new ValueError(`Dataset.copyBatchInto: expected order[${r}] < ${this.length} (dataset length), got ${order[r]}`);
        }
      }
    }
    x.check();
    if ((x.dtype as DType) !== 'float32') throw new DTypeError(`Dataset.copyBatchInto x: expected dtype float32, got ${x.dtype}`);
    const nchw = s.length === 4 && s[1] === c && s[2] === h && s[3] === w;
    const flat = s.length === 2 && s[1] === this.imageSize;
    if (!(nchw || flat) || s[0] < count) {
      throw new ShapeError(
        `Dataset.copyBatchInto: expected x of shape [≥${count}, ${c}, ${h}, ${w}] or [≥${count}, ${this.imageSize}], got ${fmtShape(s)}`,
      );
    }
    if (labels !== null) {
      labels.check();
      if ((labels.dtype as DType) !== 'int32') throw new DTypeError(`Dataset.copyBatchInto labels: expected dtype int32, got ${labels.dtype}`);
      if (labels.size < count) {
        throw new ShapeError(`Dataset.copyBatchInto: expected labels with ≥ ${count} elements, got ${fmtShape(labels.shape)}`);
      }
    }
  }
}
