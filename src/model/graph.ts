// SPDX-License-Identifier: MIT
// The functional graph API (Keras's): `input(shape)` makes a symbolic tensor, and
// `layer.apply(x)` records a node and returns the node's output, its shape inferred at
// once. `graphOf(input, output)` then walks back from the output and lays the graph out as
// the table the plan and the training loop use:
//
//   values  0 = the model input, k + 1 = the output of node k (node order is topological)
//   nodes   layer + the value indices it reads (one or more) + the one value it writes
//
// A layer object is one node. Applying it a second time throws: weights are never shared
// between nodes (a layer holds the shapes it was built for, and a second node would need
// the same parameters with its own buffers — not supported; make a second layer).
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import type { Layer } from '../layers/layer.js';

/** A symbolic tensor: the shape of one sample (no batch dimension) and the node that makes it. */
export class SymbolicTensor {
  constructor(
    /** Shape without the batch dimension, e.g. [16, 14, 14]. */
    readonly shape: readonly number[],
    /** The node whose output this is; null for a model input. */
    readonly node: GraphNode | null,
  ) {}
}

/** One application of a layer: what it reads and what it writes. */
export interface GraphNode {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  readonly output: SymbolicTensor;
}

/** Throws unless shape is a non-empty array of positive integers. */
export function checkSampleShape(what: string, shape: unknown): asserts shape is number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0 && d <= 0x7fffffff)) {
    throw new ShapeError(`${what}: expected a shape of positive integers like [1, 28, 28], got ${JSON.stringify(shape)}`);
  }
}

/**
 * A model input: the shape of one sample, without the batch dimension (C, H, W for images).
 * @example const x = cnn.input([3, 32, 32]);
 * See: tf.input, keras.Input
 */
export function input(shape: readonly number[]): SymbolicTensor {
  checkSampleShape('input', shape);
  return new SymbolicTensor(Object.freeze([...shape]), null);
}

/** Records `layer` applied to `inputs` (see Layer.apply); returns its output (after a desugared activation, if any). */
export function applyLayer(layer: Layer, inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor {
  const xs = Array.isArray(inputs) ? [...inputs] : [inputs];
  const what = layer.label();
  xs.forEach((x, i) => {
    if (!(x instanceof SymbolicTensor)) {
      throw new ValueError(`${what}.apply: expected symbolic tensors (from cnn.input() or another layer's apply), got ${describe(x)} at input ${i}`);
    }
  });
  if (layer.node !== null) {
    throw new ValueError(`${what}.apply: this layer object is already a node of a graph; a layer is applied once (weights are not shared between nodes): make another layer`);
  }
  const { minInputs, maxInputs } = layer;
  if (xs.length < minInputs || xs.length > maxInputs) {
    const want = minInputs === maxInputs ? `${minInputs}` : maxInputs === Infinity ? `at least ${minInputs}` : `${minInputs} to ${maxInputs}`;
    throw new ValueError(`${what}.apply: expected ${want} input${want === '1' ? '' : 's'}, got ${xs.length}`);
  }
  let built;
  try {
    built = layer.build(...xs.map((x) => x.shape));
  } catch (e) {
    if (e instanceof Error) e.message = `${what} (input ${xs.map((x) => fmtShape(x.shape)).join(', ')}): ${e.message}`;
    throw e;
  }
  checkSampleShape(`${what} output`, built.outShape);
  const node: GraphNode = { layer, inputs: xs, output: new SymbolicTensor(Object.freeze([...built.outShape]), null) };
  (node.output as { node: GraphNode | null }).node = node;
  layer.node = node;
  layer.built = built;
  const activation = layer.activationLayer();
  return activation ? applyLayer(activation, node.output) : node.output;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? (x.constructor?.name ?? 'an object') : typeof x;
}

/** The graph between one input and one output, in the table form described at the top. */
export interface Graph {
  readonly input: SymbolicTensor;
  readonly output: SymbolicTensor;
  /** Nodes in topological order. */
  readonly nodes: readonly GraphNode[];
  /** Value k is values[k]: 0 the input, k + 1 the output of node k. */
  readonly values: readonly SymbolicTensor[];
  /** For node k, the value indices it reads. */
  readonly inputsOf: readonly (readonly number[])[];
  /** For value v, the nodes that read it (in order). */
  readonly consumersOf: readonly (readonly number[])[];
}

/**
 * Topologically sorts every node between `input` and `output` (depth first from the
 * output); nodes that do not lead to the output are left out, as in Keras.
 */
export function graphOf(input: SymbolicTensor, output: SymbolicTensor): Graph {
  if (!(input instanceof SymbolicTensor) || input.node !== null) {
    throw new ValueError(`model: expected inputs from cnn.input(), got ${describe(input)}`);
  }
  if (!(output instanceof SymbolicTensor)) throw new ValueError(`model: expected outputs from a layer's apply(), got ${describe(output)}`);
  const nodes: GraphNode[] = [];
  const state = new Map<GraphNode, 'visiting' | 'done'>();
  // Iterative depth-first post-order, so deep networks do not exhaust the call stack.
  const stack: { value: SymbolicTensor; next: number }[] = [{ value: output, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const node = top.value.node;
    if (node === null) {
      if (top.value !== input) {
        throw new ValueError(`model: the outputs depend on an input ${fmtShape(top.value.shape)} that is not the model's input`);
      }
      stack.pop();
      continue;
    }
    if (top.next === 0) {
      if (state.get(node) === 'done') {
        stack.pop();
        continue;
      }
      state.set(node, 'visiting');
    }
    if (top.next < node.inputs.length) {
      stack.push({ value: node.inputs[top.next++], next: 0 });
      continue;
    }
    stack.pop();
    state.set(node, 'done');
    nodes.push(node);
  }
  const index = new Map<SymbolicTensor, number>([[input, 0]]);
  nodes.forEach((node, k) => index.set(node.output, k + 1));
  const inputsOf = nodes.map((node) => node.inputs.map((x) => index.get(x)!));
  const consumersOf: number[][] = [[], ...nodes.map(() => [])];
  inputsOf.forEach((ins, k) => ins.forEach((v) => consumersOf[v].push(k)));
  return { input, output, nodes, values: [input, ...nodes.map((n) => n.output)], inputsOf, consumersOf };
}
