/**
 * Reading and writing image classifiers in the TF.js LayersModel format (model.json + binary
 * weight shards) with plain Node fs, so no native tfjs-node is needed. Every user-fixable problem
 * with the files is an InputError that names the file and says what to do.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageShape } from '../data/types';
import { InputError } from '../errors';
import { imageInputShape } from './imageInput';
import { isOnnxPath, loadOnnxModel, type OnnxSource } from './onnx/loadOnnx';
import { writeOnnxModel } from './onnx/onnxWriter';
import { readModelJson } from './modelJson';
import { writeModelFiles, type SavedModelFiles, type SaveModelOptions } from './modelWriter';
import { planShards, readShards } from './shardFiles';
import { checkFiniteWeights } from './finiteWeights';
import { checkLayerWeights } from './layerWeights';

export { DEFAULT_SHARD_BYTES, type SavedModelFiles, type SaveModelOptions } from './modelWriter';

export interface ModelArtifactsOnDisk {
  artifacts: tf.io.ModelArtifacts;
  /** Absolute path of the model.json that was read. */
  modelJsonPath: string;
  /** Its folder (the weight shards live there). */
  modelDir: string;
  /**
   * Hex SHA-256 of model.json's bytes followed by every weight shard's bytes in manifest order
   * (weights included: a backdoor lives in the weights, which model.json alone does not cover).
   */
  sha256: string;
  /** Absolute paths of the weight shards, in manifest order. */
  weightFiles: string[];
}

export interface LoadedModel {
  model: tf.LayersModel;
  sha256: string;
  modelJsonPath: string;
  modelDir: string;
  /** The image size and channels the model takes (NHWC, batch dimension left out). */
  inputShape: ImageShape;
  /** Set when the model was imported from an .onnx file (`modelJsonPath` is then that file). */
  onnx?: OnnxSource;
}

/**
 * Reads and checks model.json and its shards. Everything is validated (JSON, LayersModel not
 * GraphModel, shard paths inside the folder, shard sizes against the manifest) before the weight
 * buffer is allocated. A folder is accepted too and means its model.json.
 */
export async function readModelArtifacts(modelJsonPath: string): Promise<ModelArtifactsOnDisk> {
  const jsonPath = await modelJsonPathFor(path.resolve(modelJsonPath));
  const modelDir = path.dirname(jsonPath);
  const { json, bytes } = await readModelJson(jsonPath);
  const plan = await planShards(json.weightsManifest, modelDir, jsonPath);
  checkLayerWeights(json, plan.weightSpecs, jsonPath);
  const hash = createHash('sha256').update(bytes);
  const weightData = await readShards(plan, hash, jsonPath);
  checkFiniteWeights(plan, weightData, jsonPath);
  const artifacts = tf.io.getModelArtifactsForJSONSync(json, plan.weightSpecs, weightData);
  return {
    artifacts,
    modelJsonPath: jsonPath,
    modelDir,
    sha256: hash.digest('hex'),
    weightFiles: plan.shards.map((shard) => shard.absolutePath),
  };
}

/** Loads a LayersModel that takes one NHWC image input; the caller disposes `model`. */
export async function loadModel(modelJsonPath: string): Promise<LoadedModel> {
  if (isOnnxPath(modelJsonPath)) return loadOnnx(modelJsonPath);
  const { artifacts, modelJsonPath: jsonPath, modelDir, sha256 } = await readModelArtifacts(modelJsonPath);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel({ load: async () => artifacts });
  } catch (error) {
    throw new InputError(`${jsonPath} could not be loaded as a TF.js LayersModel: ${whyNotLoaded(error)}`, jsonPath);
  }
  try {
    return { model, sha256, modelJsonPath: jsonPath, modelDir, inputShape: imageInputShape(model, jsonPath) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * Writes `model` into `dir` as model.json + `group1-shardXofN.bin` (4 MiB shards), each file
 * atomically, model.json last. Loads with `tf.loadLayersModel` in any environment. With `onnx`
 * (the model, or its teacher, was imported from ONNX) model.onnx is written beside it too: the
 * same graph with this model's weights as initializers.
 */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  options?: SaveModelOptions & { onnx?: OnnxSource },
): Promise<SavedModelFiles & { onnx?: string }> {
  const saved = await writeModelFiles(model, dir, options);
  if (!options?.onnx) return saved;
  return { ...saved, onnx: await writeOnnxModel(model, options.onnx, path.join(path.resolve(dir), 'model.onnx')) };
}

async function loadOnnx(onnxPath: string): Promise<LoadedModel> {
  const file = path.resolve(onnxPath);
  const { model, source, sha256 } = await loadOnnxModel(file);
  try {
    return { model, sha256, modelJsonPath: file, modelDir: path.dirname(file), inputShape: imageInputShape(model, file), onnx: source };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * TF.js errors span several lines and may be long: one line, and the advice that fits the cause
 * (an unknown layer class is a custom or Lambda layer; anything else is weights that do not fit).
 */
function whyNotLoaded(error: unknown): string {
  const raw = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  const detail = raw.length > 300 ? `${raw.slice(0, 300).replace(/\s+\S*$/, '')} ...` : raw.replace(/[.\s]+$/, '');
  const unknownLayer = /Unknown (layer|initializer|regularizer|constraint|activation)|Lambda|custom/i.test(raw);
  return unknownLayer
    ? `${detail}. It uses a custom or Lambda layer, which TF.js cannot rebuild; re-export the model with built-in layers only.`
    : `${detail}. model.json and its weight files do not fit together; re-export the model (model.json with its .bin files).`;
}

async function modelJsonPathFor(given: string): Promise<string> {
  const stats = await fs.stat(given).catch(() => null);
  return stats?.isDirectory() ? path.join(given, 'model.json') : given;
}
