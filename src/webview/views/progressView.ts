/**
 * Live progress of the current cleanse: status, phase, epoch and step, images per second, ETA,
 * the backend in use (and why), the overall bar, and recent warnings. Re-rendered per change.
 */
import { h } from '../dom';
import { formatDuration, formatRate } from '../format';
import { progressFraction } from '../stepHistory';
import type { JobStatus, JobView } from '../state';

const STATUS_LABEL: Record<JobStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Ended while the panel was closed',
};

const PHASE_LABEL: Record<string, string> = {
  load: 'Loading model and images',
  evaluate: 'Evaluating',
  distill: 'Distilling',
  train: 'Training',
  save: 'Saving',
  scan: 'Scanning for a trigger',
};

export function renderProgress(job: JobView | null): HTMLElement {
  if (!job) {
    return h('section', { id: 'progress', class: 'panel-section', 'data-status': 'idle' }, h('h2', undefined, 'Progress'), h('p', { class: 'muted' }, 'Not started. Fill in the model and data, then Start.'));
  }
  const p = job.progress;
  const active = job.status === 'running' || job.status === 'queued';
  const bar = h('vscode-progress-bar', { id: 'progress-bar', 'aria-label': 'Cleanse progress' });
  if (job.status === 'done') {
    bar.value = 1;
    bar.max = 1;
  } else if (p && (p.phase === 'distill' || p.phase === 'scan') && p.epochs > 0) {
    bar.value = progressFraction(p);
    bar.max = 1;
  } else if (active) {
    bar.indeterminate = true;
  } else {
    bar.value = p ? progressFraction(p) : 0;
    bar.max = 1;
  }
  const figures: [string, string, string][] = [
    ['phase', 'Phase', job.status === 'done' ? 'Finished' : p ? PHASE_LABEL[p.phase] ?? p.phase : active ? 'Starting' : '—'],
    ['epoch', p?.phase === 'scan' ? 'Class' : 'Epoch', p && p.epochs > 0 && p.epoch > 0 ? `${Math.min(p.epoch, p.epochs)} / ${p.epochs}` : '—'],
    ['step', p?.phase === 'scan' ? 'Round' : 'Step', p && p.steps > 0 ? `${p.step} / ${p.steps}` : '—'],
    ['rate', 'Speed', formatRate(p?.imagesPerSecond)],
    ['eta', 'Time left', active ? formatDuration(p?.etaSeconds) : '—'],
    ['backend', 'Backend', job.backend ? `${job.backend.name} · ${job.backend.threads} ${job.backend.threads === 1 ? 'thread' : 'threads'}` : '—'],
  ];
  const warnings = job.logs.filter((l) => l.level === 'warn');
  return h(
    'section',
    { id: 'progress', class: 'panel-section', 'data-status': job.status },
    h('h2', undefined, 'Progress ', h('span', { class: `status-badge status-${job.status}`, id: 'job-status' }, STATUS_LABEL[job.status])),
    bar,
    h(
      'dl',
      { class: 'figures' },
      ...figures.flatMap(([key, label, value]) => [
        h('dt', undefined, label),
        h('dd', { id: `progress-${key}`, title: key === 'backend' ? job.backend?.reason : undefined }, value),
      ]),
    ),
    job.backend ? h('div', { class: 'field-help', id: 'backend-reason' }, job.backend.reason) : null,
    job.params?.out ? h('div', { class: 'field-help path', id: 'progress-out' }, `Output folder: ${job.params.out}`) : null,
    job.error && job.status !== 'cancelled' ? h('div', { class: 'job-error', id: 'job-error', role: 'alert' }, `${job.error.kind}: ${job.error.message}`) : null,
    job.status === 'cancelled' ? h('div', { class: 'muted', id: 'job-cancelled' }, 'Cancelled: nothing was written.') : null,
    job.status === 'interrupted' ? h('div', { class: 'muted' }, 'See the Backdoor Cleanse output channel, or the report in the output folder.') : null,
    warnings.length > 0 ? h('ul', { class: 'warnings', id: 'job-warnings' }, ...warnings.slice(-5).map((w) => h('li', undefined, w.message))) : null,
  );
}
