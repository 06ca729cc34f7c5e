/**
 * jobSpecFrom: the palette commands and the panel build the job they run the same way, from the
 * configuration and what the user gave.
 */
import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG, type ExtensionConfig } from '../../../src/extension/config';
import { defaultOutputFolder, jobSpecFrom, panelDefaults, type JobPlaces } from '../../../src/extension/jobSpecFrom';
import { initialFormValues } from '../../../src/webview/state';
import { validateForm } from '../../../src/webview/validation';

const places = (existing: string[] = []): JobPlaces => ({
  absolute: (file) => (file.startsWith('/') ? file.trim() : `/ws/${file.trim()}`),
  workspaceFolderOf: () => '/ws',
  exists: (folder) => existing.includes(folder),
});

describe('jobSpecFrom', () => {
  const config: ExtensionConfig = { ...DEFAULT_CONFIG, epochs: 7, batch: 32, learningRate: 0.02, seed: 5, backend: 'wasm', limit: 300 };

  it('gives the same spec from the palette (model and data only) and from the panel (its form, started from the same configuration)', () => {
    const palette = jobSpecFrom(config, { kind: 'cleanse', params: { model: '/m/model.json', data: '/d' } }, places());
    const form = { ...initialFormValues(panelDefaults(config)), model: '/m/model.json', data: '/d' };
    const validation = validateForm(form, null);
    assert.ok(validation.ok);
    const panel = jobSpecFrom(config, validation.spec, places());
    assert.deepEqual(panel, palette);
    assert.deepEqual(palette, {
      ok: true,
      spec: { kind: 'cleanse', params: { model: '/m/model.json', data: '/d', out: '/m-cleansed', epochs: 7, batch: 32, lr: 0.02, seed: 5, backend: 'wasm', limit: 300 } },
    });
  });

  it('an image limit cleared in the panel stays cleared (all images), whatever the configuration says', () => {
    const form = { ...initialFormValues(panelDefaults(config)), model: '/m/model.json', data: '/d', limit: '' };
    const validation = validateForm(form, null);
    assert.ok(validation.ok);
    const choice = jobSpecFrom(config, validation.spec, places());
    assert.ok(choice.ok);
    assert.equal('limit' in choice.spec.params, false);
  });

  it("keeps the caller's settings over the configuration's, and no limit when it is 0 (all images)", () => {
    const choice = jobSpecFrom(config, { kind: 'cleanse', params: { model: 'm/model.json', data: 'd', out: 'o', epochs: 2, lr: 0.5, limit: 0, temperatureEnd: 3 } }, places());
    assert.deepEqual(choice, {
      ok: true,
      spec: { kind: 'cleanse', params: { model: '/ws/m/model.json', data: '/ws/d', out: '/ws/o', epochs: 2, batch: 32, lr: 0.5, seed: 5, backend: 'wasm', temperatureEnd: 3 } },
    });
  });

  it('never picks an existing folder as the default output folder, and follows the outputFolder pattern', () => {
    const model = '/ws/m/model.json';
    assert.equal(defaultOutputFolder(DEFAULT_CONFIG, model, places(['/ws/m-cleansed', '/ws/m-cleansed-2'])), '/ws/m-cleansed-3');
    assert.equal(defaultOutputFolder({ ...DEFAULT_CONFIG, outputFolder: '${workspaceFolder}/clean/${modelDirName}' }, model, places()), '/ws/clean/m');
  });

  it('refuses a request that is not a job the panel can start', () => {
    assert.deepEqual(jobSpecFrom(config, { kind: 'inspect', params: {} } as never, places()), { ok: false, message: 'unknown job "inspect".' });
    assert.deepEqual(jobSpecFrom(config, null as never, places()), { ok: false, message: 'unknown job "undefined".' });
    assert.deepEqual(jobSpecFrom(config, { kind: 'defend', params: { method: 'xx' as never, model: '/m.json' } }, places()), { ok: false, message: 'unknown defense "xx".' });
  });
});
