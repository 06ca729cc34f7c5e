/**
 * Decoding ONNX ModelProto bytes with protobufjs and the official onnx.proto (as the generated
 * JSON descriptor in onnxSchema.ts). Only the fields the importer reads are typed here.
 */
import * as protobuf from 'protobufjs/light';
import { ONNX_SCHEMA } from './onnxSchema';

type Int64 = number | { toNumber(): number };

export interface TensorProto {
  dims: Int64[];
  data_type: number;
  name: string;
  raw_data?: Uint8Array;
  float_data: number[];
  int32_data: number[];
  int64_data: Int64[];
  double_data: number[];
  data_location?: number;
  external_data: { key: string; value: string }[];
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  g?: unknown;
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain: string;
  attribute: AttributeProto[];
}

export interface DimProto {
  dim_value?: Int64;
  dim_param?: string;
}

export interface ValueInfoProto {
  name: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim: DimProto[] } } };
}

export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

export interface ModelProto {
  ir_version?: Int64;
  opset_import: { domain: string; version: Int64 }[];
  producer_name?: string;
  producer_version?: string;
  graph?: GraphProto;
  metadata_props: { key: string; value: string }[];
}

let root: protobuf.Root | null = null;
function onnxType(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace);
  return root.lookupType(`onnx.${name}`);
}

/** Decodes without copying: `raw_data` fields stay views of `bytes`. Throws protobufjs's errors. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnxType('ModelProto').decode(bytes) as unknown as ModelProto;
}

export function decodeTensor(bytes: Uint8Array): TensorProto {
  return onnxType('TensorProto').decode(bytes) as unknown as TensorProto;
}

export function encodeTensor(tensor: Partial<TensorProto>): Uint8Array {
  const type = onnxType('TensorProto');
  return type.encode(type.fromObject(tensor)).finish();
}

/** int64 fields decode as Long objects (the `long` package) or numbers. */
export function toNumber(value: Int64 | undefined | null): number {
  if (value == null) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;

export const DATA_TYPE_NAMES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};

export const BYTES_PER_ELEMENT: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

/** Encodes a ModelProto given as a plain object (tests craft models with it). */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const type = onnxType('ModelProto');
  return type.encode(type.fromObject(model)).finish();
}
