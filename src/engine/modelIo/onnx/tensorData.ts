/**
 * TensorProto -> ConstTensor: raw_data (little-endian), the typed repeated fields, or external
 * data. float64 becomes float32; int32/int64/bool become plain numbers (shape arithmetic only).
 */
import { InputError } from '../../errors';
import { externalRef, readExternal } from './externalData';
import { BYTES_PER_ELEMENT, DATA_TYPE_NAMES, DataType, toNumber, type TensorProto } from './onnxProto';
import { sizeOf, type ConstTensor } from './constTensor';

/** Tensors of 2 GiB or more cannot be protobuf-inlined, and we refuse to allocate them. */
export const MAX_TENSOR_BYTES = 2 ** 31 - 1;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export function tensorDims(tensor: TensorProto): number[] {
  return tensor.dims.map((d) => toNumber(d));
}

/** Declared byte size, checked before any allocation. */
export function declaredBytes(tensor: TensorProto, onnxPath: string): number {
  const dims = tensorDims(tensor);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new InputError(`${onnxPath}: tensor "${tensor.name}" has invalid dimensions [${dims.join(',')}]; the file is damaged.`, onnxPath);
  }
  const bytes = sizeOf(dims) * (BYTES_PER_ELEMENT[tensor.data_type] ?? 4);
  if (bytes > MAX_TENSOR_BYTES) {
    throw new InputError(
      `${onnxPath}: tensor "${tensor.name}" declares ${dims.join('x')} elements (${(bytes / 2 ** 30).toFixed(1)} GiB), over the 2 GiB ` +
        `a tensor may have here; the file is damaged or the model is too large to cleanse.`,
      onnxPath,
    );
  }
  return bytes;
}

export function readTensor(tensor: TensorProto, onnxPath: string): ConstTensor {
  const dims = tensorDims(tensor);
  const count = sizeOf(dims);
  const type = tensor.data_type;
  const byteLength = declaredBytes(tensor, onnxPath);
  let raw: Uint8Array | undefined = tensor.raw_data && tensor.raw_data.length > 0 ? tensor.raw_data : undefined;
  if (tensor.data_location === 1) raw = readExternal(externalRef(tensor, onnxPath), byteLength, onnxPath, tensor.name);
  if (raw && raw.length !== byteLength) {
    throw new InputError(`${onnxPath}: tensor "${tensor.name}" has ${raw.length} bytes of data but its shape [${dims.join(',')}] needs ${byteLength}; the file is damaged.`, onnxPath);
  }
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const check = (n: number) => {
    if (n !== count) throw new InputError(`${onnxPath}: tensor "${tensor.name}" has ${n} values but its shape [${dims.join(',')}] needs ${count}; the file is damaged.`, onnxPath);
  };
  switch (type) {
    case DataType.FLOAT: {
      if (view) {
        const bytes = raw as Uint8Array;
        // A view when raw_data happens to be 4-byte aligned in the file (little-endian hosts), else an aligned copy.
        if (bytes.byteOffset % 4 === 0 && LITTLE_ENDIAN) return { dims, dtype: 'float', data: new Float32Array(bytes.buffer, bytes.byteOffset, count) };
        const out = new Float32Array(count);
        new Uint8Array(out.buffer).set(raw as Uint8Array);
        return { dims, dtype: 'float', data: out };
      }
      check(tensor.float_data.length);
      return { dims, dtype: 'float', data: Float32Array.from(tensor.float_data) };
    }
    case DataType.DOUBLE: {
      if (view) return { dims, dtype: 'float', data: Float32Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, true)) };
      check(tensor.double_data.length);
      return { dims, dtype: 'float', data: Float32Array.from(tensor.double_data) };
    }
    case DataType.INT64: {
      if (view) return { dims, dtype: 'int', data: Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true))) };
      check(tensor.int64_data.length);
      return { dims, dtype: 'int', data: tensor.int64_data.map((v) => toNumber(v)) };
    }
    case DataType.INT32:
    case DataType.BOOL: {
      const width = type === DataType.INT32 ? 4 : 1;
      if (view) return { dims, dtype: 'int', data: Array.from({ length: count }, (_, i) => (width === 4 ? view.getInt32(i * 4, true) : view.getUint8(i))) };
      check(tensor.int32_data.length);
      return { dims, dtype: 'int', data: tensor.int32_data.slice() };
    }
    default:
      throw new InputError(
        `${onnxPath}: tensor "${tensor.name}" is ${DATA_TYPE_NAMES[type] ?? `type ${type}`}; supported are float32, float64, int32, int64 and bool.`,
        onnxPath,
      );
  }
}
