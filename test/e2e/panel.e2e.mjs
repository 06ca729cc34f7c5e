// Click-through of the cleanse panel in a real VS Code (code-server) with headless Chromium:
// open the panel from the command palette, type the paths, start a cleanse, watch the progress,
// read the results and layer tables, sort, open the report, reload the window (serializer +
// setState restore), then start again and cancel, then run CLP (a defend job). Screenshots after
// each stage.
//
//   node test/e2e/panel.e2e.mjs <workbench-url> <screenshots-dir>
//
// Inputs: BCU_E2E_MODEL (model.json) and BCU_E2E_DATA (unlabeled folder), optionally BCU_E2E_EVAL
// (labeled folder) and BCU_E2E_TRIGGER (spec). Without them the test writes a tiny model, images,
// a labeled copy and a BadNets spec itself. BCU_E2E_EPOCHS / BCU_E2E_BATCH (default 5 / 8) size
// the run; BCU_E2E_TIMEOUT_MS bounds it (default 240 s).
// The last line is `e2e: N passed, N failed`; the exit code is non-zero on any failure.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const url = process.argv[2];
const shots = path.resolve(process.argv[3] || 'e2e-screenshots');
if (!url) {
  console.error('usage: node test/e2e/panel.e2e.mjs <workbench-url> <screenshots-dir>');
  process.exit(2);
}
fs.mkdirSync(shots, { recursive: true });
const RUN_TIMEOUT = Number(process.env.BCU_E2E_TIMEOUT_MS || 240000);
const T0 = Date.now();
const elapsed = () => `${((Date.now() - T0) / 1000).toFixed(1)}s`;
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''} [${elapsed()}]`);
  if (ok) passed++;
  else failed++;
  return ok;
}

// ---- inputs: from the environment, or a tiny model and images made here ----
async function prepareInputs() {
  if (process.env.BCU_E2E_MODEL && process.env.BCU_E2E_DATA) {
    return {
      model: process.env.BCU_E2E_MODEL,
      data: process.env.BCU_E2E_DATA,
      evalData: process.env.BCU_E2E_EVAL || '',
      trigger: process.env.BCU_E2E_TRIGGER || '',
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcu-panel-e2e-'));
  scratch.push(dir);
  const tf = require('@tensorflow/tfjs');
  const { PNG } = require('pngjs');
  await tf.setBackend('cpu');
  const size = 16;
  // Ten classes: the suspect scan then fits ten triggers, long enough to watch it move and cancel it.
  const classes = 10;
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [size, size, 3], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', name: 'conv2' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: classes, activation: 'softmax', name: 'fc' }),
    ],
  });
  const modelDir = path.join(dir, 'suspicious');
  fs.mkdirSync(modelDir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      fs.writeFileSync(path.join(modelDir, 'weights.bin'), Buffer.from(artifacts.weightData));
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      fs.writeFileSync(path.join(modelDir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const writeImage = (file, seed) => {
    const png = new PNG({ width: size, height: size });
    for (let i = 0; i < size * size; i++) {
      const v = (Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453) % 1;
      png.data[i * 4] = Math.floor(Math.abs(v) * 255);
      png.data[i * 4 + 1] = Math.floor(((seed * 37 + i) % 256));
      png.data[i * 4 + 2] = Math.floor((i * 7 + seed) % 256);
      png.data[i * 4 + 3] = 255;
    }
    fs.writeFileSync(file, PNG.sync.write(png));
  };
  const data = path.join(dir, 'unlabeled');
  fs.mkdirSync(data);
  for (let i = 0; i < 48; i++) writeImage(path.join(data, `img${i}.png`), i);
  const evalData = path.join(dir, 'labeled');
  for (let c = 0; c < classes; c++) {
    fs.mkdirSync(path.join(evalData, String(c)), { recursive: true });
    for (let i = 0; i < 6; i++) writeImage(path.join(evalData, String(c), `img${i}.png`), 1000 + c * 10 + i);
  }
  const trigger = path.join(dir, 'badnets.json');
  fs.writeFileSync(trigger, JSON.stringify({ type: 'badnets', target: 0, size: 3, position: 'bottom-right' }));
  console.log(`inputs written to ${dir}`);
  return { model: path.join(modelDir, 'model.json'), data, evalData, trigger };
}

// ---- workbench helpers ----
/** Folders this run made (inputs, browser profile), removed at the end unless BCU_E2E_KEEP=1. */
const scratch = [fs.mkdtempSync(path.join(os.tmpdir(), 'bcu-e2e-chromium-'))];
const context = await chromium.launchPersistentContext(scratch[0], {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] || (await context.newPage());
const consoleProblems = [];
page.on('console', (m) => {
  const text = m.text();
  if (/Content Security Policy|Refused to (load|apply|execute)/i.test(text)) consoleProblems.push(text);
});
const external = new Set();
// Webview resources use URLs on *.vscode-resource.vscode-cdn.net that the webview's service worker
// answers from the extension host; they count as remote only if the network answered them.
const isWebviewResource = (u) => u.hostname.endsWith('.vscode-resource.vscode-cdn.net');
context.on('request', (r) => {
  const u = new URL(r.url());
  if (['data:', 'blob:', 'vscode-webview:'].includes(u.protocol) || ['127.0.0.1', 'localhost'].includes(u.hostname) || isWebviewResource(u)) return;
  external.add(u.origin);
});
context.on('response', (r) => {
  const u = new URL(r.url());
  if (isWebviewResource(u) && !r.fromServiceWorker()) external.add(`${u.origin} (not from the service worker)`);
});
context.on('requestfailed', (r) => {
  const u = new URL(r.url());
  if (isWebviewResource(u)) external.add(`${u.origin} (failed: ${r.failure()?.errorText})`);
});

async function shot(name) {
  await page.waitForTimeout(400); // let animations settle
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function runCommand(label) {
  // Extension commands appear in the palette only after the remote extension scan: retry.
  const deadline = Date.now() + 90000;
  for (;;) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15000 });
    await input.fill(`>${label}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
    try {
      await row.waitFor({ timeout: 2500 });
      await page.keyboard.press('Enter');
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`command "${label}" never appeared in the palette`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
  }
}

