/** What the views may ask for; the app (app.ts) implements it by updating state or messaging the host. */
import type { PickField } from '../../shared/panelMessages';
import type { FormField, FormValues } from '../state';

export interface PanelActions {
  editForm<F extends FormField>(field: F, value: FormValues[F]): void;
  pick(field: PickField): void;
  editRatio(layerName: string, text: string): void;
  resetSchedule(): void;
  /** Inspect the model again with the form's images (data quality, suspect scan). */
  inspectWithData(): void;
  /** Stop "Check the images" (the scan); the schedule returns to the model's layers. */
  cancelScan(): void;
  start(): void;
  cancel(): void;
  sortLayers(key: string): void;
  openModel(path: string): void;
  openReport(path: string): void;
}
