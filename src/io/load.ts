// SPDX-License-Identifier: MIT
// loadModel(): bytes or a path (Node/Deno) or a URL (fetch) → a Model with the saved graph,
// weights, saved state and (if saved) optimiser and loss, ready to predict or fine-tune.
// The whole file is checked before any wasm memory is allocated — the container and its
// lengths (format.ts), then the graph: every layer config, every node's inputs, the shapes
// they infer, and the parameters and state they need against what the file holds. Only
// then is the model allocated (parameters and saved state; training memory is planned at
// the first fit), and if anything fails after that, everything is freed again.
import { FormatError, SimdCnnError, ValueError, fmtShape } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { checkLayerName, fromConfig, type Layer } from '../layers/index.js';
import { losses, type LossName } from '../losses/index.js';
import { graphOf, input, type Graph, type SymbolicTensor } from '../model/graph.js';
import { Model } from '../model/model.js';
import { fromConfig as optimizerFromConfig, type Optimizer } from '../optim/index.js';
import { decodeModel, readF32, type ModelHeader, type StoredTensor } from './format.js';

/** Rebuilds the graph a header describes and checks it against the header; allocates no wasm memory. */
function rebuild(header: ModelHeader): { graph: Graph; optimizer: Optimizer | null } {
  const x = input(header.inputShape);
  const values: SymbolicTensor[] = [x];
  const layers: Layer[] = header.nodes.map((node, k) => {
    const layer = fromConfig(node.layer);
    if (node.name !== undefined) {
      checkLayerName(node.name);
      layer.name = node.name;
    }
    const out = layer.apply(node.inputs.map((v) => values[v]));
    if (out.node?.layer !== layer) throw new FormatError(`node ${k} (${node.layer.kind}): expected no activation option in a saved layer config`);
    values.push(out);
    return layer;
  });
  const graph = graphOf(x, values[values.length - 1]);
  if (graph.nodes.length !== layers.length || graph.nodes.some((n, k) => n.layer !== layers[k])) {
    throw new FormatError(`expected ${layers.length} nodes that all lead to the output, in depth-first order; got a graph of ${graph.nodes.length}`);
  }
  const expect = (list: StoredTensor[], what: string, specs: (k: number) => { name: string; shape: number[] }[]) => {
    const want = layers.flatMap((_, k) => specs(k).map((s) => ({ node: k, name: s.name, shape: s.shape })));
    if (want.length !== list.length) throw new FormatError(`expected ${want.length} ${what} tensors for its layers, got ${list.length}`);
    want.forEach((w, i) => {
      const got = list[i];
      if (got.node !== w.node || got.name !== w.name || !shapesEqual(got.shape, w.shape)) {
        throw new FormatError(`${what} ${i}: expected ${w.name} ${fmtShape(w.shape)} of node ${w.node}, got ${got.name} ${fmtShape(got.shape)} of node ${got.node}`);
      }
    });
  };
  expect(header.params, 'parameter', (k) => layers[k].built!.params);
  expect(header.state, 'saved-state', (k) => layers[k].built!.state ?? []);
  if (header.loss !== null && !Object.hasOwn(losses, header.loss)) {
    throw new FormatError(`expected loss ${Object.keys(losses).join(' or ')}, got ${JSON.stringify(header.loss)}`);
  }
  const optimizer = header.optimizer ? optimizerFromConfig(header.optimizer) : null;
  return { graph, optimizer };
}

/** Rebuilds a model from the bytes of model.toBytes() / model.save() (format 2, or 1). */
export function modelFromBytes(bytes: Uint8Array | ArrayBuffer): Model {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const { header, blobOffset } = decodeModel(data);
  let graph: Graph;
  let optimizer: Optimizer | null;
  try {
    ({ graph, optimizer } = rebuild(header));
  } catch (e) {
    // Whatever a malformed header provokes is reported as a malformed file.
    if (e instanceof FormatError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new FormatError(`model file: ${e instanceof SimdCnnError ? '' : 'invalid header: '}${message}`);
  }
  const model = new Model(graph, { seed: header.seed, initialize: false });
  try {
    let at = blobOffset;
    for (const t of [...model.plan.slotTensors, ...model.plan.stateTensors]) {
      readF32(data, at, t.data);
      at += t.size * 4;
    }
    if (optimizer && header.loss) model.restoreCompiled(optimizer, header.loss as LossName, header.batchSize, header.clip ?? { norm: null, value: null });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * Loads a saved model from bytes, a file path (Node, Deno) or a URL (fetch).
 * @example const model = await cnn.loadModel('models/lenet5.simdcnn');
 */
export async function loadModel(source: string | URL | Uint8Array | ArrayBuffer): Promise<Model> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return modelFromBytes(source);
  if (source instanceof URL || (typeof source === 'string' && /^(https?|blob|data):/.test(source))) {
    const response = await fetch(source);
    if (!response.ok) throw new ValueError(`loadModel: expected HTTP 200 from ${source}, got ${response.status}`);
    return modelFromBytes(new Uint8Array(await response.arrayBuffer()));
  }
  if (typeof source !== 'string') throw new ValueError(`loadModel: expected bytes, a path or a URL, got ${typeof source}`);
  const fs = await import('node:fs/promises');
  return modelFromBytes(new Uint8Array(await fs.readFile(source)));
}