/** The panel's document: two nested iframes (the webview host, then the content frame). */
const panel = () => page.frameLocator('iframe.webview:visible').frameLocator('#active-frame');
const text = async (selector) => ((await panel().locator(selector).first().textContent()) ?? '').trim();

async function waitForText(selector, pattern, timeout) {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = await text(selector).catch(() => '');
    if (pattern.test(last)) return last;
    await page.waitForTimeout(250);
  }
  throw new Error(`${selector} never matched ${pattern} (last: "${last}")`);
}

/**
 * Start, and answer the data check: the generated model and images are random, so the cleanse stops
 * before training (out of distribution) and VS Code asks in a modal whether to go on with milder
 * settings. Returns the dialog's text ('' when none came within `timeout`).
 */
async function startAndAcceptDataWarning(timeout = 120000) {
  await panel().locator('#start').click();
  const goOn = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Go on with milder settings' }).first();
  const shown = await goOn.waitFor({ state: 'visible', timeout }).then(() => true, () => false);
  if (!shown) return '';
  const message = ((await page.locator('.monaco-dialog-box').first().textContent()) ?? '').trim();
  await goOn.click();
  return message;
}

/** Picks an entry of the open context menu (VS Code draws it in a shadow root: role selectors reach it). */
async function chooseMenuItem(label) {
  const item = page.getByRole('menuitem', { name: label }).first();
  try {
    // VS Code ignores a click that lands right after the menu opened (it guards against the
    // right-click's own mouse-up): on an idle machine the click came too soon.
    await item.waitFor({ state: 'visible', timeout: 5000 });
    await page.waitForTimeout(500);
    await item.click({ timeout: 5000 });
  } catch {
    // Keyboard fallback: walk the menu until the entry is focused.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('ArrowDown');
      const focused = await page.evaluate(() => {
        let el = document.activeElement;
        while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
        return el ? el.textContent : '';
      });
      if (focused && focused.includes(label)) break;
    }
    await page.keyboard.press('Enter');
  }
}

/** The text of the editor in the active editor group. */
async function activeEditorText() {
  // Monaco draws spaces as no-break spaces.
  const raw = (await page.locator('.editor-group-container.active .view-lines').first().textContent().catch(() => '')) ?? '';
  return raw.replace(/\u00a0/g, ' ');
}

