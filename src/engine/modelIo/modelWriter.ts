/**
 * Writing a LayersModel as model.json + binary shards, laid out exactly as TF.js and
 * tensorflowjs_converter do, so any TF.js loader (browser, tfjs-node, ours) reads it back.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../run/outputDir';

/** tensorflowjs_converter's default shard size: 4 MiB. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export interface SaveModelOptions {
  /** Largest shard file, in bytes (default 4 MiB, as tensorflowjs_converter). */
  shardSizeBytes?: number;
}

export interface SavedModelFiles {
  /** Absolute path of model.json. */
  modelJson: string;
  /** Absolute paths of the weight shards, in manifest order. */
  shards: string[];
}

export async function writeModelFiles(model: tf.LayersModel, dir: string, options: SaveModelOptions = {}): Promise<SavedModelFiles> {
  const shardSize = options.shardSizeBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isSafeInteger(shardSize) || shardSize < 1) throw new Error(`shardSizeBytes must be a positive integer, got ${shardSize}`);
  const folder = path.resolve(dir);
  await fs.mkdir(folder, { recursive: true });
  let saved: SavedModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = await writeArtifacts(artifacts, folder, shardSize);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (saved === undefined) throw new Error('model.save() finished without handing over its artifacts');
  return saved;
}

async function writeArtifacts(artifacts: tf.io.ModelArtifacts, folder: string, shardSize: number): Promise<SavedModelFiles> {
  if (artifacts.modelTopology == null || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('expected a LayersModel with a JSON topology');
  }
  const weightBytes = new Uint8Array(
    artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData),
  );
  const shardCount = Math.ceil(weightBytes.byteLength / shardSize);
  const shardNames = Array.from({ length: shardCount }, (_, i) => `group1-shard${i + 1}of${shardCount}.bin`);
  const shards: string[] = [];
  for (const [i, name] of shardNames.entries()) {
    const file = path.join(folder, name);
    await writeFileAtomic(file, weightBytes.subarray(i * shardSize, Math.min((i + 1) * shardSize, weightBytes.byteLength)));
    shards.push(file);
  }
  // model.json last: it never refers to a shard that is not complete on disk.
  const modelJson = path.join(folder, 'model.json');
  await writeFileAtomic(modelJson, JSON.stringify(modelJsonFor(artifacts, shardNames)));
  return { modelJson, shards };
}

/** Same fields, same order as tfjs's own getModelJSONForModelArtifacts. */
function modelJsonFor(artifacts: tf.io.ModelArtifacts, shardNames: string[]): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as {},
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: shardNames, weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.signature != null) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer != null) json.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature != null) json.initializerSignature = artifacts.initializerSignature;
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  return json;
}
