/**
 * ONNX graph -> trainable tfjs functional LayersModel. Nodes are visited in order (ONNX requires a
 * topological order); each value is a symbolic tensor or a build-time constant. Rank-4 tensors are
 * NCHW in ONNX and NHWC in the model, so the model takes the same image batches as a TF.js one.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../errors';
import { readAttributes, type Attrs } from './attributes';
import type { BuildContext, Value } from './buildContext';
import type { ConstTensor } from './constTensor';
import { OnnxOpLayer } from './onnxOpLayer';
import { ONNX_IMPL } from './onnxOps';
import type { GraphProto, NodeProto } from './onnxProto';
import { OP_TABLE, SUPPORTED_OPS } from './opTable';
import { readTensor, tensorDims } from './tensorData';
import type { WeightBinding, WeightLayout } from './weightBinding';

export interface GraphInput {
  name: string;
  /** ONNX dims (NCHW for images); null where the batch is free. */
  dims: (number | null)[];
}

export interface BuiltModel {
  /** Null only when every output is a constant (allowed with `constantOutputs`). */
  model: tf.LayersModel | null;
  bindings: WeightBinding[];
  /** tfjs layer name -> the ONNX node it came from. */
  nodeOfLayer: Map<string, string>;
}

export interface BuildOptions {
  onnxPath: string;
  opset: number;
  /** The graph inputs the model takes (the others must be initializers). */
  inputs: GraphInput[];
  /** Graph inputs bound to known values (the conformance harness's weight-slot inputs). */
  bound?: Map<string, ConstTensor>;
  /** When given, outputs that fold to constants land here instead of failing (conformance tests). */
  constantOutputs?: Map<string, ConstTensor>;
}

export function unsupportedMessage(onnxPath: string, node: NodeProto, index: number, what: string): string {
  const name = node.name || `#${index}`;
  return `${onnxPath}: node "${name}" (${node.op_type}) has ${what}, which Backdoor Cleanse cannot import. Supported ops: ${SUPPORTED_OPS.join(', ')}.`;
}

function layerNameFrom(node: NodeProto, index: number): string {
  const base = (node.name || `${node.op_type}_${index}`).replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[_.-]+/, '');
  return base || `${node.op_type}_${index}`;
}