async function waitForValue(selector, pattern, timeout) {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = await panel().locator(selector).evaluate((el) => el.value).catch(() => '');
    if (pattern.test(last)) return last;
    await page.waitForTimeout(500);
  }
  throw new Error(`${selector} never matched ${pattern} (last: "${last}")`);
}

async function fillField(id, value) {
  const input = panel().locator(`#${id} input`);
  await input.fill(value);
}

/** Every header cell of a table is inside its scroll box, or the box scrolls sideways to it; the box fits the panel. */
async function checkColumnsReachable(name) {
  const box = await panel().locator(`#${name}-table`).evaluate((table) => {
    const scroller = table.closest('.table-scroll');
    const s = scroller.getBoundingClientRect();
    const cells = [...table.querySelectorAll('thead th')].map((th) => th.getBoundingClientRect().right);
    const scrolls = getComputedStyle(scroller).overflowX === 'auto' && scroller.scrollWidth > scroller.clientWidth;
    scroller.scrollLeft = scroller.scrollWidth;
    const stickyLeft = table.querySelector('thead th').getBoundingClientRect().left - scroller.getBoundingClientRect().left;
    scroller.scrollLeft = 0;
    return { clipped: cells.filter((right) => right > s.right + 1).length, scrolls, stickyLeft: Math.round(stickyLeft), boxRight: Math.round(s.right), viewport: document.documentElement.clientWidth };
  });
  const ok = box.boxRight <= box.viewport && (box.clipped === 0 || (box.scrolls && Math.abs(box.stickyLeft) <= 1));
  check(`${name} table: no column clipped at ${(await page.viewportSize()).width} px (fits, or scrolls with a sticky first column)`, ok, JSON.stringify(box));
}

/** Waits until no job runs (the status bar's running item is gone). */
async function waitForJobsIdle(timeout = 60000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if ((await page.locator('.statusbar-item', { hasText: /Inspecting|Cleansing|Defending|Evaluating/ }).count()) === 0) return;
    await page.waitForTimeout(250);
  }
}

async function readLayerColumn(column) {
  return panel().locator(`#layers-table tbody td[data-column="${column}"]`).allTextContents();
}

