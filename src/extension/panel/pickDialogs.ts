/** What each "Browse…" opens: files or folders, filters and titles (pure; the controller adds URIs). */
import type { PickField } from '../../shared/panelMessages';

export interface PickDialogSpec {
  title: string;
  openLabel: string;
  canSelectFiles: boolean;
  canSelectFolders: boolean;
  filters?: Record<string, string[]>;
}

export const PICK_DIALOGS: Record<PickField, PickDialogSpec> = {
  model: {
    title: 'Suspicious model (TF.js LayersModel model.json, or ONNX .onnx)',
    openLabel: 'Use this model',
    canSelectFiles: true,
    canSelectFolders: false,
    filters: { 'TF.js or ONNX model': ['json', 'onnx'] },
  },
  data: {
    // Folders of images, or an IDX images file: both must be pickable in one dialog.
    title: 'Unlabeled images (a folder, or an IDX images file)',
    openLabel: 'Use these images',
    canSelectFiles: true,
    canSelectFolders: true,
  },
  evalData: {
    title: 'Labeled evaluation data (one subfolder per class, or an IDX file)',
    openLabel: 'Use for evaluation',
    canSelectFiles: true,
    canSelectFolders: true,
  },
  trigger: {
    title: 'Trigger spec (JSON)',
    openLabel: 'Use this trigger',
    canSelectFiles: true,
    canSelectFolders: false,
    filters: { 'Trigger spec': ['json'] },
  },
};
