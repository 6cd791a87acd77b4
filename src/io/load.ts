// SPDX-License-Identifier: MIT
// loadModel(): bytes or a path (Node/Deno) or a URL (fetch) → a Model with the saved
// layers, weights and (if saved) optimiser and loss, ready to predict or fine-tune.
import { FormatError, ValueError, fmtShape } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { fromConfig } from '../layers/index.js';
import { Model } from '../model/model.js';
import { fromConfig as optimizerFromConfig } from '../optim/index.js';
import type { LossName } from '../losses/index.js';
import { decodeModel } from './format.js';

/** Rebuilds a model from the bytes of model.toBytes() / model.save(). */
export function modelFromBytes(bytes: Uint8Array | ArrayBuffer): Model {
  const { header, values } = decodeModel(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const model = new Model(header.layers.map(fromConfig), header.inputShape);
  const weights = model.getWeights();
  if (weights.length !== header.params.length) {
    throw new FormatError(`model file: expected ${weights.length} parameter tensors for its layers, got ${header.params.length}`);
  }
  const arena = model.plan.paramArena.data;
  header.params.forEach((p, i) => {
    if (!shapesEqual(p.shape, weights[i].shape)) {
      throw new FormatError(`model file: parameter ${i} (${p.name} of layer ${p.layer}): expected ${fmtShape(weights[i].shape)}, got ${fmtShape(p.shape)}`);
    }
    arena.set(values[i], model.plan.slots[i].offset);
  });
  if (header.optimizer && header.loss) {
    model.compile({ optimizer: optimizerFromConfig(header.optimizer), loss: header.loss as LossName, batchSize: header.batchSize });
  }
  return model;
}

/**
 * Loads a saved model from bytes, a file path (Node, Deno) or a URL (fetch).
 * @example const model = await cnn.loadModel('models/lenet5.simdcnn');
 */
export async function loadModel(source: string | URL | Uint8Array | ArrayBuffer): Promise<Model> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return modelFromBytes(source);
  if (source instanceof URL || /^(https?|blob|data):/.test(source)) {
    const response = await fetch(source);
    if (!response.ok) throw new ValueError(`loadModel: expected HTTP 200 from ${source}, got ${response.status}`);
    return modelFromBytes(new Uint8Array(await response.arrayBuffer()));
  }
  if (typeof source !== 'string') throw new ValueError(`loadModel: expected bytes, a path or a URL, got ${typeof source}`);
  const fs = await import('node:fs/promises');
  return modelFromBytes(new Uint8Array(await fs.readFile(source)));
}
