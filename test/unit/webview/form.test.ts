/** The panel's form: validation to CleanseParams, and schedule editing to CleanseParams.ratios. */
import * as assert from 'node:assert/strict';
import type { InspectLayer } from '../../../src/shared/protocol';
import { editRatio, effectiveRatio, expectedReinitShare, isEditableLayer, parseRatio, resetSchedule, scheduleForModel, scheduleToRatios } from '../../../src/webview/schedule';
import { initialFormValues, type FormValues, type ScheduleState } from '../../../src/webview/state';
import { parseInteger, parsePositive, validateForm } from '../../../src/webview/validation';

const LAYERS: InspectLayer[] = [
  { name: 'conv1', kind: 'Conv2D', params: 1000, group: 'stem', ratio: 0.01, outputShape: [null, 32, 32, 16] },
  { name: 'bn1', kind: 'BatchNormalization', params: 64, group: 'none', ratio: 0, outputShape: [null, 32, 32, 16] },
  { name: 'conv2', kind: 'Conv2D', params: 3000, group: 'stage1', ratio: 0.27, outputShape: [null, 16, 16, 32] },
  { name: 'dense', kind: 'Dense', params: 1000, group: 'classifier', ratio: 0.1, outputShape: [null, 10] },
];

function ready(edits: Record<string, string> = {}): ScheduleState {
  return { model: '/m/model.json', status: 'ready', error: null, layers: LAYERS, edits, classes: 10, params: 5064 };
}

function form(values: Partial<FormValues> = {}): FormValues {
  return { ...initialFormValues({ epochs: 20, batch: 64, lr: 0.01, seed: 0, backend: 'auto', limit: null }), model: '/m/model.json', data: '/d', ...values };
}

describe('panel schedule editing', () => {
  it('parses ratios as fractions or percents within 0..1', () => {
    assert.deepEqual(parseRatio('0.1'), { ok: true, value: 0.1 });
    assert.deepEqual(parseRatio(' 27% '), { ok: true, value: 0.27 });
    assert.equal(parseRatio('1.5').ok, false);
    assert.equal(parseRatio('-0.1').ok, false);
    assert.equal(parseRatio('abc').ok, false);
    assert.equal(parseRatio('').ok, false);
  });

  it('edits only re-initializable layers and forgets an edit back to the default', () => {
    assert.equal(isEditableLayer(LAYERS[1]), false);
    let schedule = editRatio(ready(), 'bn1', '0.5');
    assert.deepEqual(schedule.edits, {});
    schedule = editRatio(schedule, 'conv2', '0.5');
    assert.deepEqual(schedule.edits, { conv2: '0.5' });
    schedule = editRatio(schedule, 'conv2', '27%');
    assert.deepEqual(schedule.edits, {});
    schedule = editRatio(schedule, 'unknown', '0.5');
    assert.deepEqual(schedule.edits, {});
  });

  it('turns edits into per-layer ratios (changed layers only) and reports bad ones', () => {
    assert.deepEqual(scheduleToRatios(ready()), { ratios: undefined, errors: {} });
    assert.deepEqual(scheduleToRatios(ready({ conv2: '0.5', dense: '10%' })), { ratios: { conv2: 0.5 }, errors: {} });
    const bad = scheduleToRatios(ready({ conv1: '2' }));
    assert.equal(bad.ratios, undefined);
    assert.ok(bad.errors.conv1);
    assert.deepEqual(scheduleToRatios(null), { ratios: undefined, errors: {} });
  });

  it('computes the expected re-initialized share and resets', () => {
    assert.equal(effectiveRatio(LAYERS[2], { conv2: '0.5' }), 0.5);
    assert.equal(effectiveRatio(LAYERS[2], { conv2: 'x' }), null);
    const share = expectedReinitShare(LAYERS, {});
    assert.ok(share !== null && Math.abs(share - (1000 * 0.01 + 3000 * 0.27 + 1000 * 0.1) / 5000) < 1e-12);
    assert.equal(expectedReinitShare(LAYERS, { conv1: 'x' }), null);
    assert.deepEqual(resetSchedule(ready({ conv2: '0.5' })).edits, {});
  });

  it('keeps edits for the same model and drops them for another', () => {
    const edited = ready({ conv2: '0.5' });
    assert.deepEqual(scheduleForModel(edited, '/m/model.json').edits, { conv2: '0.5' });
    assert.equal(scheduleForModel(edited, '/m/model.json').status, 'loading');
    assert.deepEqual(scheduleForModel(edited, '/other/model.json').edits, {});
    assert.deepEqual(scheduleForModel(null, '/x.json').layers, []);
  });
});

describe('panel form validation', () => {
  it('parses numbers strictly', () => {
    assert.deepEqual(parseInteger('20', 1, 100), { value: 20 });
    assert.ok(parseInteger('2.5', 1, 100).error);
    assert.ok(parseInteger('0', 1, 100).error);
    assert.deepEqual(parseInteger(' ', 0, 5, true), { value: undefined });
    assert.ok(parseInteger('', 0, 5).error);
    assert.deepEqual(parsePositive('1e-3', 10), { value: 0.001 });
    assert.ok(parsePositive('0', 10).error);
  });

  it('builds CleanseParams from a valid form, with the schedule edits of this model', () => {
    const result = validateForm(form({ limit: '500', evalData: '/e', trigger: '/t/badnets.json', backend: 'wasm' }), ready({ conv2: '0.5' }));
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.deepEqual(result.params, {
      model: '/m/model.json',
      data: '/d',
      out: '',
      epochs: 20,
      batch: 64,
      lr: 0.01,
      seed: 0,
      backend: 'wasm',
      limit: 500,
      ratios: { conv2: 0.5 },
      evalData: '/e',
      trigger: '/t/badnets.json',
    });
  });

  it('ignores the schedule of another model and leaves optional fields out', () => {
    const result = validateForm(form({ model: '/other/model.json' }), ready({ conv2: '0.5' }));
    assert.ok(result.ok);
    if (result.ok) {
      assert.equal(result.params.ratios, undefined);
      assert.equal('evalData' in result.params, false);
      assert.equal(result.params.limit, 0, 'an empty limit is 0: all images');
    }
  });

  it('names each field at fault', () => {
    const result = validateForm(form({ model: '', data: ' ', epochs: '0', lr: 'fast', trigger: '/t.json' }), null);
    assert.equal(result.ok, false);
    assert.deepEqual(Object.keys(result.errors).sort(), ['data', 'epochs', 'lr', 'model', 'trigger']);
    assert.match(validateForm(form({ model: '/m/weights.bin' }), null).errors.model ?? '', /model\.json/);
    const badSchedule = validateForm(form(), ready({ conv1: '3' }));
    assert.equal(badSchedule.ok, false);
    assert.ok(badSchedule.scheduleErrors.conv1);
  });
});
