// SPDX-License-Identifier: MIT
// The layout of a batch arena, the liveness packing behind it, and the values that share memory.
//
// Buffers whose lifetimes do not overlap share memory. Each buffer is live over an
// inclusive range of steps [first, last]; pack() gives every buffer an offset so that two
// buffers live at the same step never overlap in memory. It is the greedy-by-size placement
// of TFLite's arena planner: largest first, each at the lowest offset that clears every
// already placed buffer live at the same time. A chain of layers then ping-pongs between
// about two buffers of the largest activation instead of one buffer per layer.
//
// Values that share memory are one buffer: flatten's output is its input (activation and δ).
// Fusion: a conv1d or conv2d (fusesRelu) whose output's only reader is a ReLU writes
// relu(conv + b) in its own pass into memory the ReLU's output shares; the ReLU's forward
// then does nothing and its backward is unchanged — it keeps its own δ, and dx = dy·[y > 0]
// reads the relu'd buffer, y > 0 ⟺ x > 0 — so results are the unfused graph's bit for bit.

import { sizeOf } from '../core/shape.js';
import type { DType } from '../core/tensor.js';
import { ReLU } from '../layers/activation.js';
import type { Layer } from '../layers/layer.js';
import type { Graph } from './graph.js';

export const ALIGN_FLOATS = 16; // 64 bytes

export const align = (floats: number) => Math.ceil(floats / ALIGN_FLOATS) * ALIGN_FLOATS;

export interface Lifetime {
  /** Floats (already rounded up to the alignment the caller wants). */
  size: number;
  /** First and last step (inclusive) at which the buffer is read or written. */
  first: number;
  last: number;
}

/** Offsets (floats) for every lifetime, and the total floats they span. Deterministic. */
export function pack(items: readonly Lifetime[]): { offsets: number[]; total: number } {
  const order = items.map((_, i) => i).sort((a, b) => items[b].size - items[a].size || items[a].first - items[b].first || a - b);
  const offsets = new Array<number>(items.length).fill(0);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const me = items[i];
    // Buffers live at the same time as this one, by offset.
    const busy = placed
      .filter((j) => items[j].first <= me.last && me.first <= items[j].last)
      .sort((a, b) => offsets[a] - offsets[b]);
    let at = 0;
    for (const j of busy) {
      if (at + me.size <= offsets[j]) break;
      at = Math.max(at, offsets[j] + items[j].size);
    }
    offsets[i] = at;
    placed.push(i);
    total = Math.max(total, at + me.size);
  }
  return { offsets, total };
}

/** For each value, the value whose activation and whose δ memory it uses; for each node, whether it is half of a fused conv + ReLU pair. */
export interface ValueSharing {
  aliasOf: number[];
  deltaAliasOf: number[];
  fusedRelu: boolean[];
}

/** The memory sharing of the header, with conv + ReLU pairs fused when `fuse`. */
export function valueSharing(layers: readonly Layer[], graph: Graph, fuse: boolean): ValueSharing {
  const aliasOf = [0];
  const deltaAliasOf = [0];
  const fusedRelu = layers.map(() => false);
  layers.forEach((layer, k) => {
    const v = graph.inputsOf[k][0];
    const j = v - 1; // the producer of v, when v is not the model input
    if (fuse && layer instanceof ReLU && j >= 0 && layers[j].fusesRelu && graph.consumersOf[v].length === 1) {
      fusedRelu[j] = fusedRelu[k] = true;
      aliasOf.push(aliasOf[v]);
      deltaAliasOf.push(k + 1);
      return;
    }
    aliasOf.push(layer.aliasesInput ? aliasOf[v] : k + 1);
    deltaAliasOf.push(layer.aliasesInput ? deltaAliasOf[v] : k + 1);
  });
  return { aliasOf, deltaAliasOf, fusedRelu };
}

/** Bytes of a batch arena, by category (what summary() prints). */
export interface ArenaBytes {
  activations: number;
  deltas: number;
  buffers: number;
  workspace: number;
  targets: number;
  total: number;
}

