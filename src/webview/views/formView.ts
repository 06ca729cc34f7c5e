/**
 * The setup form: method, model and data paths (typed, or picked through the host's dialogs),
 * optional evaluation inputs, the settings, and Start/Cancel. Built once; `update` only writes
 * values the user is not editing, so typing is never interrupted by a re-render.
 */
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { BackendChoice } from '../../shared/protocol';
import type { DefenseMethod, DefenseMethodInfo, PickField } from '../../shared/panelMessages';
import { h, memo } from '../dom';
import { dataFieldFor, methodOptionText, startLabel, usesSchedule } from '../methods';
import { isJobActive, type FormField, type FormValues, type PanelState } from '../state';
import type { FormValidation } from '../validation';
import type { PanelActions } from './actions';

interface TextFieldSpec {
  field: Exclude<FormField, 'method' | 'backend'>;
  label: string;
  placeholder: string;
  help?: string;
  pick?: PickField;
  pickLabel?: string;
}

const PATH_FIELDS: readonly TextFieldSpec[] = [
  { field: 'model', label: 'Model', placeholder: '/path/to/model.json', help: 'The suspicious classifier: a TF.js LayersModel (model.json and its weight files).', pick: 'model' },
  { field: 'data', label: 'Unlabeled images', placeholder: 'folder of PNG/JPEG images, or an IDX file', help: 'Used without labels: the original model teaches the copy on these.', pick: 'data' },
  { field: 'out', label: 'Output folder', placeholder: 'default: next to the model, "<model folder>-cleansed"', help: 'Receives the cleansed model and report.json. Never the model\'s own folder.' },
];

const EVAL_FIELDS: readonly TextFieldSpec[] = [
  { field: 'evalData', label: 'Labeled evaluation data', placeholder: 'optional: folder with one subfolder per class', help: 'Only measured, never trained on: clean accuracy (ACC) before, during and after.', pick: 'evalData' },
  { field: 'trigger', label: 'Trigger spec', placeholder: 'optional: trigger.json (badnets, blended, sig, wanet)', help: 'With evaluation data: attack success (ASR) and robust accuracy (RA).', pick: 'trigger' },
];

const SETTING_FIELDS: readonly TextFieldSpec[] = [
  { field: 'epochs', label: 'Epochs', placeholder: '10' },
  { field: 'batch', label: 'Batch size', placeholder: '128' },
  { field: 'lr', label: 'Learning rate', placeholder: '0.01' },
  { field: 'seed', label: 'Seed', placeholder: '0' },
  { field: 'limit', label: 'Image limit', placeholder: 'all', help: 'Use at most this many images.' },
];

export interface FormView {
  element: HTMLElement;
  /** The schedule section is placed by the app between settings and the actions. */
  scheduleSlot: HTMLElement;
  update(state: PanelState, validation: FormValidation): void;
  /** Show every field's error (after a Start with an invalid form). */
  revealErrors(): void;
}

/** The text inputs, their error lines and which ones the user has touched (errors show only there). */
interface FieldRegistry {
  inputs: Map<FormField, VscodeTextfield>;
  errors: Map<FormField, HTMLElement>;
  touched: Set<FormField>;
}

/** A labeled text field with its help, error line and (for paths) a Browse… button. */
function textRow(spec: TextFieldSpec, fields: FieldRegistry, actions: PanelActions): HTMLElement {
  const input = h('vscode-textfield', { id: `field-${spec.field}`, placeholder: spec.placeholder, class: 'grow', 'aria-describedby': `help-${spec.field} error-${spec.field}` });
  input.addEventListener('input', () => {
    fields.touched.add(spec.field);
    actions.editForm(spec.field, input.value);
  });
  fields.inputs.set(spec.field, input);
  const error = h('div', { class: 'field-error', id: `error-${spec.field}`, role: 'alert' });
  fields.errors.set(spec.field, error);
  let pick: HTMLElement | null = null;
  if (spec.pick) {
    const field = spec.pick;
    pick = h('vscode-button', { id: `pick-${field}`, secondary: true, title: `Choose with a dialog` }, 'Browse…');
    pick.addEventListener('click', () => actions.pick(field));
  }
  return h(
    'div',
    { class: `field field-${spec.field}` },
    h('vscode-label', { for: `field-${spec.field}` }, spec.label),
    h('div', { class: 'field-control' }, input, pick),
    spec.help ? h('div', { class: 'field-help', id: `help-${spec.field}` }, spec.help) : null,
    error,
  );
}

/** The defense: BCU (unlabeled), FT/FP/NAD (labeled) or CLP (data-free), with its badge and description. */
function methodField(actions: PanelActions) {
  const select = h('vscode-single-select', { id: 'method', 'aria-label': 'Defense method' });
  const badge = h('vscode-badge', { id: 'method-badge', variant: 'default' });
  const description = h('div', { class: 'field-help', id: 'method-description' });
  select.addEventListener('change', () => actions.editForm('method', select.value as DefenseMethod));
  const element = h('div', { class: 'field field-method' }, h('vscode-label', { for: 'method' }, 'Defense'), h('div', { class: 'field-control' }, select, badge), description);
  const render = (methods: PanelState['methods'], selected: DefenseMethod): DefenseMethodInfo | undefined => {
    select.replaceChildren(...methods.map((m) => h('vscode-option', { value: m.id, selected: m.id === selected, description: m.description, 'data-needs': m.needs }, methodOptionText(m))));
    const current = methods.find((m) => m.id === selected) ?? methods[0];
    badge.textContent = current ? current.needs : '';
    badge.title = current ? (current.needs === 'data-free' ? 'This defense needs no data' : `This defense needs ${current.needs} images`) : '';
    badge.dataset.needs = current?.needs ?? '';
    description.textContent = current ? current.description : '';
    return current;
  };
  return { element, render };
}

