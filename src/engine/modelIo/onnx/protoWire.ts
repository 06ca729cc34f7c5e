/**
 * The protobuf wire format at its lowest level: split a message into its fields with their exact
 * bytes, and write a length-delimited field. The ONNX writer uses it to keep every byte of the
 * graph except the initializers it replaces.
 */
export interface WireField {
  field: number;
  wireType: number;
  /** The whole field, tag included. */
  start: number;
  end: number;
  /** For length-delimited fields: where the payload starts. */
  payloadStart: number;
}

function readVarint(bytes: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new Error('truncated varint');
    const b = bytes[pos++];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return { value, next: pos };
    scale *= 128;
  }
  throw new Error('varint too long');
}

export function splitFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const tag = readVarint(bytes, pos);
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    let payloadStart = pos;
    switch (wireType) {
      case 0: pos = readVarint(bytes, pos).next; break;
      case 1: pos += 8; break;
      case 2: {
        const len = readVarint(bytes, pos);
        payloadStart = len.next;
        pos = len.next + len.value;
        break;
      }
      case 5: pos += 4; break;
      default: throw new Error(`unsupported wire type ${wireType}`);
    }
    if (pos > bytes.length) throw new Error('truncated field');
    fields.push({ field, wireType, start, end: pos, payloadStart });
  }
  return fields;
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** Tag, length and payload of a length-delimited field. */
export function lengthDelimited(field: number, payload: Uint8Array[]): Uint8Array[] {
  const length = payload.reduce((n, p) => n + p.length, 0);
  return [Uint8Array.from([...varint(field * 8 + 2), ...varint(length)]), ...payload];
}
