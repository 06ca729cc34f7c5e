/** Writes IDX files (unsigned bytes), the format of MNIST/Fashion-MNIST, e.g. for demo data. */
import { promises as fs } from 'fs';

export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0, 0);
  header.writeUInt8(0, 1);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export async function writeIdx(file: string, dims: number[], data: Uint8Array): Promise<void> {
  await fs.writeFile(file, encodeIdx(dims, data));
}