// ---- the click-through ----
try {
  const inputs = await prepareInputs();
  console.log(`model ${inputs.model}\ndata ${inputs.data}\neval ${inputs.evalData || '(none)'}\ntrigger ${inputs.trigger || '(none)'}`);

  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  check('workbench rendered', (await page.locator('.monaco-workbench .part.editor').count()) === 1);

  await runCommand('Backdoor Cleanse: Open Panel');
  await panel().locator('#field-model').waitFor({ timeout: 30000 });
  const panelTitle = await text('h1');
  const panelTabs = await page.locator('.tabs-container .tab', { hasText: 'Backdoor Cleanse' }).count();
  check('panel opened from the command palette', panelTitle === 'Backdoor Cleanse' && panelTabs === 1, `h1 "${panelTitle}", ${panelTabs} tab(s)`);
  const methodOptions = await panel().locator('#method vscode-option').evaluateAll((options) => options.map((o) => `${o.getAttribute('value')}:${o.getAttribute('data-needs')}:${/· (unlabeled|labeled|data-free)$/.test((o.textContent ?? '').trim())}`));
  check(
    'method select lists BCU, FT, FP, NAD and CLP with their badges',
    methodOptions.join(' ') === 'bcu:unlabeled:true ft:labeled:true fp:labeled:true nad:labeled:true clp:data-free:true' && (await text('#method-badge')) === 'unlabeled',
    `${methodOptions.join(' ')}; badge "${await text('#method-badge')}"`,
  );
  check('settings start from the extension defaults', /^\d+$/.test(await panel().locator('#field-epochs').evaluate((el) => el.value)));
  await shot('01-panel-open');

  // Paths are typed (native dialogs can't be driven in a browser); the Browse buttons exist too.
  check('Browse buttons for model, data, evaluation data and trigger', (await panel().locator('#pick-model, #pick-data, #pick-evalData, #pick-trigger').count()) === 4);
  await fillField('field-model', inputs.model);
  await fillField('field-data', inputs.data);
  if (inputs.evalData) await fillField('field-evalData', inputs.evalData);
  if (inputs.trigger) await fillField('field-trigger', inputs.trigger);
  // Enough steps (5 epochs x 6 steps on the generated 48 images) to see the progress move.
  await fillField('field-epochs', process.env.BCU_E2E_EPOCHS || '5');
  await fillField('field-batch', process.env.BCU_E2E_BATCH || '8');

  // The inspect job fills the schedule table with the model's layers and default ratios.
  // (It waits behind any running job, and the first job also starts the worker: allow a minute.)
  await panel().locator('#schedule[data-status="ready"], #schedule[data-status="error"]').waitFor({ timeout: 60000 });
  const scheduleRows = await panel().locator('#schedule-table tbody tr').count();
  check('schedule table lists the model layers', scheduleRows > 0, scheduleRows > 0 ? `${scheduleRows} rows` : await text('#schedule-status'));
  const ratioInputs = panel().locator('#schedule-table .ratio-input');
  if ((await ratioInputs.count()) > 0) {
    await ratioInputs.last().locator('input').fill('0.2');
    const summary = await waitForText('#schedule-summary', /1 layer edited/, 5000).catch((e) => e.message);
    check('editing a ratio marks the schedule as edited', /1 layer edited/.test(summary), summary);
  }
  // One row height, ratios as typed, and at 1400 px either every column fits or the table scrolls
  // sideways with the layer names kept in view.
  const rowHeights = await panel().locator('#schedule-table tbody tr').evaluateAll((rows) => rows.map((r) => Math.round(r.getBoundingClientRect().height * 10) / 10));
  check('schedule rows all have one height', rowHeights.length > 1 && rowHeights.every((h) => Math.abs(h - rowHeights[0]) < 1), rowHeights.join(','));
  const ratioTexts = await panel().locator('#schedule-table .ratio-input').evaluateAll((els) => els.map((el) => el.value));
  check('ratios show as typed (no "0.0300000")', ratioTexts.length > 0 && ratioTexts.every((t) => /^(0|1|0\.\d{1,4})$/.test(t)), ratioTexts.join(','));
  await checkColumnsReachable('schedule');

  // "Check the images": the scan reports class k of K and moves; Cancel during it leaves the
  // schedule as it was, with no findings.
  await panel().locator('#schedule-scan').click();
  const scanSeen = new Set();
  const scanDeadline = Date.now() + 120000;
  while (Date.now() < scanDeadline && scanSeen.size < 2) {
    const status = await text('#schedule-status');
    if (/class \d+ of \d+/.test(status)) scanSeen.add(status);
    else await page.waitForTimeout(50);
  }
  check('the scan shows its progress per class and it moves', scanSeen.size >= 2, [...scanSeen].slice(0, 2).join(' -> '));
  await shot('02a-scan-progress');
  await panel().locator('#schedule-scan-cancel').click();
  await page.waitForTimeout(1500);
  const afterCancel = await text('#schedule-status');
  check(
    'Cancel during the scan leaves the schedule without findings',
    /^\d+ layers/.test(afterCancel) && (await panel().locator('#inspect-findings').count()) === 0 && (await panel().locator('#schedule-scan-cancel').isHidden()),
    afterCancel,
  );
  await waitForJobsIdle();
  // Again, to the end: per-layer statistics, the data-quality verdict and the recovered trigger
  // (inline PNGs: the CSP allows data: only).
  await panel().locator('#schedule-scan').click();
  await panel().locator('#inspect-findings').waitFor({ timeout: 180000 }).catch(() => undefined);
  const statColumns = await panel().locator('#schedule-table th[data-column]').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-column')));
  check(
    '"Check the images" adds activation columns and the data-quality verdict',
    statColumns.includes('activationMean') && (await panel().locator('#inspect-data-quality[data-verdict]').count()) === 1,
    `${statColumns.join(',')}; ${await text('#schedule-status')}`,
  );
  await checkColumnsReachable('schedule'); // again, with the scan's extra columns
  const pictures = await panel().locator('#inspect-trigger-pictures img').evaluateAll((imgs) =>
    imgs.map((img) => ({ key: img.dataset.picture, inline: img.src.startsWith('data:image/png;base64,'), width: img.getBoundingClientRect().width, natural: img.naturalWidth, rendering: getComputedStyle(img).imageRendering })),
  );
  check(
    'the recovered trigger shows as mask, pattern and a stamped image, upscaled and pixelated, with the flip rate',
    pictures.map((p) => p.key).join(',') === 'mask,pattern,stamped' && pictures.every((p) => p.inline && p.width >= 4 * p.natural && p.rendering === 'pixelated') && /of your images/.test(await text('#inspect-trigger-flip')),
    JSON.stringify(pictures),
  );
  await panel().locator('#schedule-findings').scrollIntoViewIfNeeded();
  await shot('02-form-filled');

  // Start: the data check stops it and asks; go on, then watch live progress move.
  const dataWarning = await startAndAcceptDataWarning();
  check('the data check stops a cleanse on out-of-distribution images and asks before going on', /data check failed/.test(dataWarning) && /--accept-data-warning/.test(dataWarning), dataWarning.slice(0, 200));
  const startedStatus = await waitForText('#job-status', /Running|Queued|Done/, 30000).catch((e) => e.message);
  check('start shows the job as running', /^(Running|Queued|Done)$/.test(startedStatus), startedStatus);
  let progressMoved = false;
  let firstSeen = '';
  const moveDeadline = Date.now() + RUN_TIMEOUT;
  while (Date.now() < moveDeadline) {
    const status = await text('#job-status');
    const now = `${await text('#progress-epoch')} ${await text('#progress-step')}`;
    if (/^\d/.test(now.trim())) {
      if (firstSeen && now !== firstSeen) {
        progressMoved = true;
        break;
      }
      if (!firstSeen) {
        firstSeen = now;
        await shot('03-running');
      }
    }
    if (/Done|Failed|Cancelled/.test(status)) break;
    await page.waitForTimeout(150);
  }
  check('progress updates live (epoch/step)', progressMoved, `first "${firstSeen}"`);
  if (!firstSeen) await shot('03-running');
  check('backend in use is shown', /wasm|tensorflow|cpu/.test(await text('#progress-backend')), await text('#progress-backend'));

  const finalStatus = await waitForText('#job-status', /Done|Failed|Cancelled/, RUN_TIMEOUT);
  check('the cleanse finishes', finalStatus === 'Done', finalStatus === 'Done' ? '' : `${finalStatus}: ${await text('#job-error').catch(() => '')}`);
  await shot('04-done');

  // Charts: loss and agreement curves were drawn.
  check('loss chart has a curve', (await panel().locator('#chart-loss .series path').count()) > 0);
  check('agreement chart has points', (await panel().locator('#chart-agreement .series circle').count()) > 0);
  if (inputs.evalData) check('ACC/ASR chart shown with evaluation data', (await panel().locator('#chart-eval').count()) === 1);

  // Results: before/after (with evaluation data) and the layer diagnostics.
  if (inputs.evalData) {
    const metricRows = await panel().locator('#metrics-table tbody tr[data-key]').count();
    check('before/after table has ACC (and ASR with a trigger)', metricRows >= (inputs.trigger ? 2 : 1), `${metricRows} rows`);
    const acc = await panel().locator('#metrics-table tr[data-key="acc"] td').allTextContents();
    check('before/after ACC cells are figures', acc.slice(0, 2).every((t) => /%$/.test(t.trim())), acc.join(' | '));
  }
  const layerRows = await panel().locator('#layers-table tbody tr').count();
  check('layer diagnostics table has rows', layerRows > 0, `${layerRows} rows`);
  await panel().locator('#layers-table').scrollIntoViewIfNeeded();
  await shot('05-results');

  // Sorting: weight drift, largest first, then flipped.
  await panel().locator('#layers-table th button[data-sort-key="weightDrift"]').click();
  await page.waitForTimeout(300);
  const sortedHeader = panel().locator('#layers-table th:has(button[data-sort-key="weightDrift"])');
  const drifts = (await readLayerColumn('weightDrift')).map((t) => Number.parseFloat(t)).filter((v) => Number.isFinite(v));
  check(
    'clicking "Weight drift" sorts largest first',
    (await sortedHeader.getAttribute('aria-sort')) === 'descending' && drifts.every((v, i) => i === 0 || v <= drifts[i - 1]),
    drifts.join(','),
  );
  await panel().locator('#layers-table th button[data-sort-key="weightDrift"]').click();
  await page.waitForTimeout(300);
  check('clicking again sorts smallest first', (await sortedHeader.getAttribute('aria-sort')) === 'ascending');
  await shot('06-sorted');

  // Open the report in an editor.
  await panel().locator('#open-report').click();
  const reportTab = page.locator('.tabs-container .tab', { hasText: 'report.json' });
  await reportTab.first().waitFor({ timeout: 20000 }).then(
    () => check('"Open report" opens report.json in an editor', true),
    () => check('"Open report" opens report.json in an editor', false),
  );
  await shot('07-report-open');

  // Reload the window: the serializer brings the panel back and setState its contents.
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  const panelTab = page.locator('.tabs-container .tab', { hasText: 'Backdoor Cleanse' }).first();
  await panelTab.waitFor({ timeout: 60000 });
  await panelTab.click();
  await panel().locator('#job-status').waitFor({ timeout: 60000 });
  const restoredStatus = await waitForText('#job-status', /Done/, 20000).catch(() => text('#job-status'));
  check('after a window reload the panel is restored with its results', restoredStatus === 'Done' && (await panel().locator('#layers-table tbody tr').count()) === layerRows, restoredStatus);
  check('restored form keeps the model path', (await panel().locator('#field-model').evaluate((el) => el.value)) === inputs.model);
  await shot('08-after-reload');

  // Start again and cancel: the run ends as cancelled and Start comes back.
  await startAndAcceptDataWarning();
  await waitForText('#job-status', /Running|Queued/, 30000);
  await panel().locator('#cancel').click();
  const cancelled = await waitForText('#job-status', /Cancelled|Done|Failed/, 60000).catch((e) => e.message);
  check('Cancel stops a running cleanse', cancelled === 'Cancelled', cancelled);
  check('Start is enabled again after the cancel', !(await panel().locator('#start').evaluate((el) => el.disabled)));
  await shot('09-cancelled');

  // Another defense: CLP needs no images, runs as a defend job and shows its results like a cleanse.
  await panel().locator('#method').evaluate((el) => {
    el.value = 'clp';
    el.dispatchEvent(new Event('change'));
  });
  await waitForText('#start', /Start CLP/, 5000).catch(() => undefined);
  check('choosing CLP badges it "data-free" and makes the images optional', (await text('#method-badge')) === 'data-free' && /not required/.test(await text('vscode-label[for="field-data"]')), `${await text('#method-badge')}; ${await text('vscode-label[for="field-data"]')}`);
  await fillField('field-data', '');
  await panel().locator('#start').click();
  await waitForText('#job-status', /Running|Queued|Done/, 30000);
  const clpStatus = await waitForText('#job-status', /Done|Failed|Cancelled/, RUN_TIMEOUT).catch((e) => e.message);
  check('a CLP run (defend job) finishes and shows its results', clpStatus === 'Done' && /defended/.test(await text('#open-model')) && /Defense: CLP/.test(await text('#results-summary')), clpStatus === 'Done' ? await text('#results-summary') : `${clpStatus}: ${await text('#job-error').catch(() => '')}`);
  await panel().locator('#results').scrollIntoViewIfNeeded();
  await shot('10-clp-done');

  // The Runs view (Explorer) lists both finished runs; a click opens one in the panel; two selected
  // runs compare side by side; one exports as Markdown beside its report.json.
  const runsHeader = page.locator('.pane-header', { hasText: 'Backdoor Cleanse Runs' }).first();
  await runsHeader.waitFor({ timeout: 30000 });
  if ((await runsHeader.getAttribute('aria-expanded')) !== 'true') await runsHeader.click();
  const runRows = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Backdoor Cleanse Runs' }) }).locator('.monaco-list-row');
  await runRows.filter({ hasText: 'CLP defense' }).first().waitFor({ timeout: 30000 }).catch(() => undefined);
  const rowTexts = await runRows.allTextContents();
  check('the Runs view lists the finished cleanse and defense with their figures', rowTexts.some((t) => /BCU cleanse/.test(t) && /ACC/.test(t)) && rowTexts.some((t) => /CLP defense/.test(t)), rowTexts.join(' | '));
  await shot('11-runs-view');
  await runRows.filter({ hasText: 'BCU cleanse' }).first().click();
  const reopened = await waitForText('#results-model-path', /Cleansed model/, 15000).catch((e) => e.message);
  check('clicking a run opens it in the panel', /Cleansed model/.test(reopened) && (await text('#job-status')) === 'Done', reopened);
  await runRows.filter({ hasText: 'CLP defense' }).first().click({ modifiers: ['Control'] });
  await runRows.filter({ hasText: 'BCU cleanse' }).first().click({ button: 'right' });
  await chooseMenuItem('Compare Runs');
  await page.locator('.tabs-container .tab', { hasText: 'Untitled' }).first().waitFor({ timeout: 15000 }).catch(() => undefined);
  await page.waitForTimeout(500);
  const comparisonText = await activeEditorText();
  check('Compare Runs shows both runs side by side', /Comparing two runs/.test(comparisonText) && /BCU cleanse/.test(comparisonText) && /CLP defense/.test(comparisonText), comparisonText.slice(0, 160));
  await shot('12-compare-runs');
  await runRows.filter({ hasText: 'BCU cleanse' }).first().click({ button: 'right' });
  await chooseMenuItem('Export Run as Markdown');
  const mdTab = await page.locator('.tabs-container .tab', { hasText: 'report.md' }).first().waitFor({ timeout: 15000 }).then(() => true, () => false);
  await page.waitForTimeout(500);
  const mdText = await activeEditorText();
  check('Export Run as Markdown writes report.md with hashes and metrics', mdTab && /Model SHA-256/.test(mdText), mdText.slice(0, 120));
  await shot('13-export-markdown');

  // Problems: an unwarned cleanse puts no entry there (only warned layers do).
  await page.keyboard.press('Control+Shift+M');
  await page.waitForTimeout(800);
  const problemRows = await page.locator('.markers-panel .monaco-list-row').allTextContents().catch(() => []);
  check('Problems holds no informational entry of the cleanse', !problemRows.some((t) => /re-initialized/.test(t)), `${problemRows.length} rows: ${problemRows.slice(0, 3).join(' | ')}`);

  // The annotations on the cleansed model.json (CodeLens at the top), for the README's screenshot.
  await page.keyboard.press('Control+Shift+M'); // close the Problems panel again
  const panelTabForModel = page.locator('.tabs-container .tab', { hasText: 'Backdoor Cleanse' }).first();
  await panelTabForModel.click().catch(() => undefined);
  await panel().locator('#open-model').click().catch(() => undefined);
  const lens = await page.locator('.contentWidgets .codelens-decoration, .codelens-decoration').first().waitFor({ timeout: 15000 }).then(() => true, () => false);
  check('the cleansed model.json opens with its CodeLens', lens && /Backdoor Cleanse/.test((await page.locator('.codelens-decoration').first().textContent().catch(() => '')) ?? ''));
  await shot('13a-annotations');

  // The guided first run: "Try on a Demo Model" makes the demo in the workspace and opens the
  // panel filled in.
  await runCommand('Backdoor Cleanse: Try on a Demo Model');
  const demoModel = await waitForValue('#field-model', /backdoor-cleanse-demo[\\/]backdoored[\\/]model\.json$/, Number(process.env.BCU_E2E_DEMO_TIMEOUT_MS || 420000)).catch((e) => e.message);
  const demoFields = await Promise.all(['#field-data', '#field-evalData', '#field-trigger'].map((id) => panel().locator(id).evaluate((el) => el.value).catch(() => '')));
  check(
    'Try on a Demo Model makes the demo in the workspace and fills the panel',
    /backdoored/.test(demoModel) && /unlabeled$/.test(demoFields[0]) && /labeled$/.test(demoFields[1]) && /badnets\.json$/.test(demoFields[2]),
    `${demoModel}; ${demoFields.join('; ')}`,
  );
  await panel().locator('#schedule[data-status="ready"]').waitFor({ timeout: 60000 }).catch(() => undefined);
  await panel().locator('#setup').scrollIntoViewIfNeeded();
  await shot('14-demo-filled');

  check('no CSP violation in the console', consoleProblems.length === 0, consoleProblems.slice(0, 3).join(' | '));
  check('no request left the machine', external.size === 0, [...external].join(', '));
} catch (error) {
  check('click-through', false, String(error && error.message ? error.message : error).split('\n')[0]);
  await page.screenshot({ path: path.join(shots, 'error.png') }).catch(() => undefined);
} finally {
  await context.close().catch(() => undefined);
  if (process.env.BCU_E2E_KEEP !== '1') {
    // Chromium still writes its "Local State" just after close: give it a moment first.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  console.log(`screenshots in ${shots}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}
