/**
 * The weight shard files of a model.json: located, sized against the manifest (all before any
 * large allocation), then read into one buffer in manifest order.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Hash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { assertRealPathInside, resolveShardPath } from './shardPaths';
import { describeWeight, storedByteSize } from './weightSizes';

export interface ShardFile {
  /** As written in the manifest. */
  manifestPath: string;
  absolutePath: string;
  bytes: number;
}

export interface ShardPlan {
  shards: ShardFile[];
  /** Every group's weights in manifest order: the layout of the concatenated shards. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  totalBytes: number;
}

export async function planShards(manifest: tf.io.WeightsManifestConfig, modelDir: string, modelJsonPath: string): Promise<ShardPlan> {
  const shards: ShardFile[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  let totalBytes = 0;
  for (const group of manifest) {
    const expected = expectedGroupBytes(group, modelJsonPath);
    if (group.paths.length === 0 && expected > 0) {
      throw new InputError(`${modelJsonPath}: a weightsManifest group lists weights but no weight files. Re-export the model.`, modelJsonPath);
    }
    const groupShards: ShardFile[] = [];
    for (const manifestPath of group.paths) {
      groupShards.push(await locateShard(manifestPath, modelDir, modelJsonPath));
    }
    checkGroupSize(groupShards, expected, group.weights, modelJsonPath);
    shards.push(...groupShards);
    weightSpecs.push(...group.weights);
    totalBytes += expected;
  }
  return { shards, weightSpecs, totalBytes };
}

/** One buffer holding every shard in manifest order; each file is fed to `hash` as it is read. */
export async function readShards(plan: ShardPlan, hash: Hash, modelJsonPath: string): Promise<ArrayBuffer> {
  const buffer = new ArrayBuffer(plan.totalBytes);
  let offset = 0;
  for (const shard of plan.shards) {
    const view = new Uint8Array(buffer, offset, shard.bytes);
    const handle = await fs.open(shard.absolutePath, 'r').catch((error: NodeJS.ErrnoException) => {
      throw new InputError(
        `weight shard ${shard.absolutePath} listed in ${modelJsonPath} cannot be read (${error.code ?? error.message}); check its permissions.`,
        shard.absolutePath,
      );
    });
    try {
      let filled = 0;
      while (filled < shard.bytes) {
        const { bytesRead } = await handle.read(view, filled, shard.bytes - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      // The file changed between the size check and the read (e.g. still being copied).
      if (filled !== shard.bytes || (await handle.stat()).size !== shard.bytes) {
        throw new InputError(
          `weight shard ${shard.manifestPath} changed size while it was being read; wait until copying has finished and retry.`,
          modelJsonPath,
        );
      }
    } finally {
      await handle.close();
    }
    hash.update(view);
    offset += shard.bytes;
  }
  return buffer;
}

function expectedGroupBytes(group: tf.io.WeightsManifestConfig[number], modelJsonPath: string): number {
  let bytes = 0;
  for (const weight of group.weights) {
    const size = storedByteSize(weight);
    if (typeof size === 'string') {
      throw new InputError(
        `${modelJsonPath}: weight ${JSON.stringify(weight?.name)} ${size}; only float32, int32 and bool weights ` +
          `(optionally quantized to uint8, uint16 or float16) are supported. Re-export the model.`,
        modelJsonPath,
      );
    }
    bytes += size;
  }
  return bytes;
}

async function locateShard(manifestPath: string, modelDir: string, modelJsonPath: string): Promise<ShardFile> {
  const absolutePath = resolveShardPath(modelDir, manifestPath, modelJsonPath);
  let stats;
  try {
    stats = await fs.stat(absolutePath);
  } catch {
    throw new InputError(
      `weight shard ${manifestPath} listed in ${modelJsonPath} is missing from ${modelDir}. Copy model.json together ` +
        `with all the .bin files written beside it into the same folder.`,
      absolutePath,
    );
  }
  if (!stats.isFile()) {
    throw new InputError(`weight shard ${manifestPath} listed in ${modelJsonPath} is not a regular file. Re-export the model.`, absolutePath);
  }
  await assertRealPathInside(absolutePath, modelDir, manifestPath, modelJsonPath);
  return { manifestPath, absolutePath, bytes: stats.size };
}

function checkGroupSize(shards: ShardFile[], expected: number, weights: tf.io.WeightsManifestEntry[], modelJsonPath: string): void {
  const actual = shards.reduce((sum, shard) => sum + shard.bytes, 0);
  if (actual === expected) return;
  const suspect = suspectShard(shards, actual < expected);
  const sizes = shards.length > 1 ? ` (${shards.map((s) => `${s.manifestPath}: ${s.bytes} bytes`).join(', ')})` : '';
  const listed = weights.slice(0, 3).map(describeWeight).join(', ') + (weights.length > 3 ? ', ...' : '');
  const verdict =
    actual < expected
      ? `it is ${expected - actual} bytes short: the file is truncated or incomplete (re-copy or re-export the model)`
      : `it has ${actual - expected} bytes too many: the file does not belong to this model.json (copy the matching files or re-export the model)`;
  throw new InputError(
    `weight shard ${suspect.manifestPath} does not match ${path.basename(modelJsonPath)}: the weights listed with it (${weights.length}: ${listed}) ` +
      `need ${expected} bytes but the shard file${shards.length > 1 ? 's hold' : ' holds'} ${actual}${sizes}; ${verdict}.`,
    suspect.absolutePath,
  );
}

/**
 * TF.js and tensorflowjs_converter fill every shard but the last to the same size, so a shard
 * smaller than the largest one (other than the last) is the likely culprit; otherwise the last.
 */
function suspectShard(shards: ShardFile[], tooShort: boolean): ShardFile {
  if (tooShort && shards.length > 1) {
    const leading = shards.slice(0, -1);
    const fullSize = Math.max(...leading.map((s) => s.bytes));
    const shortOne = leading.find((s) => s.bytes < fullSize);
    if (shortOne !== undefined) return shortOne;
  }
  return shards[shards.length - 1];
}
