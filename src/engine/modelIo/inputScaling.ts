/**
 * The input scaling a job uses, and where it came from: `--scaling` when given, else the scaling an
 * .onnx model's metadata_props declare (PyTorch models usually expect normalized input), else the
 * job's default. One rule for cleanse, defend, evaluate and inspect, recorded as `scalingFrom`.
 */
import { parseScaling } from '../data/normalize';
import type { Scaling } from '../data/types';
import type { LoadedModel } from './index';

export type ScalingSource = 'flag' | 'model metadata' | 'default';

export function inputScaling(
  given: string | undefined,
  model: Pick<LoadedModel, 'onnx' | 'modelJsonPath'>,
  fallback: Scaling,
  log: (message: string) => void,
): { scaling: Scaling; from: ScalingSource } {
  if (given !== undefined) return { scaling: parseScaling(given), from: 'flag' };
  const declared = model.onnx?.metadataScaling;
  if (!declared) return { scaling: fallback, from: 'default' };
  log(`input scaling from ${model.modelJsonPath}'s metadata: ${declared}`);
  return { scaling: parseScaling(declared), from: 'model metadata' };
}
