// SPDX-License-Identifier: MIT
// Merge layers, the two ways branches of a graph meet: Add (ResNet's f(x) + x) and Concat
// (Inception's branches stacked along channels). Backward needs no saved state: add hands
// δ to every input unchanged, concat hands each input its slice of δ — both accumulate, so
// a value read by several nodes simply receives the sum of their δ.
// See: torch.add, torch.cat.
import { ShapeError, fmtShape, ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { shapesEqual } from '../core/shape.js';
import { addBackwardInto, addInto } from '../ops/elementwise.js';
import { concatBackwardInto, concatInto, concatOutputShape } from '../ops/merge.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

/** y = x₁ + x₂ (+ …), inputs of one shape. */
export class Add extends Layer {
  readonly kind = 'add';
  readonly minInputs = 2;
  readonly maxInputs = Infinity;

  constructor(options?: LayerOptions) {
    checkOptions('add', options, ['name']);
    super(options?.name);
  }

  build(...inShapes: (readonly number[])[]): Built {
    const [first] = inShapes;
    inShapes.forEach((s, i) => {
      if (!shapesEqual(s, first)) {
        throw new ShapeError(`add: expected every input of shape ${fmtShape(first)} (as input 0), got ${fmtShape(s)} at input ${i}`);
      }
    });
    this.inShape = [...first];
    this.outShape = [...first];
    return { outShape: this.outShape, params: [] };
  }

  forward({ y, xs }: LayerIO): void {
    addInto(y, xs[0], xs[1]);
    for (let i = 2; i < xs.length; i++) addInto(y, y, xs[i]);
  }

  backward({ dxs, dy }: LayerIO): void {
    addBackwardInto(dxs[0], dxs[1], dy!);
    for (let i = 2; i < dxs.length; i++) addBackwardInto(dxs[i], null, dy!);
  }

  config(): LayerConfig {
    return { kind: this.kind };
  }
}

export interface ConcatLayerOptions extends LayerOptions {
  /** The axis of the batched tensor [N, C, H, W] to join along: 1 (channels, default) or higher; negative counts from the end. */
  axis?: number;
}

/** Inputs joined along an axis (channels by default); every other dimension must agree. */
export class Concat extends Layer {
  readonly kind = 'concat';
  readonly minInputs = 1;
  readonly maxInputs = Infinity;
  readonly axis: number;
  /** The ops' options, made once: forward's, and backward's with each input's extent along the axis (needed when several inputs take no δ). */
  private forwardOpts = { axis: 1 };
  private backwardOpts = { axis: 1, sizes: [] as number[] };

  constructor(options: ConcatLayerOptions = {}) {
    checkOptions('concat', options, ['name', 'axis']);
    super(options.name);
    const { axis = 1 } = options;
    if (!Number.isInteger(axis) || axis === 0) {
      throw new ValueError(`concat: expected axis a non-zero integer (1 = channels; the batch axis 0 cannot be joined), got ${JSON.stringify(axis)}`);
    }
    this.axis = axis;
  }

  build(...inShapes: (readonly number[])[]): Built {
    const rank = inShapes[0].length + 1;
    if (this.axis >= rank || this.axis < -(rank - 1)) {
      throw new ValueError(`concat: expected axis in 1…${rank - 1} or −${rank - 1}…−1 for inputs of rank ${rank} (with the batch), got ${this.axis}`);
    }
    const out = concatOutputShape(inShapes.map((s) => [1, ...s]), { axis: this.axis });
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    this.forwardOpts = { axis: this.axis };
    this.backwardOpts = { axis: this.axis, sizes: inShapes.map((s) => s[a - 1]) };
    this.inShape = [...inShapes[0]];
    this.outShape = out.slice(1);
    return { outShape: this.outShape, params: [] };
  }

  forward({ y, xs }: LayerIO): void {
    concatInto(y, xs, this.forwardOpts);
  }

  backward({ dxs, dy }: LayerIO): void {
    concatBackwardInto(dxs, dy!, this.backwardOpts);
  }

  config(): LayerConfig {
    return { kind: this.kind, axis: this.axis };
  }
}
