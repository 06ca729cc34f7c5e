/** When the panel asks the host for an inspect, and what "Check the images" and its Cancel send. */
import * as assert from 'node:assert/strict';
import type { PanelCommandMethod } from '../../../src/shared/panelMessages';
import type { HostApi } from '../../../src/webview/hostApi';
import { createInspectRequests, wantsInspect } from '../../../src/webview/inspectRequests';
import { createPanelStore } from '../../../src/webview/panelStore';
import { restorePanelState, type ScheduleState } from '../../../src/webview/state';

const schedule = (over: Partial<ScheduleState>): ScheduleState => ({ model: 'a/model.json', status: 'ready', error: null, layers: [], edits: {}, classes: 2, params: 10, ...over });

describe('inspect requests (panel)', () => {
  it('wants an inspect for a new model, after an error, or for a load that never answered', () => {
    assert.equal(wantsInspect(null, 'a/model.json'), true);
    assert.equal(wantsInspect(schedule({}), 'a/model.json'), false);
    assert.equal(wantsInspect(schedule({}), 'b/model.json'), true);
    assert.equal(wantsInspect(schedule({ status: 'error' }), 'a/model.json'), true);
    assert.equal(wantsInspect(schedule({ status: 'loading' }), 'a/model.json'), true);
    assert.equal(wantsInspect(null, 'a/model.onnx'), true, 'an ONNX model has layers too');
    assert.equal(wantsInspect(null, 'a/model.onnx.txt'), false, 'not a model file');
  });

  it('"Check the images" sends model, data and limit; Cancel sends inspect/cancel and drops the scan', () => {
    const sent: [PanelCommandMethod, unknown][] = [];
    const host: HostApi = { send: (method, params) => sent.push([method, params]), savedState: () => undefined, saveState: () => undefined };
    const initial = restorePanelState(undefined);
    const store = createPanelStore({ ...initial, form: { ...initial.form, model: 'a/model.json', data: 'imgs', limit: '64' }, schedule: schedule({ layers: [{ name: 'fc', kind: 'Dense', params: 10, group: 'classifier', ratio: 0.1, outputShape: [null, 2] }] }) }, () => undefined);
    const inspect = createInspectRequests(store, host);
    inspect.withData();
    assert.deepEqual(sent, [['inspect', { model: 'a/model.json', data: 'imgs', limit: 64 }]]);
    assert.equal(store.get().schedule?.status, 'loading');
    assert.equal(store.get().schedule?.scanned, true);
    inspect.cancelScan();
    assert.deepEqual(sent[1], ['inspect/cancel', { model: 'a/model.json' }]);
    assert.equal(store.get().schedule?.status, 'ready');
    assert.equal(store.get().schedule?.scanned, false);
  });
});
