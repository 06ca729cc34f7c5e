/**
 * Writing a model imported from ONNX back as ONNX: the original file's bytes with each bound
 * initializer replaced by the model's current weight (in ONNX layout, float32, inline raw_data).
 * Everything else (nodes, names, opset, inputs, outputs, metadata) is copied byte for byte, so
 * the file drops into the user's pipeline unchanged. BatchNorm statistics are initializers too.
 */
import type * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { InputError } from '../../errors';
import { writeFileAtomic } from '../../run/outputDir';
import type { OnnxSource } from './loadOnnx';
import { DataType, decodeTensor, encodeTensor } from './onnxProto';
import { lengthDelimited, splitFields } from './protoWire';
import { readTensor } from './tensorData';
import { toOnnxWeight } from './weightBinding';

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;

/** New initializer bytes (TensorProto encodings) by name, from the model's current weights. */
export function initializerUpdates(model: tf.LayersModel, source: OnnxSource): Map<string, Uint8Array> {
  const updates = new Map<string, Uint8Array>();
  for (const binding of source.bindings) {
    if (updates.has(binding.initializer)) continue;
    const weight = model.getLayer(binding.layer).getWeights()[binding.weight];
    const { dims, data } = toOnnxWeight(weight, binding);
    updates.set(
      binding.initializer,
      encodeTensor({ name: binding.initializer, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }),
    );
  }
  return updates;
}

/** The spliced file: original bytes, initializers replaced; external data is inlined. */
export function spliceInitializers(original: Uint8Array, updates: Map<string, Uint8Array>, onnxPath: string): Uint8Array {
  const out: Uint8Array[] = [];
  for (const f of splitFields(original)) {
    if (f.field !== MODEL_GRAPH || f.wireType !== 2) {
      out.push(original.subarray(f.start, f.end));
      continue;
    }
    const graph = original.subarray(f.payloadStart, f.end);
    const parts: Uint8Array[] = [];
    for (const g of splitFields(graph)) {
      const bytes = graph.subarray(g.start, g.end);
      if (g.field !== GRAPH_INITIALIZER || g.wireType !== 2) {
        parts.push(bytes);
        continue;
      }
      const tensor = decodeTensor(graph.subarray(g.payloadStart, g.end));
      const replacement = updates.get(tensor.name);
      if (replacement) parts.push(...lengthDelimited(GRAPH_INITIALIZER, [replacement]));
      else if (tensor.data_location === 1) {
        // The side file stays with the original model: carry its data inline.
        const c = readTensor(tensor, onnxPath);
        const isFloat = c.dtype === 'float';
        const encoded = encodeTensor({
          name: tensor.name, dims: c.dims, data_type: isFloat ? DataType.FLOAT : DataType.INT64,
          ...(isFloat ? { raw_data: new Uint8Array((c.data as Float32Array).buffer) } : { int64_data: Array.from(c.data as ArrayLike<number>) }),
        });
        parts.push(...lengthDelimited(GRAPH_INITIALIZER, [encoded]));
      } else parts.push(bytes);
    }
    out.push(...lengthDelimited(MODEL_GRAPH, parts));
  }
  return Buffer.concat(out);
}

/** Writes `outPath` atomically; refuses when the source .onnx changed since it was imported. */
export async function writeOnnxModel(model: tf.LayersModel, source: OnnxSource, outPath: string): Promise<string> {
  let original: Buffer;
  try {
    original = await fs.readFile(source.onnxPath);
  } catch {
    throw new InputError(`${source.onnxPath} is gone, so the cleansed ONNX model cannot be written (its graph is copied from it); the TF.js copy was written.`, source.onnxPath);
  }
  if (createHash('sha256').update(original).digest('hex') !== source.fileSha256) {
    throw new InputError(`${source.onnxPath} changed while the job ran, so its graph cannot be reused for the cleansed model.onnx; run the job again.`, source.onnxPath);
  }
  await writeFileAtomic(outPath, spliceInitializers(original, initializerUpdates(model, source), source.onnxPath));
  return outPath;
}
