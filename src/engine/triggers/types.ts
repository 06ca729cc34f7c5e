/**
 * Trigger specs: what a user writes in a trigger JSON file (see README, "The command line"),
 * after validation and with every default filled in. The four attacks are those the BCU paper
 * evaluates (Pang et al., CVPR 2023), with BackdoorBench's pixel conventions.
 */

/** Which corner a BadNets patch is pasted on. */
export type PatchPosition = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';

export const PATCH_POSITIONS: readonly PatchPosition[] = ['bottom-right', 'bottom-left', 'top-right', 'top-left'];

/**
 * How poisoned training images are labeled by the attack lab: 'dirty' relabels them to the target,
 * 'clean' poisons only images that already belong to the target. Informational for evaluation.
 */
export type PoisonLabel = 'dirty' | 'clean';

interface TriggerSpecBase {
  /** The class the backdoor sends triggered images to (all-to-one). */
  target: number;
  poisonLabel: PoisonLabel;
}

/** Gu et al. 2017 (BadNets): a black-and-white checkerboard patch in a corner. */
export interface BadNetsSpec extends TriggerSpecBase {
  type: 'badnets';
  /** Side of the square patch in pixels. */
  size: number;
  position: PatchPosition;
}

/** Chen et al. 2017 (Blended): the image is alpha-blended with a fixed pattern image. */
export interface BlendedSpec extends TriggerSpecBase {
  type: 'blended';
  /** Absolute path of the pattern image (PNG or JPEG), or null for seeded random pixels. */
  image: string | null;
  alpha: number;
  /** Seed of the random-pixel pattern (used only when image is null). */
  seed: number;
}

/** Barni et al. 2019 (SIG): a horizontal sinusoid added to every row. */
export interface SigSpec extends TriggerSpecBase {
  type: 'sig';
  /** Amplitude in raw pixel units (0..255 scale). */
  delta: number;
  /** Periods across the image width. */
  freq: number;
}

/** Nguyen & Tran 2021 (WaNet): a fixed, smooth, small warp of the whole image. */
export interface WanetSpec extends TriggerSpecBase {
  type: 'wanet';
  /** Side of the random control grid. */
  k: number;
  /** Warping strength. */
  s: number;
  /** Seed of the control grid: the same seed gives the same warp. */
  seed: number;
  /**
   * Noise-mode ("cross") images per poisoned image when training the attack (the paper's cross
   * ratio; 2 in the reference). Read by the attack lab only.
   */
  crossRatio: number;
}

export type TriggerSpec = BadNetsSpec | BlendedSpec | SigSpec | WanetSpec;

export type TriggerType = TriggerSpec['type'];

export const TRIGGER_TYPES: readonly TriggerType[] = ['badnets', 'blended', 'sig', 'wanet'];

/** The reference settings (BCU run script, CIFAR-10), used for every field a spec omits. */
export const TRIGGER_DEFAULTS = {
  target: 0,
  badnets: { size: 3, position: 'bottom-right' as PatchPosition, poisonLabel: 'dirty' as PoisonLabel },
  blended: { image: null as string | null, alpha: 0.2, seed: 1, poisonLabel: 'dirty' as PoisonLabel },
  sig: { delta: 20, freq: 6, poisonLabel: 'clean' as PoisonLabel },
  wanet: { k: 4, s: 0.5, seed: 1, crossRatio: 2, poisonLabel: 'dirty' as PoisonLabel },
} as const;
