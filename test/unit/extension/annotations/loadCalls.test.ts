import * as assert from 'node:assert/strict';
import { findModelLoadCalls } from '../../../../src/extension/annotations/loadCalls';

describe('loadCalls: ONNX in Python sources (issue 14)', () => {
  it('finds onnx.load and the file torch.onnx.export writes, in source order', () => {
    const text = [
      'import onnx, torch',
      "torch.onnx.export(model, torch.randn(1, 3, 32, 32), 'exports/net.onnx', opset_version=13)",
      'm = onnx.load("exports/other.onnx")',
      'torch.onnx.export(',
      '    model,',
      '    dummy,',
      "    r'multi/line.onnx',",
      ')',
      "torch.onnx.export(model, x, path)  # a variable: nothing to resolve",
      "torch.save(model, 'not-onnx.pt')",
    ].join('\n');
    const calls = findModelLoadCalls(text, 'python');
    assert.deepEqual(calls.map((c) => [c.literal, c.range.start.line, c.range.start.character, c.range.end.line]), [
      ['exports/net.onnx', 1, 0, 1],
      ['exports/other.onnx', 2, 4, 2],
      ['multi/line.onnx', 3, 0, 6],
    ]);
  });
});
