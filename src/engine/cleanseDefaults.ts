/**
 * The settings a cleanse uses unless the user says otherwise. Where they differ from the reference
 * (luluppang/BCU's run script), the comment says why; README "Choosing the defaults" has the
 * measurements behind them.
 */
import type { DepthSchedule } from './reinitSchedule';
import { REFERENCE_SCHEDULE } from './reinitSchedule';
import type { Scaling } from './data/types';

export interface CleanseDefaults {
  epochs: number;
  batchSize: number;
  lr: number;
  lrSchedule: 'cosine' | 'constant';
  momentum: number;
  weightDecay: number;
  temperatureStart: number;
  temperatureEnd: number;
  temperatureSquared: boolean;
  cropPadding: number;
  flip: boolean;
  schedule: DepthSchedule;
  scaling: Scaling;
  seed: number;
  /** Share of student images given a random patch (0: off, as in the reference). */
  patchAugment: number;
  /** Share of student images blended with a random pattern (0: off, as in the reference). */
  blendAugment: number;
  /** Also re-initialize conv channels whose Lipschitz bound exceeds mean + u*std (0: off). */
  lipschitzU: number;
}

export const REFERENCE_DEFAULTS: CleanseDefaults = {
  epochs: 100,
  batchSize: 256,
  lr: 0.01,
  lrSchedule: 'cosine',
  momentum: 0.9,
  weightDecay: 5e-4,
  temperatureStart: 1,
  temperatureEnd: 4,
  temperatureSquared: false,
  cropPadding: 4,
  flip: false,
  schedule: REFERENCE_SCHEDULE,
  scaling: { mode: 'unit' },
  seed: 0,
  patchAugment: 0,
  blendAugment: 0,
  lipschitzU: 0,
};

export const CLEANSE_DEFAULTS: CleanseDefaults = {
  ...REFERENCE_DEFAULTS,
  // 100 epochs of 5,000 images is hours on a 2-core CPU; 20 is what our measurements use.
  epochs: 20,
};
