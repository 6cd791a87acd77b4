// SPDX-License-Identifier: MIT
// Softmax cross-entropy on logits with integer labels (torch.nn.functional.cross_entropy,
// reduction 'mean'): the mean loss and the first δ, dlogits = (softmax − onehot)/N, in one
// kernel call (assembly/softmax.ts cross_entropy_forward_backward).
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { heapI32 } from '../core/memory.js';
import { shapesEqual } from '../core/shape.js';
import { empty, type Tensor } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { expectLogitsLabels } from '../ops/softmax.js';

/**
 * Mean cross-entropy of softmax(logits) against int32 labels, and its gradient.
 * @example const { loss, dlogits } = cnn.ops.softmaxCrossEntropy(logits, labels);
 * See: torch.nn.functional.cross_entropy
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor<'int32'>): { loss: number; dlogits: Tensor } {
  const dlogits = empty(logits.shape);
  try {
    return { loss: softmaxCrossEntropyInto(dlogits, logits, labels), dlogits };
  } catch (e) {
    dlogits.dispose();
    throw e;
  }
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
  const base = labels.ptr >> 2;
  for (let i = 0; i < n; i++) {
    const label = heap[base + i];
    if (label < 0 || label >= c) {
      throw new ValueError(`${what}: expected labels in [0, ${c}) (C = ${c} classes), got ${label} at index ${i}`);
    }
  }
  return kernels().cross_entropy_forward_backward(dlogits.ptr, logits.ptr, labels.ptr, n, c);
}
