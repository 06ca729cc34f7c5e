/**
 * Weights stored beside the .onnx file (`data_location: EXTERNAL`): a location, offset and length
 * per tensor. Locations must stay inside the model's folder, as TF.js weight shard paths must.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../errors';
import type { TensorProto } from './onnxProto';

export interface ExternalRef {
  location: string;
  offset: number;
  length: number | null;
}

export function externalRef(tensor: TensorProto, onnxPath: string): ExternalRef {
  const entries = new Map(tensor.external_data.map((e) => [e.key, e.value]));
  const location = entries.get('location');
  if (!location) throw new InputError(`${onnxPath}: tensor "${tensor.name}" has external data without a location; re-save the model with onnx.save(..., save_as_external_data=True).`, onnxPath);
  const offset = Number(entries.get('offset') ?? 0);
  const length = entries.has('length') ? Number(entries.get('length')) : null;
  if (!Number.isInteger(offset) || offset < 0 || (length != null && (!Number.isInteger(length) || length < 0))) {
    throw new InputError(`${onnxPath}: tensor "${tensor.name}" has an invalid external data offset or length.`, onnxPath);
  }
  return { location, offset, length };
}

/** The absolute file a location names, refused when it leaves the model's folder. */
export function externalDataPath(location: string, onnxPath: string): string {
  const dir = path.dirname(path.resolve(onnxPath));
  const resolved = path.resolve(dir, location);
  const relative = path.relative(dir, resolved);
  if (path.isAbsolute(location) || relative.startsWith('..') || path.isAbsolute(relative) || relative === '') {
    throw new InputError(
      `${onnxPath}: external data location "${location}" is outside the model's folder; keep the weight files beside the .onnx file.`,
      onnxPath,
    );
  }
  return resolved;
}

/** Reads `byteLength` bytes of one tensor's external data, checking the file is long enough. */
export function readExternal(ref: ExternalRef, byteLength: number, onnxPath: string, tensorName: string): Uint8Array {
  const file = externalDataPath(ref.location, onnxPath);
  if (ref.length != null && ref.length !== byteLength) {
    throw new InputError(`${onnxPath}: tensor "${tensorName}" declares ${ref.length} bytes of external data but its shape needs ${byteLength}.`, onnxPath);
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    throw new InputError(`${onnxPath}: external data file ${file} (tensor "${tensorName}") cannot be read; copy it beside the .onnx file.`, onnxPath);
  }
  try {
    const size = fstatSync(fd).size;
    if (ref.offset + byteLength > size) {
      throw new InputError(`${onnxPath}: external data file ${file} is ${size} bytes, too short for tensor "${tensorName}" (${ref.offset}+${byteLength}).`, onnxPath);
    }
    const out = new Uint8Array(byteLength);
    let done = 0;
    while (done < byteLength) done += readSync(fd, out, done, byteLength - done, ref.offset + done);
    return out;
  } finally {
    closeSync(fd);
  }
}
