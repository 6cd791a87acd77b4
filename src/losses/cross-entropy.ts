// SPDX-License-Identifier: MIT
// Softmax cross-entropy on logits with integer labels (torch.nn.functional.cross_entropy,
// reduction 'mean'): the mean loss and the first δ, dlogits = (softmax − onehot)/N, in one
// kernel call (assembly/softmax.ts cross_entropy_forward_backward).
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { heapI32, index32 } from '../core/memory.js';
import { shapesEqual } from '../core/shape.js';
import { empty, type DType, type Tensor, scope } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';

/** Checks logits [N, C] float32 and labels [N] int32 (shared with countCorrect; not re-exported by losses/index). */
export function expectLogitsLabels(what: string, logits: Tensor<DType>, labels: Tensor<DType>): void {
  if (logits.shape.length !== 2) throw new ShapeError(`${what}: expected logits of rank 2 [N, C], got shape ${fmtShape(logits.shape)}`);
  if (logits.dtype !== 'float32') throw new DTypeError(`${what}: expected logits of dtype float32, got ${logits.dtype}`);
  if (labels.dtype !== 'int32') throw new DTypeError(`${what}: expected labels of dtype int32 (class indices), got ${labels.dtype}`);
  if (labels.shape.length !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`${what}: expected labels of shape [${logits.shape[0]}] (one per logits row), got ${fmtShape(labels.shape)}`);
  }
}

/**
 * Mean cross-entropy of softmax(logits) against int32 labels, and its gradient.
 * @example const { loss, dlogits } = cnn.ops.softmaxCrossEntropy(logits, labels);
 * See: torch.nn.functional.cross_entropy
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor<'int32'>): { loss: number; dlogits: Tensor } {
  return scope(() => {
    const dlogits = empty(logits.shape);
    return { loss: softmaxCrossEntropyInto(dlogits, logits, labels), dlogits };
  });
}

/**
 * Returns the mean loss and OVERWRITES dlogits [N, C] with (softmax − onehot)/N.
 * Labels must lie in [0, C) (ValueError naming the first bad one).
 * @example const loss = cnn.ops.softmaxCrossEntropyInto(dlogits, logits, labels);
 * See: torch.nn.functional.cross_entropy
 */
export function softmaxCrossEntropyInto(dlogits: Tensor, logits: Tensor, labels: Tensor<'int32'>): number {
  const what = 'softmaxCrossEntropy';
  expectLogitsLabels(what, logits, labels);
  if (!shapesEqual(dlogits.shape, logits.shape) || dlogits.dtype !== 'float32') {
    throw new ShapeError(`${what}: expected dlogits float32 of shape ${fmtShape(logits.shape)}, got ${dlogits.dtype} ${fmtShape(dlogits.shape)}`);
  }
  const [n, c] = logits.shape;
  if (n < 1 || c < 1) throw new ShapeError(`${what}: expected logits with N ≥ 1 rows and C ≥ 1 classes, got ${fmtShape(logits.shape)}`);
  const heap = heapI32();
  const base = index32(labels.ptr);
  for (let i = 0; i < n; i++) {
    const label = heap[base + i];
    if (label < 0 || label >= c) {
      throw new ValueError(`${what}: expected labels in [0, ${c}) (C = ${c} classes), got ${label} at index ${i}`);
    }
  }
  return kernels().cross_entropy_forward_backward(dlogits.ptr, logits.ptr, labels.ptr, n, c);
}
