/**
 * Where a manifest's weight path points on disk, refusing anything that leaves the model's folder:
 * a model.json must not make us read (and fingerprint) arbitrary files elsewhere.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Absolute path of a manifest entry; throws when it is absolute, a URL or climbs out with `..`. */
export function resolveShardPath(modelDir: string, manifestPath: string, modelJsonPath: string): string {
  const refuse = (why: string): never => {
    throw new InputError(
      `${modelJsonPath} lists the weight file ${JSON.stringify(manifestPath)}, which ${why}. Weight files must sit in ` +
        `the model's folder (${modelDir}) and be named relative to it, e.g. "group1-shard1of1.bin"; re-export the ` +
        `model or fix the "paths" in its weightsManifest.`,
      modelJsonPath,
    );
  };
  if (manifestPath.length === 0) refuse('is empty');
  if (path.posix.isAbsolute(manifestPath) || path.win32.isAbsolute(manifestPath)) refuse('is an absolute path');
  if (URL_SCHEME.test(manifestPath)) refuse('is a URL or drive path');
  const resolved = path.resolve(modelDir, ...manifestPath.split(/[\\/]/));
  if (!isInside(resolved, modelDir)) refuse("points outside the model's folder");
  return resolved;
}

/** After the file is known to exist: refuse a symlink (anywhere on the way) that escapes the folder. */
export async function assertRealPathInside(shardPath: string, modelDir: string, manifestPath: string, modelJsonPath: string): Promise<void> {
  const [realShard, realDir] = await Promise.all([fs.realpath(shardPath), fs.realpath(modelDir)]);
  if (!isInside(realShard, realDir)) {
    throw new InputError(
      `${modelJsonPath} lists the weight file ${JSON.stringify(manifestPath)}, which is a link to ${realShard}, outside ` +
        `the model's folder. Copy the real file into ${modelDir} instead of linking to it.`,
      modelJsonPath,
    );
  }
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
