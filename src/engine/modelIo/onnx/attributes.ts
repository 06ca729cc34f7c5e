/**
 * Node attributes as plain JSON values (numbers, number arrays, strings, ConstTensors), so they
 * can travel in a custom layer's config and be serialized with the TF.js copy.
 */
import { toNumber, type AttributeProto, type NodeProto } from './onnxProto';
import type { ConstTensor } from './constTensor';
import { readTensor } from './tensorData';

export type AttrValue = number | number[] | string | string[] | ConstTensor;
export type Attrs = Record<string, AttrValue>;

// AttributeProto.AttributeType
const FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, FLOATS = 6, INTS = 7, STRINGS = 8;

export function readAttributes(node: NodeProto, onnxPath: string): Attrs {
  const attrs: Attrs = {};
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
  for (const a of node.attribute) {
    switch (a.type) {
      case FLOAT: attrs[a.name] = a.f ?? 0; break;
      case INT: attrs[a.name] = toNumber(a.i); break;
      case STRING: attrs[a.name] = text(a.s ?? new Uint8Array()); break;
      case TENSOR: if (a.t) attrs[a.name] = readTensor(a.t, onnxPath); break;
      case FLOATS: attrs[a.name] = a.floats.slice(); break;
      case INTS: attrs[a.name] = a.ints.map((v) => toNumber(v)); break;
      case STRINGS: attrs[a.name] = a.strings.map(text); break;
      default: attrs[a.name] = `<attribute type ${a.type}>`;
    }
  }
  return attrs;
}
