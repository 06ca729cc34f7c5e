/**
 * What each per-layer diagnostic means and when it raises a warning. Lives in src/shared so the
 * engine's rules (src/engine/diagnostics/rules.ts), the panel and editor hovers show the same text
 * and thresholds without importing the engine. docs/diagnostics.md explains how they were chosen.
 */

/** Keys are the InspectLayer / LayerDiagnostics field names (plus the scan's). */
export const DIAGNOSTIC_EXPLANATIONS: Record<string, string> = {
  lipschitzMax:
    "Largest channel Lipschitz upper bound of this convolution (spectral norm of the channel's kernel, times the following BatchNorm's |gamma/sigma|): how strongly one channel can react to a small input change (CLP, Zheng et al. ECCV 2022).",
  lipschitzZ:
    'How many standard deviations the largest channel bound stands above the layer mean. Backdoor channels tend to be far more sensitive than their neighbours, so a lone outlier is suspicious.',
  bnDivergence:
    "Mean over channels of the symmetric KL divergence between the BatchNorm's stored running statistics N(mean, var) and those your images produce at its input. Near 0: your images look like the training data to this layer.",
  activationMean: "Mean of the layer's output over your images, all positions and channels.",
  activationMax: "Largest value of the layer's output on your images.",
  deadShare:
    'Share of output channels that never exceed 1e-6 on any of your images (dead channels): they carry no information for these images, and pruning defenses look for such channels.',
  anomalyIndex:
    "Neural Cleanse anomaly index (Wang et al., IEEE S&P 2019), on log mask sizes: how far a class's smallest flipping-trigger mask lies below the median of all classes, in robust standard deviations (MAD x 1.4826). Above 2 with a mask under 0.4 of the median class's that flips 95 % of the images: the class is reachable by an abnormally small patch, a backdoor sign.",
  maskL1: 'L1 norm (pixel count, soft) of the smallest mask found that sends your images to this class.',
  flipRate: 'Share of your images (not already predicted as the class) that the recovered mask and pattern send to the class.',
  warpFlip:
    "Share of your images (not already predicted as the class) that the smallest-warp search sends to the class: one smooth displacement of at most one pixel, the same for every image. Checked on the three classes with the smallest masks when no mask is small enough on its own; a warp trigger (WaNet) flips nearly all images, a clean model's classes far fewer.",
};

/** Warning thresholds of the rules in src/engine/diagnostics/rules.ts. */
export const DIAGNOSTIC_THRESHOLDS = {
  /** CLP's u: a channel bound above mean + 3 std (CLP's default u = 3). */
  lipschitzZ: 3,
  /** Mean symmetric KL between stored and observed BatchNorm statistics. */
  bnDivergence: 0.1,
  /** More than half of the output channels dead. */
  deadShare: 0.5,
  /** Neural Cleanse's anomaly-index cut-off (here on log mask sizes). */
  anomalyIndex: 2,
  /** ... and the suspect's mask must be under this share of the median class's (our addition, docs/diagnostics.md). */
  suspectMaskShare: 0.4,
  /** ... or, failing that, a one-pixel universal warp must flip this share of the images (our addition, docs/diagnostics.md). */
  suspectWarpFlip: 0.65,
} as const;
