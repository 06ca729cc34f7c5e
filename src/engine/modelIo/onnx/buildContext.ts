/**
 * What an op handler sees while the graph is turned into layers: its node, attributes, input
 * values (symbolic tensors or build-time constants), and the builder's services.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Attrs } from './attributes';
import type { ConstTensor } from './constTensor';
import type { NodeProto } from './onnxProto';
import type { WeightLayout } from './weightBinding';

/** A symbolic tensor (rank-4 ones are stored NHWC) or a tensor known at build time. */
export type Value = { kind: 'sym'; t: tf.SymbolicTensor } | { kind: 'const'; c: ConstTensor };

export interface BuildContext {
  node: NodeProto;
  attrs: Attrs;
  inputs: (Value | undefined)[];
  opset: number;
  /** A unique layer name from the node's name (suffix for helper layers such as a conv's padding). */
  layerName(suffix?: string): string;
  /** Records that `layer`'s weight `index` came from input slot `slot` (when that was an initializer). */
  bind(slot: number, layer: tf.layers.Layer, index: number, layout: WeightLayout): void;
  /** A parameterless op as an OnnxOpLayer (or folded, when every operand is constant). */
  opLayer(op: string, attrs: Attrs, operands: Value[]): Value;
  /** Throws the exit-2 error naming this node, its op type and what is not supported. */
  unsupported(what: string): never;
}

export function symOf(ctx: BuildContext, slot: number): tf.SymbolicTensor {
  const v = ctx.inputs[slot];
  if (!v) ctx.unsupported(`a missing input ${slot}`);
  if (v.kind !== 'sym') ctx.unsupported(`a constant input ${slot} ("${ctx.node.input[slot]}") where a tensor computed from the image was expected`);
  return v.t;
}

export function constOf(ctx: BuildContext, slot: number): ConstTensor;
export function constOf(ctx: BuildContext, slot: number, optional: true): ConstTensor | undefined;
export function constOf(ctx: BuildContext, slot: number, optional = false): ConstTensor | undefined {
  const v = ctx.inputs[slot];
  if (!v) {
    if (optional) return undefined;
    ctx.unsupported(`a missing input ${slot}`);
  }
  if (v.kind !== 'const') ctx.unsupported(`input ${slot} ("${ctx.node.input[slot]}") computed at run time; it must be an initializer or constant`);
  return v.c;
}