export function buildLayersModel(graph: GraphProto, options: BuildOptions): BuiltModel {
  const { onnxPath, opset } = options;
  const values = new Map<string, Value>();
  const initializers = new Set<string>();
  const initializerDims = new Map<string, number[]>();
  for (const init of graph.initializer) {
    // Decoded on each use, not kept: only the layer being built holds a copy of its weights,
    // so importing needs little more than the file and the model's own weights.
    values.set(init.name, { kind: 'const', get c() { return readTensor(init, onnxPath); } });
    initializers.add(init.name);
    initializerDims.set(init.name, tensorDims(init));
  }
  for (const [name, c] of options.bound ?? []) values.set(name, { kind: 'const', c });
  const usedNames = new Set<string>();
  const unique = (name: string) => {
    let candidate = name;
    for (let i = 2; usedNames.has(candidate); i++) candidate = `${name}_${i}`;
    usedNames.add(candidate);
    return candidate;
  };
  const inputs = options.inputs.map((input) => {
    const [batch, ...rest] = input.dims;
    const shape = rest.length === 3 ? [rest[1], rest[2], rest[0]] : rest;
    const t = tf.input(batch == null ? { shape, name: unique(layerNameFrom({ name: input.name } as NodeProto, 0)) } : { batchShape: [batch, ...shape], name: unique(layerNameFrom({ name: input.name } as NodeProto, 0)) });
    values.set(input.name, { kind: 'sym', t });
    return t;
  });
  const bindings: WeightBinding[] = [];
  const nodeOfLayer = new Map<string, string>();

  graph.node.forEach((node, index) => {
    const fail = (what: string): never => {
      throw new InputError(unsupportedMessage(onnxPath, node, index, what), onnxPath);
    };
    const handler = node.domain && node.domain !== 'ai.onnx' ? undefined : OP_TABLE[node.op_type];
    if (!handler) fail(`op type ${node.domain ? `${node.domain}.` : ''}${node.op_type}`);
    const attrs = readAttributes(node, onnxPath);
    for (const key of Object.keys(attrs)) if (!(handler as { attrs: string[] }).attrs.includes(key)) fail(`attribute ${key}`);
    const baseName = layerNameFrom(node, index);
    const ctx: BuildContext = {
      node,
      attrs,
      opset,
      inputs: node.input.map((name) => {
        if (!name) return undefined;
        const v = values.get(name);
        if (!v) fail(`input "${name}" that no earlier node produces (the graph is not in topological order or is incomplete)`);
        return v;
      }),
      layerName: (suffix?: string) => {
        const name = unique(suffix ? `${baseName}_${suffix}` : baseName);
        nodeOfLayer.set(name, node.name || baseName);
        return name;
      },
      bind: (slot: number, layer: tf.layers.Layer, weight: number, layout: WeightLayout) => {
        const initializer = node.input[slot];
        const dims = initializerDims.get(initializer);
        if (dims && values.get(initializer)?.kind === 'const') bindings.push({ initializer, layer: layer.name, weight, layout, onnxDims: dims });
      },
      opLayer: (op: string, opAttrs: Attrs, operands: Value[]): Value => {
        if (operands.every((v) => v.kind === 'const')) return foldFloat(op, opAttrs, operands as { kind: 'const'; c: ConstTensor }[], fail);
        const layer = new OnnxOpLayer({ op, attrs: opAttrs, operands: operands.map((v) => (v.kind === 'const' ? v.c : null)), name: ctx.layerName() });
        const syms = operands.flatMap((v) => (v.kind === 'sym' ? [v.t] : []));
        try {
          return { kind: 'sym', t: layer.apply(syms.length === 1 ? syms[0] : syms) as tf.SymbolicTensor };
        } catch (error) {
          return fail(`inputs it cannot compute on (${(error as Error).message})`);
        }
      },
      unsupported: fail,
    };
    let outputs: Value[];
    try {
      outputs = (handler as { build(c: BuildContext): Value[] }).build(ctx);
    } catch (error) {
      if (error instanceof InputError) throw error;
      return fail(`inputs or attributes it cannot build (${(error as Error).message})`);
    }
    outputs.forEach((v, i) => {
      if (node.output[i]) values.set(node.output[i], v);
    });
  });

  const outputs = graph.output.flatMap((o) => {
    const v = values.get(o.name);
    if (v?.kind === 'const' && options.constantOutputs) {
      options.constantOutputs.set(o.name, v.c);
      return [];
    }
    if (!v || v.kind !== 'sym') {
      throw new InputError(`${onnxPath}: graph output "${o.name}" ${v ? 'is a constant' : 'is never computed'}; the model must compute its output from the image.`, onnxPath);
    }
    return v.t;
  });
  if (outputs.length === 0 && options.constantOutputs) return { model: null, bindings, nodeOfLayer };
  const model = tf.model({ inputs, outputs, name: layerNameFrom({ name: graph.name || 'onnx_model' } as NodeProto, 0) });
  return { model, bindings, nodeOfLayer };
}

/** Every operand known: compute the op now (float data) instead of adding a layer. */
function foldFloat(op: string, attrs: Attrs, operands: { c: ConstTensor }[], fail: (what: string) => never): Value {
  const impl = ONNX_IMPL[op];
  if (!impl) return fail(`only constant inputs, which ${op} cannot fold`);
  const y = tf.tidy(() => impl(operands.map((o) => tf.tensor(Float32Array.from(o.c.data as ArrayLike<number>), o.c.dims, 'float32')), attrs));
  const c: ConstTensor = { dims: y.shape.slice(), dtype: 'float', data: y.dataSync() as Float32Array };
  y.dispose();
  return { kind: 'const', c };
}
