/**
 * Loading an .onnx image classifier as a trainable tfjs LayersModel, with what the writer needs
 * to put trained weights back into the same graph later.
 */
import type * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../errors';
import { externalDataPath, externalRef } from './externalData';
import { buildLayersModel } from './graphToLayers';
import { scalingFromMetadata } from './metadataScaling';
import { checkDeclaredSizes, decodeOnnxFile, defaultOpset, imageInput } from './modelChecks';
import type { WeightBinding } from './weightBinding';

/** Where an imported model came from: the writer's input. */
export interface OnnxSource {
  onnxPath: string;
  /** SHA-256 of the .onnx file alone (the writer re-reads it and checks it did not change). */
  fileSha256: string;
  opset: number;
  bindings: WeightBinding[];
  /** tfjs layer name -> ONNX node name (for layer tables). */
  nodeOfLayer: Map<string, string>;
  /** --scaling text from metadata_props, or null. */
  metadataScaling: string | null;
}

export interface LoadedOnnx {
  model: tf.LayersModel;
  source: OnnxSource;
  /** SHA-256 over the .onnx file then each external data file (in first-use order). */
  sha256: string;
}

export function isOnnxPath(file: string): boolean {
  return file.toLowerCase().endsWith('.onnx');
}

export async function loadOnnxModel(onnxPath: string): Promise<LoadedOnnx> {
  const file = path.resolve(onnxPath);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw new InputError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the --model path.`, file);
  }
  const proto = decodeOnnxFile(bytes, file);
  const opset = defaultOpset(proto, file);
  checkDeclaredSizes(proto.graph, file);
  const input = imageInput(proto.graph, file);
  const fileSha256 = createHash('sha256').update(bytes).digest('hex');
  const whole = createHash('sha256').update(bytes);
  const externalFiles = [...new Set(proto.graph.initializer.filter((t) => t.data_location === 1).map((t) => externalDataPath(externalRef(t, file).location, file)))];
  for (const external of externalFiles) {
    try {
      whole.update(readFileSync(external));
    } catch {
      throw new InputError(`${file}: external data file ${external} cannot be read; copy it beside the .onnx file.`, file);
    }
  }
  const built = buildLayersModel(proto.graph, { onnxPath: file, opset, inputs: [input] });
  if (!built.model) throw new Error('an image model always has a computed output');
  return {
    model: built.model,
    sha256: whole.digest('hex'),
    source: { onnxPath: file, fileSha256, opset, bindings: built.bindings, nodeOfLayer: built.nodeOfLayer, metadataScaling: scalingFromMetadata(proto) },
  };
}
