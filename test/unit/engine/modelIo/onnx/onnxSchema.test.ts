import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../../fixtures/repoPaths';

describe('onnxSchema.ts', () => {
  it('is what scripts/gen-onnx-schema.mjs makes from the committed onnx.proto', async () => {
    const root = REPO_ROOT;
    const dir = path.join(root, 'src/engine/modelIo/onnx');
    const { schemaSource } = await (new Function('p', 'return import(p)') as (p: string) => Promise<{ schemaSource(text: string): string }>)(
      path.join(root, 'scripts/gen-onnx-schema.mjs'),
    );
    assert.equal(readFileSync(path.join(dir, 'onnxSchema.ts'), 'utf8'), schemaSource(readFileSync(path.join(dir, 'onnx.proto'), 'utf8')));
  });
});
