/** The panel protocol: guards, narrowing and dispatch of webview <-> host messages. */
import * as assert from 'node:assert/strict';
import {
  PANEL_PROTOCOL_VERSION,
  command,
  dispatchCommand,
  is,
  isPanelCommand,
  isPanelNotification,
  notification,
  pickCommandFor,
  type PanelCommandHandlers,
} from '../../../src/shared/panelMessages';

const COMMANDS = ['panel/ready', 'pick/model', 'pick/data', 'pick/evalData', 'pick/trigger', 'job/start', 'job/cancel', 'open/model', 'open/report', 'inspect', 'report/load'];
const NOTIFICATIONS = ['state/init', 'picked', 'job/started', 'job/event', 'job/ended', 'inspect/result', 'report/loaded'];

describe('panel messages', () => {
  it('has a protocol version', () => {
    assert.equal(typeof PANEL_PROTOCOL_VERSION, 'number');
    assert.ok(PANEL_PROTOCOL_VERSION >= 1);
  });

  it('accepts every command (with params) and nothing else', () => {
    for (const method of COMMANDS) assert.equal(isPanelCommand({ method, params: {} }), true, method);
    for (const value of [null, undefined, 'panel/ready', {}, { method: 'panel/ready' }, { method: 'panel/ready', params: null }, { method: 'state/init', params: {} }, { method: 'toString', params: {} }]) {
      assert.equal(isPanelCommand(value), false, JSON.stringify(value));
    }
  });

  it('accepts every notification and nothing else', () => {
    for (const method of NOTIFICATIONS) assert.equal(isPanelNotification({ method, params: {} }), true, method);
    for (const value of [null, { method: 'job/start', params: {} }, { method: '__proto__', params: {} }, { type: 'picked' }]) {
      assert.equal(isPanelNotification(value), false, JSON.stringify(value));
    }
  });

  it('narrows by method and builds messages', () => {
    const msg = command('job/cancel', { jobId: 'j1' });
    assert.ok(is(msg, 'job/cancel'));
    if (is(msg, 'job/cancel')) assert.equal(msg.params.jobId, 'j1');
    assert.equal(is(msg, 'job/start'), false);
    assert.deepEqual(notification('picked', { field: 'data', path: '/d' }), { method: 'picked', params: { field: 'data', path: '/d' } });
    assert.equal(pickCommandFor('evalData'), 'pick/evalData');
  });

  it('dispatches to the handler of the method with its params', () => {
    const calls: string[] = [];
    const handlers = Object.fromEntries(COMMANDS.map((m) => [m, (p: unknown) => calls.push(`${m} ${JSON.stringify(p)}`)])) as unknown as PanelCommandHandlers;
    dispatchCommand(command('inspect', { model: '/m/model.json' }), handlers);
    dispatchCommand(command('panel/ready', { protocol: 1 }), handlers);
    assert.deepEqual(calls, ['inspect {"model":"/m/model.json"}', 'panel/ready {"protocol":1}']);
  });
});
