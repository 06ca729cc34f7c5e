/**
 * Reading model.json and telling a trainable LayersModel from everything else, with messages
 * that say what the file is and how to get the right one.
 */
import type * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import { InputError } from '../errors';

const HOW_TO_EXPORT =
  'Export the model in the TF.js LayersModel format: `tensorflowjs_converter --input_format keras model.h5 out_dir/` ' +
  "from Keras, or `await model.save('file://out_dir')` (tfjs-node) / `model.save('downloads://model')` (browser) from TF.js.";

/** The raw bytes too: they are part of the model's fingerprint. */
export interface ParsedModelJson {
  json: tf.io.ModelJSON;
  bytes: Buffer;
}

/** LayersModel topologies are kilobytes; anything this big is a weight or data file named by mistake. */
const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

export async function readModelJson(modelJsonPath: string): Promise<ParsedModelJson> {
  let bytes: Buffer;
  try {
    const { size } = await fs.stat(modelJsonPath);
    if (size > MAX_MODEL_JSON_BYTES) {
      throw new InputError(
        `model file ${modelJsonPath} is ${Math.round(size / 1024 / 1024)} MB, far too large for a model.json; point ` +
          `--model at the model.json, not at a weight or data file. ${HOW_TO_EXPORT}`,
        modelJsonPath,
      );
    }
    bytes = await fs.readFile(modelJsonPath);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${(error as Error).message})`;
    throw new InputError(
      `model file ${modelJsonPath} ${reason}. Point --model at the model.json of a TF.js LayersModel (the folder must ` +
        `also hold its .bin weight files).`,
      modelJsonPath,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InputError(
      `model file ${modelJsonPath} is not valid JSON (${(error as Error).message}). Point --model at the model.json ` +
        `written by TF.js or tensorflowjs_converter, not at a .h5, .keras, .pb or weight file. ${HOW_TO_EXPORT}`,
      modelJsonPath,
    );
  }
  return { json: validateModelJson(json, modelJsonPath), bytes };
}

function validateModelJson(json: unknown, file: string): tf.io.ModelJSON {
  if (!isObject(json) || !('modelTopology' in json) || !isObject(json.modelTopology)) {
    throw new InputError(`${file} is JSON but not a TF.js model.json (it has no "modelTopology"). ${HOW_TO_EXPORT}`, file);
  }
  const graphReason = whyNotLayersModel(json, json.modelTopology);
  if (graphReason !== null) {
    throw new InputError(
      `${file} is a TF.js GraphModel (${graphReason}), not a LayersModel. Graph models are frozen, inference-only ` +
        `graphs without layers or trainable variables, so they cannot be fine-tuned or distilled. ${HOW_TO_EXPORT}`,
      file,
    );
  }
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new InputError(`${file} has no "weightsManifest" list, so its weights cannot be found. ${HOW_TO_EXPORT}`, file);
  }
  manifest.forEach((group: unknown, index) => {
    const ok =
      isObject(group) &&
      Array.isArray(group.paths) &&
      group.paths.every((p) => typeof p === 'string') &&
      Array.isArray(group.weights) &&
      group.weights.every((w) => isObject(w) && typeof w.name === 'string');
    if (!ok) {
      throw new InputError(
        `${file}: weightsManifest group ${index + 1} is malformed (expected {"paths": [file names], "weights": [{name, shape, dtype}]}). ` +
          `The file may be damaged; re-export the model. ${HOW_TO_EXPORT}`,
        file,
      );
    }
  });
  return json as unknown as tf.io.ModelJSON;
}

/** Null for a Keras-style topology; otherwise why the file is a graph model. */
function whyNotLayersModel(json: Record<string, unknown>, topology: Record<string, unknown>): string | null {
  if (json.format === 'graph-model') return 'its format is "graph-model"';
  if (Array.isArray(topology.node)) return 'its topology is a list of graph nodes';
  // tensorflowjs_converter's Keras output nests the model under "model_config"; tfjs does the same unwrapping.
  const keras = isObject(topology.model_config) ? topology.model_config : topology;
  if (typeof keras.class_name !== 'string') return 'its topology has no Keras "class_name"';
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
