/**
 * The verdicts beyond ACC/ASR, for a run (under its results) and for an inspect with images
 * (under the schedule): data quality, the suspected target class with its recovered trigger,
 * the backdoor-transfer watch, the kept epoch, and the re-activation probe chart.
 */
import { DIAGNOSTIC_EXPLANATIONS } from '../../shared/diagnosticsText';
import type { DataQuality, SuspectClass, SuspectScan } from '../../shared/report';
import { renderChart } from '../charts';
import { h } from '../dom';
import { formatPercent } from '../format';
import { dataQualityView, focusLine, reactivationChart, selectionLine, suspectLine, triggerImageOf, triggerPictures } from '../findings';
import type { InspectFindings, RunFindings } from '../state';

function dataQualityBlock(quality: DataQuality, idPrefix: string): HTMLElement {
  const view = dataQualityView(quality);
  return h(
    'div',
    { class: `finding data-quality verdict-${view.verdict}`, id: `${idPrefix}-data-quality`, 'data-verdict': view.verdict },
    h('strong', undefined, view.verdict === 'ok' ? 'Data quality: ok. ' : 'Data quality: warning. '),
    view.headline,
    h('div', { class: 'field-help' }, view.figures),
    view.reasons.length > 0 ? h('ul', { class: 'warnings' }, ...view.reasons.map((reason) => h('li', undefined, reason))) : null,
  );
}

function suspectBlock(suspect: SuspectClass | null, scan: SuspectScan | null, idPrefix: string): HTMLElement | null {
  const line = suspectLine(suspect, scan !== null);
  if (!line) return null;
  const image = triggerImageOf(scan);
  const caption = suspect ? `Recovered trigger for class ${suspect.class}` : 'Smallest recovered trigger';
  const focus = focusLine(scan);
  const strip = triggerStrip(scan, idPrefix);
  return h(
    'div',
    { class: `finding suspect ${suspect ? 'verdict-warn' : 'verdict-ok'}`, id: `${idPrefix}-suspect`, title: DIAGNOSTIC_EXPLANATIONS[suspect?.evidence === 'warp' ? 'warpFlip' : 'anomalyIndex'] },
    line,
    focus ? h('div', { class: 'field-help', id: `${idPrefix}-trigger-focus` }, focus) : null,
    strip ??
      (image ? h('figure', { class: 'trigger-figure' }, h('img', { src: image, alt: caption, id: `${idPrefix}-trigger-image`, class: 'trigger-image' }), h('figcaption', { class: 'field-help' }, caption)) : null),
  );
}

/** Mask, pattern and a stamped image of the user's, upscaled with pixelated rendering, and the flip rate. */
function triggerStrip(scan: SuspectScan | null, idPrefix: string): HTMLElement | null {
  const { pictures, cls, flipRate } = triggerPictures(scan);
  if (pictures.length === 0) return null;
  const flips = flipRate === null ? '' : `It sends ${formatPercent(flipRate, 0)} of your images (not already class ${cls}) to class ${cls}.`;
  return h(
    'div',
    { class: 'trigger-pictures', id: `${idPrefix}-trigger-pictures` },
    h(
      'div',
      { class: 'trigger-strip' },
      ...pictures.map((p) =>
        h('figure', undefined, h('img', { src: p.src, alt: `Recovered trigger ${p.caption}`, id: p.key === 'stamped' ? `${idPrefix}-trigger-image` : `${idPrefix}-trigger-${p.key}`, 'data-picture': p.key }), h('figcaption', undefined, p.caption)),
      ),
    ),
    flips ? h('div', { class: 'field-help', id: `${idPrefix}-trigger-flip` }, flips) : null,
  );
}

/** A run's findings (null or empty: nothing rendered). */
export function renderRunFindings(findings: RunFindings | null | undefined): HTMLElement | null {
  if (!findings) return null;
  const blocks: (HTMLElement | null)[] = [];
  if (findings.selection) blocks.push(h('p', { class: 'finding', id: 'run-selection' }, selectionLine(findings.selection)));
  if (findings.dataQuality) blocks.push(dataQualityBlock(findings.dataQuality, 'run'));
  if (findings.suspect) blocks.push(suspectBlock(findings.suspect.suspect, findings.suspect, 'run'));
  if (findings.transferWatch?.warning) {
    blocks.push(h('div', { class: 'finding verdict-warn', id: 'run-transfer-watch', role: 'alert' }, h('strong', undefined, 'Backdoor-transfer watch: '), findings.transferWatch.warning));
  }
  if (findings.reactivation && findings.reactivation.steps.length > 0) {
    const probe = findings.reactivation;
    blocks.push(
      h(
        'div',
        { class: 'finding', id: 'run-reactivation' },
        renderChart('reactivation', `Re-activation probe: ASR after fine-tuning on ${probe.images} triggered images`, reactivationChart(probe), 'step'),
        h('div', { class: 'field-help' }, 'A backdoor that was only hidden comes back within a few steps; a removed one stays low.'),
      ),
    );
  }
  const shown = blocks.filter((b): b is HTMLElement => b !== null);
  if (shown.length === 0) return null;
  return h('div', { class: 'findings', id: 'run-findings' }, h('h3', undefined, 'Findings'), ...shown);
}

/** An inspect's findings on the user's images. */
export function renderInspectFindings(findings: InspectFindings | null | undefined): HTMLElement | null {
  if (!findings) return null;
  const blocks = [
    findings.dataQuality ? dataQualityBlock(findings.dataQuality, 'inspect') : null,
    suspectBlock(findings.suspect ?? null, findings.suspectScan ?? null, 'inspect'),
  ].filter((b): b is HTMLElement => b !== null);
  return blocks.length > 0 ? h('div', { class: 'findings', id: 'inspect-findings' }, ...blocks) : null;
}