function backendField(actions: PanelActions) {
  const select = h('vscode-single-select', { id: 'field-backend', 'aria-label': 'Backend' }) as VscodeSingleSelect;
  select.addEventListener('change', () => actions.editForm('backend', select.value as BackendChoice));
  const element = h('div', { class: 'field field-backend' }, h('vscode-label', { for: 'field-backend' }, 'Backend'), h('div', { class: 'field-control' }, select));
  const render = (backends: readonly BackendChoice[], selected: BackendChoice): void => {
    select.replaceChildren(...backends.map((b) => h('vscode-option', { value: b, selected: b === selected }, b === 'auto' ? 'auto (tensorflow > wasm > cpu)' : b)));
    select.value = selected;
  };
  return { element, render };
}

/** Start, Cancel and the line that says why Start waits or what to fix. */
function actionBar(actions: PanelActions) {
  const start = h('vscode-button', { id: 'start' }, 'Start cleanse');
  const cancel = h('vscode-button', { id: 'cancel', secondary: true, disabled: true }, 'Cancel');
  const status = h('div', { class: 'action-status', id: 'action-status', role: 'status' });
  start.addEventListener('click', () => actions.start());
  cancel.addEventListener('click', () => actions.cancel());
  const element = h('div', { class: 'actions' }, start, cancel, status);
  const update = (state: PanelState, validation: FormValidation, revealAll: boolean): void => {
    const active = isJobActive(state.job);
    start.disabled = active;
    cancel.disabled = !active;
    status.textContent = statusLine(state, validation, revealAll);
  };
  return { element, start, update };
}

/** Each field's error, shown once the user touched it or asked to start. */
function showErrors(fields: FieldRegistry, validation: FormValidation, revealAll: boolean): void {
  for (const [field, el] of fields.errors) {
    const message = validation.errors[field];
    const visible = message !== undefined && (revealAll || fields.touched.has(field));
    el.textContent = visible ? message : '';
    const input = fields.inputs.get(field);
    if (input) input.invalid = visible;
  }
}

export function createFormView(actions: PanelActions): FormView {
  const fields: FieldRegistry = { inputs: new Map(), errors: new Map(), touched: new Set() };
  const row = (spec: TextFieldSpec) => textRow(spec, fields, actions);
  const method = methodField(actions);
  const backend = backendField(actions);
  const bar = actionBar(actions);
  const scheduleSlot = h('div', { class: 'schedule-slot' });
  const scheduleNote = h('div', { class: 'field-help', id: 'schedule-method-note' }, 'Only BCU re-initializes layers: this defense ignores the ratios below. The diagnostics still apply.');
  const element = h(
    'section',
    { id: 'setup', class: 'panel-section' },
    h('h2', undefined, 'Model and data'),
    method.element,
    ...PATH_FIELDS.map(row),
    h('h3', undefined, 'Evaluation ', h('span', { class: 'optional' }, '(optional, needs labels)')),
    ...EVAL_FIELDS.map(row),
    h('h2', undefined, 'Settings'),
    h('div', { class: 'settings-grid' }, ...SETTING_FIELDS.map(row), backend.element),
    scheduleNote,
    scheduleSlot,
    bar.element,
  );
  const dataLabel = element.querySelector('vscode-label[for="field-data"]') as HTMLElement;
  const dataHelp = element.querySelector('#help-data') as HTMLElement;

  // The data field, the schedule note and Start's label follow the chosen defense.
  const renderMethods = memo((methods: PanelState['methods'], selected: DefenseMethod) => {
    const current = method.render(methods, selected);
    const dataField = dataFieldFor(selected);
    dataLabel.textContent = dataField.label;
    dataHelp.textContent = dataField.help;
    const dataInput = fields.inputs.get('data');
    if (dataInput) dataInput.placeholder = dataField.placeholder;
    element.dataset.needs = current?.needs ?? 'unlabeled';
    scheduleNote.hidden = usesSchedule(selected);
    bar.start.textContent = startLabel(selected);
  });
  const renderBackends = memo(backend.render);

  let revealAll = false;
  let lastValidation: FormValidation | null = null;
  return {
    element,
    scheduleSlot,
    update(state, validation) {
      lastValidation = validation;
      syncValues(fields.inputs, state.form);
      renderMethods(state.methods, state.form.method);
      renderBackends(state.backends, state.form.backend);
      showErrors(fields, validation, revealAll);
      bar.update(state, validation, revealAll);
    },
    revealErrors() {
      revealAll = true;
      if (lastValidation) showErrors(fields, lastValidation, revealAll);
    },
  };
}

/** Writes state values into inputs, except the one being typed in (it already has the value). */
function syncValues(inputs: Map<FormField, VscodeTextfield>, form: FormValues): void {
  for (const [field, input] of inputs) {
    const value = form[field];
    if (input.value !== value && !input.matches(':focus-within')) input.value = value;
  }
}

function statusLine(state: PanelState, validation: FormValidation, revealAll: boolean): string {
  if (isJobActive(state.job)) return state.job!.status === 'queued' ? 'Waiting for another job to finish…' : (state.job!.method ?? 'bcu') === 'bcu' ? 'A cleanse is running.' : 'A defense is running.';
  if (validation.ok) return '';
  const count = Object.keys(validation.errors).length + Object.keys(validation.scheduleErrors).length;
  return revealAll ? `Fix ${count} ${count === 1 ? 'field' : 'fields'} to start.` : '';
}
