/**
 * Reads files in order while the next few are already being read, so decoding (CPU, on this
 * thread) overlaps the disk reads (libuv's thread pool).
 */
import * as fs from 'fs/promises';

export type FileRead = { file: string; bytes: Uint8Array; error?: undefined } | { file: string; bytes?: undefined; error: Error };

export async function* readAhead(files: string[], ahead = 8): AsyncGenerator<FileRead> {
  const pending: Promise<FileRead>[] = [];
  let next = 0;
  const startNext = (): void => {
    const file = files[next++];
    pending.push(
      fs.readFile(file).then(
        (bytes): FileRead => ({ file, bytes }),
        (error: Error): FileRead => ({ file, error }),
      ),
    );
  };
  while (next < files.length && pending.length < ahead) startNext();
  while (pending.length > 0) {
    const result = await pending.shift()!;
    if (next < files.length) startNext();
    yield result;
  }
}
