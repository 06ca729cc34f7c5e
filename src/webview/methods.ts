/**
 * How the form adapts to the chosen defense (pure): what the data field is called and asks for,
 * whether it is required, and what Start says. BCU needs unlabeled images; FT, FP and NAD train on
 * labeled ones; CLP works from the weights alone (DEFENSE_NEEDS in the protocol).
 */
import { DEFENSE_NEEDS } from '../shared/protocol';
import type { DefenseMethod, DefenseMethodInfo, DefenseNeeds } from '../shared/panelMessages';

export interface DataFieldText {
  label: string;
  placeholder: string;
  help: string;
  required: boolean;
  /** The error when the field is required and empty. */
  missing: string;
}

const DATA_FIELD: Record<DefenseNeeds, DataFieldText> = {
  unlabeled: {
    label: 'Unlabeled images',
    placeholder: 'folder of PNG/JPEG images, or an IDX file',
    help: 'Used without labels: the original model teaches the copy on these.',
    required: true,
    missing: 'pick a folder of unlabeled images (or an IDX file)',
  },
  labeled: {
    label: 'Labeled images',
    placeholder: 'folder with one subfolder per class, or an IDX file with its labels',
    help: 'Must be labeled: one subfolder per class (or IDX images with their labels file). This defense trains on them.',
    required: true,
    missing: 'this defense needs labeled images: a folder with one subfolder per class (or an IDX file with labels)',
  },
  'data-free': {
    label: 'Images (not required)',
    placeholder: 'not needed: this defense reads the weights only',
    help: 'Not required: this defense works from the weights alone, without any images.',
    required: false,
    missing: '',
  },
};

export function needsOf(method: DefenseMethod): DefenseNeeds {
  return DEFENSE_NEEDS[method] ?? 'unlabeled';
}

export function dataFieldFor(method: DefenseMethod): DataFieldText {
  return DATA_FIELD[needsOf(method)];
}

/** Option text in the method list: the label and its badge ("FT: fine-tune · labeled"). */
export function methodOptionText(info: DefenseMethodInfo): string {
  return `${info.label} · ${info.needs}`;
}

export function startLabel(method: DefenseMethod): string {
  return method === 'bcu' ? 'Start cleanse' : `Start ${method.toUpperCase()}`;
}

/** Only BCU re-initializes, so only it takes the schedule's ratios. */
export function usesSchedule(method: DefenseMethod): boolean {
  return method === 'bcu';
}