export interface Layout {
  /** Float offset of each value's activation (aliases share). */
  act: number[];
  /** Float offset of each value's δ (deltaAliasOf's share), or null. */
  delta: (number | null)[];
  deltaStart: number;
  deltaEnd: number;
  outputDelta: number;
  /** Float offsets of each node's buffers. */
  buffers: number[][];
  workspace: number;
  workspaceFloats: number;
  labels: number;
  target: number;
  floats: number;
  bytes: ArenaBytes;
}

/** What a layout reads of the plan. */
export interface PlanShape {
  readonly layers: readonly Layer[];
  readonly shapes: readonly number[][];
  readonly graph: Graph;
  readonly aliasOf: readonly number[];
  readonly deltaAliasOf: readonly number[];
  readonly needsGrad: readonly boolean[];
  readonly outputShape: number[];
}

/** Float offsets of every slot of an arena for a batch of `batch`, in arena order. */
export function arenaLayout(plan: PlanShape, batch: number, training: boolean, targetDType: DType): Layout {
  const K = plan.layers.length;
  const V = K + 1;
  const { inputsOf } = plan.graph;
  const floatsOf = (v: number) => align(batch * sizeOf(plan.shapes[v]));
  // When each activation is live: from its producer's step (the input: step 0) to its
  // last reader's (the output: past the last step). Training keeps every one to the end.
  // Values that share memory (aliasOf: flatten, a fused ReLU) are one buffer, live from the
  // first step of any of them to the last read of any.
  const first = new Array<number>(V).fill(Infinity);
  const last = new Array<number>(V).fill(-1);
  for (let v = 0; v < V; v++) {
    const r = plan.aliasOf[v];
    first[r] = Math.min(first[r], Math.max(0, v - 1));
    last[r] = Math.max(last[r], v === V - 1 || training ? K : v - 1);
  }
  inputsOf.forEach((ins, k) => ins.forEach((v) => (last[plan.aliasOf[v]] = Math.max(last[plan.aliasOf[v]], k))));
  const roots = [...new Set(plan.aliasOf)];
  const lifetimes: Lifetime[] = roots.map((r) => ({ size: floatsOf(r), first: first[r], last: last[r] }));
  const bufferShapes = plan.layers.map((layer) => layer.bufferSpecs(batch, training).map((spec) => align(sizeOf(spec.shape))));
  bufferShapes.forEach((sizes, k) => sizes.forEach((size) => lifetimes.push({ size, first: training ? 0 : k, last: training ? K : k })));
  const packed = pack(lifetimes);
  const actOf = new Map(roots.map((r, i) => [r, packed.offsets[i]]));
  const act = plan.aliasOf.map((r) => actOf.get(r)!);
  let at = 0;
  const buffers = bufferShapes.map((sizes) => sizes.map(() => packed.offsets[roots.length + at++]));
  let floats = packed.total;
  const take = (count: number) => {
    const offset = floats;
    floats += align(count);
    return offset;
  };
  const deltaStart = floats;
  const deltaOf = new Map<number, number>();
  if (training) for (const r of new Set(plan.deltaAliasOf)) if (plan.needsGrad[r]) deltaOf.set(r, take(floatsOf(r)));
  const delta = plan.deltaAliasOf.map((r) => deltaOf.get(r) ?? null);
  const deltaEnd = floats;
  const outputDelta = delta[V - 1] ?? take(floatsOf(V - 1));
  const workspaceFloats = Math.max(0, ...plan.layers.map((layer) => layer.workspaceSize(batch)));
  const workspace = take(workspaceFloats);
  const labels = take(batch);
  const target = targetDType === 'int32' ? labels : take(batch * sizeOf(plan.outputShape));
  const bufferFloats = bufferShapes.flat().reduce((s, f) => s + f, 0);
  const actFloats = packed.total - (training ? bufferFloats : 0);
  const bytes: ArenaBytes = {
    activations: actFloats * 4,
    deltas: (deltaEnd - deltaStart) * 4,
    buffers: (training ? bufferFloats : 0) * 4,
    workspace: align(workspaceFloats) * 4,
    targets: (floats - deltaEnd - align(workspaceFloats)) * 4,
    total: Math.max(floats, ALIGN_FLOATS) * 4,
  };
  return { act, delta, deltaStart, deltaEnd, outputDelta, buffers, workspace, workspaceFloats, labels, target, floats: Math.max(floats, ALIGN_FLOATS), bytes };
}
