import * as assert from 'assert';
import { inputScaling } from '../../../../src/engine/modelIo/inputScaling';

describe('input scaling: --scaling, else the .onnx metadata, else the default', () => {
  const unit = { mode: 'unit' as const };
  const onnxModel = { modelJsonPath: '/m/model.onnx', onnx: { metadataScaling: 'mean=0.5;std=0.25' } } as never;
  const plainModel = { modelJsonPath: '/m/model.json' } as never;

  it('the flag wins over the model metadata, and nothing is logged', () => {
    const logs: string[] = [];
    const choice = inputScaling('raw', onnxModel, unit, (m) => logs.push(m));
    assert.deepEqual(choice, { scaling: { mode: 'raw' }, from: 'flag' });
    assert.deepEqual(logs, []);
  });

  it('without the flag an .onnx model declares it, and the log names the file', () => {
    const logs: string[] = [];
    const choice = inputScaling(undefined, onnxModel, unit, (m) => logs.push(m));
    assert.equal(choice.from, 'model metadata');
    assert.deepEqual(choice.scaling, { mode: 'unit', mean: [0.5], std: [0.25] });
    assert.match(logs[0], /\/m\/model\.onnx's metadata: mean=0\.5;std=0\.25/);
  });

  it('neither: the job default', () => {
    assert.deepEqual(inputScaling(undefined, plainModel, unit, () => undefined), { scaling: unit, from: 'default' });
  });
});
