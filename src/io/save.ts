// SPDX-License-Identifier: MIT
// Saving: toBytes() everywhere; save(path) in Node and Deno writes a temporary file beside
// the target and renames it over, so a crash mid-save never destroys the previous file.
import { ValueError } from '../core/errors.js';
import type { Model } from '../model/model.js';
import { FORMAT_VERSION, encodeModel, type ModelHeader } from './format.js';

/** The format 2 file of a model: its graph, parameters and saved state, and its compile settings. */
export function modelToBytes(model: Model): Uint8Array {
  const { plan, graph } = model;
  const header: ModelHeader = {
    format: 'simdcnn-model',
    version: FORMAT_VERSION,
    inputShape: [...model.inputShape],
    nodes: model.layers.map((layer, k) => ({ name: layer.name!, layer: layer.config(), inputs: [...graph.inputsOf[k]] })),
    params: plan.slots.map(({ node, spec }) => ({ node, name: spec.name, shape: [...spec.shape] })),
    state: plan.stateSlots.map(({ node, spec }) => ({ node, name: spec.name, shape: [...spec.shape] })),
    loss: model.lossName,
    optimizer: model.optimizer?.config() ?? null,
    batchSize: model.batchSize,
    clip: { norm: model.clipNorm, value: model.clipValue },
    seed: model.seed,
  };
  return encodeModel(header, [...plan.slotTensors, ...plan.stateTensors].map((t) => t.data));
}

/** Writes bytes to path atomically (temp file + rename). Node and Deno only. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new ValueError(`save: expected a file path, got ${JSON.stringify(path)}`);
  let fs: typeof import('node:fs/promises');
  let nodePath: typeof import('node:path');
  try {
    fs = await import('node:fs/promises');
    nodePath = await import('node:path');
  } catch {
    throw new ValueError('save(path) needs a file system (Node or Deno); in a browser use model.toBytes()');
  }
  await fs.mkdir(nodePath.dirname(path), { recursive: true });
  const tmp = `${path}.${Date.now().toString(36)}${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
